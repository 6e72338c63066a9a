package yamlx

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
// of src, numbered, with a '>' marking line and a caret under col.
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
		text := strings.TrimRight(strings.ReplaceAll(lines[n-1], "\t", " "), "\r")
		fmt.Fprintf(&b, "%s %*d | %s\n", mark, width, n, text)
		if n == line && col > 0 {
			fmt.Fprintf(&b, "  %*s | %s^\n", width, "", strings.Repeat(" ", caretOffset(text, col)))
		}
	}
	return b.String()
}

// caretOffset is the display offset of the 1-based rune column col in text.
func caretOffset(text string, col int) int {
	runes := []rune(text)
	if col-1 > len(runes) {
		return len(runes)
	}
	return col - 1
}

// File is a parsed YAML (or JSON) source: its name, its bytes and its
// documents' root nodes.
type File struct {
	Name string
	Src  []byte
	Docs []*yaml.Node // one content node per document (never a DocumentNode)

	built    map[*yaml.Node]any // values of collection nodes already converted
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
