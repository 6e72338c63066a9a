// Package yamlx reads YAML and JSON files into yaml.v3 nodes and converts them
// to Go values the way Ansible's loader does (YAML 1.1 scalars, merge keys,
// !vault and !unsafe tags), with errors that name FILE:LINE:COL and show the
// offending lines.
package yamlx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"gopkg.in/yaml.v3"
)

// VaultHeader starts every file encrypted with ansible-vault.
const VaultHeader = "$ANSIBLE_VAULT;"

// Parse parses every YAML document in src. A syntax error is an *Error with
// the position of the problem and a snippet.
func Parse(name string, src []byte) (*File, error) {
	f := &File{Name: name, Src: src}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, syntaxError(name, src, err)
		}
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
			if err := f.checkDepth(doc.Content[0]); err != nil {
				return nil, err
			}
			f.Docs = append(f.Docs, doc.Content[0])
		}
	}
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a yaml.v3 error, which knows at best a line, into an
// *Error with line and column, found by a second parser that reports
// precise positions. That parser is not given deeply nested input, which
// costs it gigabytes: such input is refused for its depth.
func syntaxError(name string, src []byte, err error) *Error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	if l, c := roughDepth(src, maxDepth); l > 0 || strings.Contains(msg, "exceeded max depth") {
		if l == 0 {
			l, c = max(line, 1), firstNonBlank(src, max(line, 1))
		}
		return At(name, src, l, c, "collections nested more than %d deep", maxDepth)
	}
	if l, c, other := locate(src); l > 0 {
		if other != "" && other != msg {
			msg = other + " (" + msg + ")"
		}
		return At(name, src, l, c, "%s", msg)
	}
	if line == 0 {
		line = 1
	}
	return At(name, src, line, firstNonBlank(src, line), "%s", msg)
}

// locate asks goccy/go-yaml where src is wrong; it reports 0 when that parser
// finds nothing wrong.
func locate(src []byte) (line, col int, msg string) {
	defer func() {
		if recover() != nil {
			line, col, msg = 0, 0, ""
		}
	}()
	_, err := goccyparser.ParseBytes(src, 0)
	var ye goccy.Error
	if err == nil || !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return 0, 0, ""
	}
	p := ye.GetToken().Position
	return p.Line, p.Column, ye.GetMessage()
}

func firstNonBlank(src []byte, line int) int {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	t := lines[line-1]
	return len(t) - len(strings.TrimLeft(t, " \t")) + 1
}

// Load reads data the way Ansible's DataLoader does: an ansible-vault file is
// decrypted with vault first (nil: an error asking for the vault password),
// content that is valid JSON is read as JSON (JSON number and string rules),
// anything else as YAML.
func Load(name string, src []byte, vault VaultFunc) (*File, error) {
	if bytes.HasPrefix(bytes.TrimLeft(src, " \t\r\n"), []byte(VaultHeader)) {
		if vault == nil {
			return nil, &Error{File: name, Line: 1, Column: 1, Msg: "vault password needed to decrypt this file"}
		}
		plain, err := vault(src, name)
		if err != nil {
			return nil, &Error{File: name, Line: 1, Column: 1, Msg: fmt.Sprintf("cannot decrypt vault: %v", err)}
		}
		src = plain
	}
	if f, ok := parseJSON(name, src); ok {
		if err := f.checkDepth(f.Docs[0]); err != nil {
			return nil, err
		}
		return f, nil
	}
	f, err := Parse(name, src)
	var ye *Error
	if err != nil && errors.As(err, &ye) && looksJSON(src) {
		ye.Msg += "; nor is it JSON (JSON: " + jsonError(src) + ")"
	}
	return f, err
}

// looksJSON reports whether src starts as a JSON object or array does.
func looksJSON(src []byte) bool {
	t := bytes.TrimLeft(src, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// jsonError is why src is not one JSON document.
func jsonError(src []byte) string {
	var v any
	if err := json.Unmarshal(src, &v); err != nil {
		return err.Error()
	}
	return "not a JSON document"
}

// LoadFile reads the file at path with Load.
func LoadFile(path string, vault VaultFunc) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, src, vault)
}
