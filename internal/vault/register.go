package vault

import (
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// registerText registers a decrypted value: the value without surrounding
// white space and, for a multi-line value, each of its lines without
// surrounding white space (so a key printed line by line is masked too).
// The surrounding white space is left out so that masking a value that
// ends a line ("token\n") keeps the line break in output. The Registrar
// decides what is too short to mask.
func registerText(r Registrar, s string) {
	registerLines(r, s, 0)
}

// fileLineMin is the shortest line of a decrypted file (a copy or script
// source) registered on its own: shorter lines ("fi", "[db]", "---") say
// little and would mask the same text everywhere else in output.
const fileLineMin = 8

// registerFileText registers the content of a decrypted file: the whole
// content, and each line of at least fileLineMin bytes that holds a letter
// or a digit.
func registerFileText(r Registrar, s string) {
	registerLines(r, s, fileLineMin)
}

// registerLines registers s without surrounding white space and, when it
// has several lines, each line of at least minLine bytes (without
// surrounding white space) that holds a letter or a digit.
func registerLines(r Registrar, s string, minLine int) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return
	}
	r.Add(trimmed)
	if !strings.Contains(trimmed, "\n") {
		return
	}
	for line := range strings.SplitSeq(trimmed, "\n") {
		if line = strings.TrimSpace(line); len(line) >= minLine && strings.IndexFunc(line, isAlnum) >= 0 {
			r.Add(line)
		}
	}
}

func isAlnum(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

// registerVars registers the scalar values of a decrypted YAML document.
// Content that is not YAML is registered as text.
func registerVars(r Registrar, plain []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(plain, &doc); err != nil {
		registerText(r, string(plain))
		return
	}
	registerNode(r, &doc, false)
}

// registerNode walks a YAML node; isKey marks mapping keys, which are
// names, not secrets. Nested !vault values are left to DecryptInline.
func registerNode(r Registrar, n *yaml.Node, isKey bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			registerNode(r, c, false)
		}
	case yaml.MappingNode:
		for i, c := range n.Content {
			registerNode(r, c, i%2 == 0)
		}
	case yaml.ScalarNode:
		if isKey || n.Tag == "!!bool" || n.Tag == "!!null" || n.Tag == "!vault" {
			return
		}
		registerText(r, n.Value)
	}
}
