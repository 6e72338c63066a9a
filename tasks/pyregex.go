package tasks

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/dlclark/regexp2/v2"
)

// Python regular expressions (the re module) as lineinfile, replace,
// blockinfile and find use them. The patterns run on a backtracking engine
// (regexp2) after a translation of Python's syntax, so lookaround,
// backreferences, lazy quantifiers, $ before a final newline, and group
// numbering (named groups counted in order) behave as in Python.

// PyRegexp is a compiled Python pattern.
type PyRegexp struct {
	re      *regexp2.Regexp
	pattern string
	names   map[string]int
	groups  int
}

// PyFlags are the re flags a module compiles with.
type PyFlags struct {
	Multiline  bool // re.MULTILINE
	DotAll     bool // re.DOTALL
	IgnoreCase bool
}

var pyRegexCache sync.Map // key -> *PyRegexp

// CompilePyRegex compiles a Python pattern. Errors read like Python's
// re.error where the syntax is not accepted.
func CompilePyRegex(pattern string, flags PyFlags) (*PyRegexp, error) {
	key := fmt.Sprintf("%v\x00%s", flags, pattern)
	if v, ok := pyRegexCache.Load(key); ok {
		return v.(*PyRegexp), nil
	}
	tr, names, groups, err := translatePyPattern(pattern)
	if err != nil {
		return nil, err
	}
	opts := regexp2.None
	if flags.Multiline {
		opts |= regexp2.Multiline
	}
	if flags.DotAll {
		opts |= regexp2.Singleline
	}
	if flags.IgnoreCase {
		opts |= regexp2.IgnoreCase
	}
	re, err := regexp2.Compile(tr, opts, regexp2.OptionMaxBacktrackingStackSize(-1))
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %s: %v", PyRepr(pattern), err)
	}
	r := &PyRegexp{re: re, pattern: pattern, names: names, groups: groups}
	pyRegexCache.Store(key, r)
	return r, nil
}

// translatePyPattern rewrites Python-only syntax for regexp2: named groups
// (?P<n>...) become plain groups (numbered in order as Python does),
// (?P=n) a numbered backreference, \Z the absolute end \z, and the inline
// flags a, u and L (which regexp2 lacks) are dropped.
func translatePyPattern(p string) (string, map[string]int, int, error) {
	var b strings.Builder
	names := map[string]int{}
	groups := 0
	inClass := false
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			if p[i+1] == 'Z' && !inClass {
				b.WriteString(`\z`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
		case inClass:
			if ch == ']' {
				inClass = false
			}
			if ch == '[' {
				b.WriteString(`\[`)
				continue
			}
			b.WriteByte(ch)
		case ch == '[':
			inClass = true
			b.WriteByte(ch)
			j := i + 1
			if j < len(p) && p[j] == '^' {
				b.WriteByte('^')
				j++
			}
			if j < len(p) && p[j] == ']' {
				b.WriteString(`\]`)
				j++
			}
			i = j - 1
		case ch == '(':
			n, err := translateGroup(p, i, &b, names, &groups)
			if err != nil {
				return "", nil, 0, err
			}
			i = n
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), names, groups, nil
}

// translateGroup handles a "(" at p[i]; it returns the index of the last
// byte it consumed.
func translateGroup(p string, i int, b *strings.Builder, names map[string]int, groups *int) (int, error) {
	rest := p[i:]
	switch {
	case strings.HasPrefix(rest, "(?P<"):
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return 0, fmt.Errorf("missing >, unterminated name at position %d", i+4)
		}
		*groups++
		names[rest[4:end]] = *groups
		b.WriteByte('(')
		return i + end, nil
	case strings.HasPrefix(rest, "(?P="):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return 0, fmt.Errorf("missing ), unterminated name at position %d", i+4)
		}
		n, ok := names[rest[4:end]]
		if !ok {
			return 0, fmt.Errorf("unknown group name '%s' at position %d", rest[4:end], i+4)
		}
		fmt.Fprintf(b, `(?:\%d)`, n)
		return i + end, nil
	case strings.HasPrefix(rest, "(?"):
		j := 2
		for j < len(rest) && strings.IndexByte("aiLmsux-", rest[j]) >= 0 {
			j++
		}
		if j > 2 && j < len(rest) && (rest[j] == ')' || rest[j] == ':') {
			flags := strings.NewReplacer("a", "", "u", "", "L", "").Replace(rest[2:j])
			if flags == "" || flags == "-" {
				if rest[j] == ')' {
					return i + j, nil
				}
				b.WriteString("(?:")
				return i + j, nil
			}
			b.WriteString("(?" + flags + string(rest[j]))
			return i + j, nil
		}
		b.WriteByte('(')
		return i, nil
	}
	*groups++
	b.WriteByte('(')
	return i, nil
}

// PyMatch is one match: byte offsets of the whole match and each group
// (-1 for a group that did not take part).
type PyMatch struct {
	s   string
	idx []int
	re  *PyRegexp
}

// Start and End are the match's byte offsets.
func (m *PyMatch) Start() int { return m.idx[0] }

// End is where the match ends.
func (m *PyMatch) End() int { return m.idx[1] }

// Group returns group n's text and whether it took part.
func (m *PyMatch) Group(n int) (string, bool) {
	if 2*n+1 >= len(m.idx) || m.idx[2*n] < 0 {
		return "", false
	}
	return m.s[m.idx[2*n]:m.idx[2*n+1]], true
}

// GroupIndex returns the number of a named group, -1 when there is none.
func (r *PyRegexp) GroupIndex(name string) int {
	if n, ok := r.names[name]; ok {
		return n
	}
	return -1
}

func (r *PyRegexp) toMatch(s string, m *regexp2.Match) *PyMatch {
	groups := m.Groups()
	idx := make([]int, 2*(r.groups+1))
	for i := range idx {
		idx[i] = -1
	}
	for _, g := range groups {
		n, err := strconv.Atoi(g.Name)
		if err != nil || n > r.groups || len(g.Captures) == 0 {
			continue
		}
		start, length := g.Capture.ByteRange()
		idx[2*n], idx[2*n+1] = start, start+length
	}
	return &PyMatch{s: s, idx: idx, re: r}
}

// Search is re.search: the first match anywhere in s, nil when none.
func (r *PyRegexp) Search(s string) (*PyMatch, error) {
	m, err := r.re.FindStringMatch(s)
	if err != nil || m == nil {
		return nil, err
	}
	return r.toMatch(s, m), nil
}

// Match is re.match: a match starting at the beginning of s.
func (r *PyRegexp) Match(s string) (*PyMatch, error) {
	m, err := r.Search(s)
	if err != nil || m == nil || m.Start() != 0 {
		return nil, err
	}
	return m, nil
}

// Subn is re.subn(pattern, repl, s, count): the text with matches
// replaced by the expanded template repl, and the number replaced (count
// 0: all).
func (r *PyRegexp) Subn(s, repl string, count int) (string, int, error) {
	tmpl, err := r.parseTemplate(repl)
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	last, n := 0, 0
	m, err := r.re.FindStringMatch(s)
	for m != nil && err == nil && (count <= 0 || n < count) {
		pm := r.toMatch(s, m)
		b.WriteString(s[last:pm.Start()])
		b.WriteString(tmpl.expand(pm))
		last = pm.End()
		n++
		m, err = r.re.FindNextMatch(m)
	}
	if err != nil {
		return "", 0, err
	}
	b.WriteString(s[last:])
	return b.String(), n, nil
}

// Expand is match.expand(template): backslash escapes and \1, \g<1>,
// \g<name> group references.
func (m *PyMatch) Expand(repl string) (string, error) {
	tmpl, err := m.re.parseTemplate(repl)
	if err != nil {
		return "", err
	}
	return tmpl.expand(m), nil
}

// pyTemplate is a parsed replacement: literal text and group references
// alternating.
type pyTemplate []templatePart

type templatePart struct {
	lit   string
	group int // -1 for literal text
}

func (t pyTemplate) expand(m *PyMatch) string {
	var b strings.Builder
	for _, p := range t {
		if p.group < 0 {
			b.WriteString(p.lit)
		} else if g, ok := m.Group(p.group); ok {
			b.WriteString(g)
		}
	}
	return b.String()
}

var pyEscapes = map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'a': "\a", 'f': "\f", 'v': "\v", 'b': "\b", '\\': "\\"}

// parseTemplate parses a Python replacement template.
func (r *PyRegexp) parseTemplate(repl string) (pyTemplate, error) {
	var t pyTemplate
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, templatePart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 == len(repl) {
			lit.WriteByte(c)
			continue
		}
		i++
		e := repl[i]
		switch {
		case e == 'g':
			n, end, err := r.templateGroupName(repl, i)
			if err != nil {
				return nil, err
			}
			flush()
			t = append(t, templatePart{group: n})
			i = end
		case e >= '0' && e <= '9':
			n, end, octal, err := r.templateNumber(repl, i)
			if err != nil {
				return nil, err
			}
			if octal != "" {
				lit.WriteString(octal)
			} else {
				flush()
				t = append(t, templatePart{group: n})
			}
			i = end
		case pyEscapes[e] != "":
			lit.WriteString(pyEscapes[e])
		case e < 0x80 && (e|0x20 >= 'a' && e|0x20 <= 'z'):
			return nil, fmt.Errorf("bad escape \\%c at position %d", e, i-1)
		default:
			lit.WriteByte('\\')
			lit.WriteByte(e)
		}
	}
	flush()
	return t, nil
}

// templateGroupName reads \g<...> at repl[i] ('g').
func (r *PyRegexp) templateGroupName(repl string, i int) (int, int, error) {
	if i+1 >= len(repl) || repl[i+1] != '<' {
		return 0, 0, fmt.Errorf("missing < at position %d", i+1)
	}
	end := strings.IndexByte(repl[i:], '>')
	if end < 0 {
		return 0, 0, fmt.Errorf("missing >, unterminated name at position %d", i+2)
	}
	name := repl[i+2 : i+end]
	if n, err := strconv.Atoi(name); err == nil {
		if n > r.groups {
			return 0, 0, fmt.Errorf("invalid group reference %d at position %d", n, i+2)
		}
		return n, i + end, nil
	}
	n, ok := r.names[name]
	if !ok {
		return 0, 0, fmt.Errorf("unknown group name '%s'", name)
	}
	return n, i + end, nil
}

// templateNumber reads \N, \NN or an octal escape \0, \NNN at repl[i].
func (r *PyRegexp) templateNumber(repl string, i int) (int, int, string, error) {
	j := i
	for j < len(repl) && j < i+3 && repl[j] >= '0' && repl[j] <= '7' {
		j++
	}
	if repl[i] == '0' || j-i == 3 {
		v, _ := strconv.ParseInt(repl[i:j], 8, 32)
		return 0, j - 1, string(rune(v)), nil
	}
	j = i + 1
	if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(repl[i:j])
	if n > r.groups {
		return 0, 0, "", fmt.Errorf("invalid group reference %d at position %d", n, i)
	}
	return n, j - 1, "", nil
}
