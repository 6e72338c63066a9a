package pymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
)

// runScript runs a module that is not new-style Python as Ansible does:
// the module file (its #! line rewritten for the interpreter) and an
// arguments file in a temporary directory, then `INTERPRETER MODULE ARGS`
// (a binary runs itself). It needs only a POSIX shell on the host: one
// command receives both files on its input and removes them when done.
func (f *Finder) runScript(ctx context.Context, c *tasks.Call, m *Module, p *payload, interp []string, args map[string]any) (output, error) {
	src := p.src
	if p.style != styleBinary {
		src = rewriteShebang(src, interp)
	}
	var argsData []byte
	switch p.style {
	case styleJSONArgs:
		src = f.substituteJSONArgs(c, src, args)
	case styleOld:
		argsData = []byte(kvArgs(args))
	default:
		b, err := json.Marshal(args)
		if err != nil {
			return output{}, err
		}
		argsData = b
	}
	name := path.Base(m.Path)
	return hostOutput(ctx, c, transport.Command{Shell: scriptCommand(f.remoteTmp(c), name, interp, len(argsData), p.style != styleJSONArgs),
		Stdin: bytes.NewReader(append(argsData, src...))})
}

// rewriteShebang puts the resolved interpreter on the module's #! line, as
// Ansible does when it differs, with a coding line for Python.
func rewriteShebang(src []byte, interp []string) []byte {
	old, oldArgs, ok := shebang(src)
	if !ok || len(interp) == 0 {
		return src
	}
	first, rest, _ := bytes.Cut(src, []byte("\n"))
	line := first
	if strings.Join(append([]string{old}, oldArgs...), " ") != strings.Join(interp, " ") {
		line = []byte("#!" + strings.Join(interp, " "))
	}
	out := append([]byte{}, line...)
	if strings.HasPrefix(path.Base(old), "python") {
		out = append(out, []byte("\n# -*- coding: utf-8 -*-")...)
	}
	return append(append(out, '\n'), rest...)
}

// substituteJSONArgs fills the markers of a module that takes its
// arguments in its source.
func (f *Finder) substituteJSONArgs(c *tasks.Call, src []byte, args map[string]any) []byte {
	argsJSON, _ := json.Marshal(args)
	src = bytes.ReplaceAll(src, markerVersion, []byte(tasks.PyRepr(f.ansibleVersion())))
	src = bytes.ReplaceAll(src, markerComplex, []byte(tasks.PyRepr(string(argsJSON))))
	fs := make([]string, len(selinuxSpecialFS))
	for i, x := range selinuxSpecialFS {
		fs[i] = x.(string)
	}
	src = bytes.ReplaceAll(src, markerSELinux, []byte(strings.Join(fs, ",")))
	src = bytes.ReplaceAll(src, markerJSONArgs, argsJSON)
	facility := "LOG_USER"
	if v, ok := c.Var("ansible_syslog_facility"); ok {
		facility, _ = tasks.ToStr(v)
	}
	return bytes.ReplaceAll(src, []byte("syslog.LOG_USER"), []byte("syslog."+facility))
}

// kvArgs are an old-style module's arguments: key=value words, values
// quoted for a shell and shown as Python's str() shows them.
func kvArgs(args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s ", k, transport.Quote(pyStr(args[k])))
	}
	return b.String()
}

// pyStr is str() of a value in Python.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	}
	return tasks.PyRepr(v)
}

// scriptCommand is the shell command that writes the arguments (argsLen
// bytes of input, when withArgs) and the module (the rest) to a new
// directory under remoteTmp, runs it and removes the directory.
func scriptCommand(remoteTmp, name string, interp []string, argsLen int, withArgs bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "umask 077; b=%s; mkdir -p \"$b\" && d=$(mktemp -d \"$b/drover-XXXXXXXX\") || exit 1; trap 'rm -rf \"$d\"' EXIT; ", shellPath(remoteTmp))
	run := transport.QuoteArgv(interp)
	if withArgs {
		fmt.Fprintf(&b, "dd of=\"$d/args\" bs=1 count=%d 2>/dev/null; ", argsLen)
	}
	file := `"$d"/` + transport.Quote(name)
	fmt.Fprintf(&b, "cat > %s; chmod 700 %s; ", file, file)
	if run != "" {
		run += " "
	}
	run += file
	if withArgs {
		run += " \"$d/args\""
	}
	return b.String() + run
}

// shellPath quotes a path for the shell, keeping a leading ~/ for it to
// expand.
func shellPath(p string) string {
	switch {
	case p == "~":
		return `"$HOME"`
	case strings.HasPrefix(p, "~/"):
		return `"$HOME"/` + transport.Quote(p[2:])
	}
	return transport.Quote(p)
}
