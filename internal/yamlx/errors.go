package yamlx

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/pyfmt"
)

// Error is a problem located in a source file: it prints as
// "FILE:LINE:COL: message" followed by the offending lines and a caret.
type Error struct {
	File    string
	Line    int // 1-based; 0 when unknown
	Column  int // 1-based; 0 when unknown
	Msg     string
	Snippet string // the lines around Line with a caret under Column
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Snippet != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(e.Snippet, "\n"))
	}
	return b.String()
}

// At builds an Error for a position in src, with a snippet of the lines
// around it.
func At(file string, src []byte, line, col int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Snippet: Snippet(src, line, col)}
}

// Snippet renders the line before, the line itself and the line after line
// of src, numbered, with a '>' marking line and a caret under col. Control
// bytes and invalid UTF-8 show escaped (\x00), and a long line shows only
// the part around col, so that a binary or minified file cannot flood or
// garble the terminal.
func Snippet(src []byte, line, col int) string {
	if line <= 0 || len(src) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	if line > len(lines) {
		line = len(lines)
		col = 0
	}
	first, last := max(1, line-1), min(len(lines), line+1)
	width := len(fmt.Sprint(last))
	var b strings.Builder
	for n := first; n <= last; n++ {
		mark := " "
		if n == line {
			mark = ">"
		}
		raw := strings.TrimRight(lines[n-1], "\r")
		at := 0
		if n == line {
			at = col
		}
		text, caret := window(raw, at)
		fmt.Fprintf(&b, "%s %*d | %s\n", mark, width, n, text)
		if n == line && col > 0 {
			fmt.Fprintf(&b, "  %*s | %s^\n", width, "", strings.Repeat(" ", caret))
		}
	}
	return b.String()
}

// snippetWidth is the most characters of one line a snippet shows.
const snippetWidth = 120

// window renders line for a snippet, escaped and cut to snippetWidth
// characters around the 1-based rune column col (the start when col is
// 0), and gives the caret's offset in what it returns.
func window(line string, col int) (string, int) {
	var parts []string
	caret := -1
	for rest := line; rest != ""; {
		if len(parts) == col-1 {
			caret = len(parts)
		}
		r, size := utf8.DecodeRuneInString(rest)
		parts = append(parts, visibleRune(r, rest[:size]))
		rest = rest[size:]
	}
	if caret < 0 {
		caret = len(parts)
	}
	start := 0
	if len(parts) > snippetWidth {
		start = max(0, min(caret-snippetWidth/2, len(parts)-snippetWidth))
	}
	end := min(len(parts), start+snippetWidth)
	prefix, suffix := "", ""
	if start > 0 {
		prefix = "…"
	}
	if end < len(parts) {
		suffix = "…"
	}
	offset := len([]rune(prefix))
	for _, p := range parts[start:min(caret, end)] {
		offset += len([]rune(p))
	}
	return prefix + strings.Join(parts[start:end], "") + suffix, offset
}

// visibleRune is r, read from the bytes enc, as a snippet shows it: a tab
// as a space, other control characters and invalid bytes escaped.
func visibleRune(r rune, enc string) string {
	switch {
	case r == '\t':
		return " "
	case r == utf8.RuneError && len(enc) == 1, r < 0x20, r == 0x7f:
		return fmt.Sprintf("\\x%02x", enc[0])
	case r >= 0x80 && r < 0xa0:
		return fmt.Sprintf("\\u%04x", r)
	}
	return string(r)
}

// File is a parsed YAML (or JSON) source: its name, its bytes and its
// documents' root nodes.
type File struct {
	Name string
	Src  []byte
	Docs []*yaml.Node // one content node per document (never a DocumentNode)

	built    map[*yaml.Node]any // values of collection nodes already converted
	expanded map[*yaml.Node]int // what nodes expand to, aliases followed (see checkExpansion)
	warnings []warning
	warned   map[string]bool
}

type warning struct {
	line, col int
	msg       string
}

// Warnings are the warnings met while converting f's nodes (duplicate
// mapping keys), each once, in Ansible's wording, in file order.
func (f *File) Warnings() []string {
	ws := append([]warning(nil), f.warnings...)
	sort.SliceStable(ws, func(i, j int) bool {
		return ws[i].line < ws[j].line || ws[i].line == ws[j].line && ws[i].col < ws[j].col
	})
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.msg
	}
	return out
}

// warnDuplicate records Ansible's warning for key given twice in mapping
// node m; as in Ansible the last value is used.
func (f *File) warnDuplicate(m *yaml.Node, key any) {
	name := f.Name
	if abs, err := filepath.Abs(name); err == nil {
		if _, serr := os.Stat(name); serr == nil {
			name = abs
		}
	}
	msg := fmt.Sprintf("While constructing a mapping from %s, line %d, column %d, found a duplicate dict key (%s). Using last defined value only.",
		name, m.Line, m.Column, pyfmt.Str(key))
	if f.warned[msg] {
		return
	}
	if f.warned == nil {
		f.warned = map[string]bool{}
	}
	f.warned[msg] = true
	f.warnings = append(f.warnings, warning{m.Line, m.Column, msg})
}

// Errorf builds an Error located at node n of f.
func (f *File) Errorf(n *yaml.Node, format string, args ...any) *Error {
	if n == nil {
		return &Error{File: f.Name, Msg: fmt.Sprintf(format, args...)}
	}
	return At(f.Name, f.Src, n.Line, n.Column, format, args...)
}
