package pymodule

import (
	"regexp"
	"strings"
)

// pyImport is one import statement of a Python file.
type pyImport struct {
	// module is the module named: "a.b" in `import a.b` and
	// `from a.b import c`, "" in `from . import c`.
	module string
	// level counts the leading dots of a relative from-import.
	level int
	// names are what a from-import imports; nil for `import`.
	names []string
	from  bool
	// optional marks an import that is not at the file's top level (in a
	// try block, a function...): Ansible ships it when found and ignores it
	// when not.
	optional bool
}

// scanImports lists the import statements of Python source, strings and
// comments aside, as Python's parser would find them.
func scanImports(src []byte) []pyImport {
	var out []pyImport
	for _, ll := range logicalLines(string(src)) {
		for _, stmt := range splitStatements(ll.text) {
			stmt, nested := stripHeader(strings.TrimSpace(stmt))
			if imp, ok := parseImport(stmt); ok {
				imp.optional = ll.indent > 0 || nested
				out = append(out, imp)
			}
		}
	}
	return out
}

// logicalLine is a Python logical line with its strings blanked and
// comments removed; indent is its first line's indentation.
type logicalLine struct {
	text   string
	indent int
}

// logicalLines splits source into logical lines: brackets and backslashes
// continue a line; string contents become "S".
func logicalLines(src string) []logicalLine {
	var out []logicalLine
	var cur strings.Builder
	depth, indent, atStart := 0, 0, true
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			out = append(out, logicalLine{text: cur.String(), indent: indent})
		}
		cur.Reset()
		atStart = true
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if atStart {
			if c == ' ' || c == '\t' {
				indent++
				continue
			}
			if c == '\n' || c == '\r' {
				indent = 0
				continue
			}
			atStart = false
		}
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '\'' || c == '"':
			i = skipString(src, i)
			cur.WriteString("S")
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i++
			cur.WriteByte(' ')
		case c == '(' || c == '[' || c == '{':
			depth++
			cur.WriteByte(c)
		case c == ')' || c == ']' || c == '}':
			depth = max(depth-1, 0)
			cur.WriteByte(c)
		case c == '\n':
			if depth > 0 {
				cur.WriteByte(' ')
				continue
			}
			flush()
			indent = 0
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// skipString returns the index of the last byte of the string literal
// starting at src[i].
func skipString(src string, i int) int {
	q := src[i]
	if strings.HasPrefix(src[i:], strings.Repeat(string(q), 3)) {
		end := strings.Index(src[i+3:], strings.Repeat(string(q), 3))
		for end >= 0 && escaped(src, i+3+end) {
			next := strings.Index(src[i+3+end+1:], strings.Repeat(string(q), 3))
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			return len(src) - 1
		}
		return i + 3 + end + 2
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q, '\n':
			return j
		}
	}
	return len(src) - 1
}

// escaped reports whether src[i] follows an odd number of backslashes.
func escaped(src string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && src[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// splitStatements splits a logical line on semicolons.
func splitStatements(line string) []string { return strings.Split(line, ";") }

// compoundHeader matches a compound statement's header with a body on the
// same line (`try: import x`).
var compoundHeader = regexp.MustCompile(`^(?:try|else|finally|except\b[^:]*|if\b[^:]*|elif\b[^:]*|with\b[^:]*|for\b[^:]*|while\b[^:]*|def\b[^:]*|class\b[^:]*)\s*:\s*(.*)$`)

func stripHeader(stmt string) (string, bool) {
	if m := compoundHeader.FindStringSubmatch(stmt); m != nil {
		return strings.TrimSpace(m[1]), true
	}
	return stmt, false
}

var (
	importRe = regexp.MustCompile(`^import\s+(.+)$`)
	fromRe   = regexp.MustCompile(`^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$`)
)

// parseImport reads one statement when it is an import.
func parseImport(stmt string) (pyImport, bool) {
	if m := fromRe.FindStringSubmatch(stmt); m != nil {
		list := strings.Trim(strings.TrimSpace(m[3]), "()")
		return pyImport{module: m[2], level: len(m[1]), names: aliasNames(list), from: true}, true
	}
	if m := importRe.FindStringSubmatch(stmt); m != nil {
		names := aliasNames(m[1])
		if len(names) == 1 {
			return pyImport{module: names[0]}, true
		}
		return pyImport{module: strings.Join(names, ","), names: names}, true
	}
	return pyImport{}, false
}

// aliasNames are the names of "a as b, c": a and c.
func aliasNames(list string) []string {
	var out []string
	for _, part := range strings.Split(list, ",") {
		f := strings.Fields(part)
		if len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// absoluteModules are the modules an import names, made absolute for a
// file that is module fqn (a package's __init__ when pkg).
func (imp pyImport) absoluteModules(fqn string, pkg bool) []string {
	if !imp.from {
		if imp.names != nil {
			return imp.names
		}
		return []string{imp.module}
	}
	base := imp.module
	if imp.level > 0 {
		parts := strings.Split(fqn, ".")
		keep := len(parts) - imp.level
		if pkg {
			keep++
		}
		if keep < 0 || fqn == "" {
			return nil
		}
		base = strings.Join(append(parts[:keep:keep], nonEmpty(imp.module)...), ".")
	}
	out := make([]string, 0, len(imp.names))
	for _, n := range imp.names {
		if n == "*" {
			out = append(out, base)
			continue
		}
		out = append(out, base+"."+n)
	}
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
