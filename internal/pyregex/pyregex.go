// Package pyregex runs Python regular expressions (the re module) as
// Ansible's modules, filters and tests use them. Patterns run on a
// backtracking engine (regexp2) after a translation of Python's syntax, so
// lookaround, backreferences, lazy quantifiers, $ before a final newline,
// and group numbering (named groups counted in order) behave as in Python.
package pyregex

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dlclark/regexp2/v2"
)

// Regexp is a compiled Python pattern.
type Regexp struct {
	re      *regexp2.Regexp
	pattern string
	names   map[string]int
	groups  int
}

// Flags are the re flags a pattern compiles with.
type Flags struct {
	Multiline  bool // re.MULTILINE
	DotAll     bool // re.DOTALL
	IgnoreCase bool // re.IGNORECASE
}

type cacheKey struct {
	flags   Flags
	pattern string
}

var (
	cache     sync.Map // cacheKey -> *Regexp
	cacheSize atomic.Int64
)

// maxCache bounds the cache of compiled patterns; it is emptied when full.
const maxCache = 10000

// Compile compiles a Python pattern, or returns the pattern from the cache
// of recently compiled ones. An error says what is wrong with the pattern
// (Python's re.error wording where the translation finds it).
func Compile(pattern string, flags Flags) (*Regexp, error) {
	key := cacheKey{flags, pattern}
	if v, ok := cache.Load(key); ok {
		return v.(*Regexp), nil
	}
	r, err := compile(pattern, flags)
	if err != nil {
		return nil, err
	}
	if cacheSize.Add(1) > maxCache {
		cache.Clear()
		cacheSize.Store(0)
	}
	cache.Store(key, r)
	return r, nil
}

func compile(pattern string, flags Flags) (*Regexp, error) {
	tr, names, groups, err := translate(pattern)
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
		return nil, pyError(pattern, err.Error())
	}
	return &Regexp{re: re, pattern: pattern, names: names, groups: groups}, nil
}

// String is the pattern as written.
func (r *Regexp) String() string { return r.pattern }

// Groups is the number of capturing groups (re.Pattern.groups).
func (r *Regexp) Groups() int { return r.groups }

// GroupIndex returns the number of a named group, -1 when there is none.
func (r *Regexp) GroupIndex(name string) int {
	if n, ok := r.names[name]; ok {
		return n
	}
	return -1
}

// GroupNames maps each named group to its number (re.Pattern.groupindex).
func (r *Regexp) GroupNames() map[string]int { return maps.Clone(r.names) }

// translate rewrites Python-only syntax for regexp2: named groups
// (?P<n>...) become plain groups (numbered in order as Python does),
// (?P=n) a numbered backreference, \Z the absolute end \z, and the inline
// flags a, u and L (which regexp2 lacks) are dropped.
func translate(p string) (string, map[string]int, int, error) {
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

// Match is one match: byte offsets of the whole match and each group
// (-1 for a group that did not take part).
type Match struct {
	s   string
	idx []int
	re  *Regexp
}

// Start is where the match starts (a byte offset).
func (m *Match) Start() int { return m.idx[0] }

// End is where the match ends.
func (m *Match) End() int { return m.idx[1] }

// Span returns the byte offsets of group n, -1, -1 when it did not take
// part.
func (m *Match) Span(n int) (int, int) {
	if n < 0 || 2*n+1 >= len(m.idx) {
		return -1, -1
	}
	return m.idx[2*n], m.idx[2*n+1]
}

// Group returns group n's text and whether it took part.
func (m *Match) Group(n int) (string, bool) {
	if n < 0 || 2*n+1 >= len(m.idx) || m.idx[2*n] < 0 {
		return "", false
	}
	return m.s[m.idx[2*n]:m.idx[2*n+1]], true
}

// each calls f with the byte offsets of the groups of each successive
// match in s (idx[2n], idx[2n+1] for group n, -1 when it did not take part),
// until f returns false. idx is reused from one call to the next.
func (r *Regexp) each(s string, f func(idx []int) bool) error {
	runes := []rune(s)
	var offsets []int // byte offset of each rune, when they differ
	if len(runes) != len(s) {
		offsets = make([]int, 0, len(runes)+1)
		for i := range s {
			offsets = append(offsets, i)
		}
		offsets = append(offsets, len(s))
	}
	idx := make([]int, 2*(r.groups+1))
	return r.re.FindRunesMatches(runes, 0, func(v regexp2.MatchView) bool {
		for n := 0; n <= r.groups; n++ {
			start, length, ok := v.GroupRange(n)
			switch {
			case !ok:
				idx[2*n], idx[2*n+1] = -1, -1
			case offsets != nil:
				idx[2*n], idx[2*n+1] = offsets[start], offsets[start+length]
			default:
				idx[2*n], idx[2*n+1] = start, start+length
			}
		}
		return f(idx)
	})
}

// MatchString reports whether s holds a match anywhere (bool(re.search)).
func (r *Regexp) MatchString(s string) (bool, error) {
	return r.re.MatchString(s)
}

// Search is re.search: the first match anywhere in s, nil when none.
func (r *Regexp) Search(s string) (*Match, error) {
	var m *Match
	err := r.each(s, func(idx []int) bool {
		m = &Match{s: s, idx: idx, re: r}
		return false
	})
	return m, err
}

// Match is re.match: a match starting at the beginning of s. (A
// backtracking search tries the start first, so the first match found
// starts there whenever one can.)
func (r *Regexp) Match(s string) (*Match, error) {
	m, err := r.Search(s)
	if err != nil || m == nil || m.Start() != 0 {
		return nil, err
	}
	return m, nil
}

// FindAll returns the successive non-overlapping matches in s, as
// re.finditer finds them.
func (r *Regexp) FindAll(s string) ([]*Match, error) {
	var out []*Match
	err := r.each(s, func(idx []int) bool {
		out = append(out, &Match{s: s, idx: append([]int(nil), idx...), re: r})
		return true
	})
	return out, err
}

// Subn is re.subn(pattern, repl, s, count): the text with matches
// replaced by the expanded template repl, and the number replaced (count
// 0: all).
func (r *Regexp) Subn(s, repl string, count int) (string, int, error) {
	tmpl, err := r.parseTemplate(repl)
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	last, n := 0, 0
	m := &Match{s: s, re: r}
	err = r.each(s, func(idx []int) bool {
		if count > 0 && n >= count {
			return false
		}
		m.idx = idx
		b.WriteString(s[last:m.Start()])
		tmpl.expandTo(&b, m)
		last = m.End()
		n++
		return true
	})
	if err != nil {
		return "", 0, err
	}
	if n == 0 {
		return s, 0, nil
	}
	b.WriteString(s[last:])
	return b.String(), n, nil
}

// Expand is match.expand(template): backslash escapes and \1, \g<1>,
// \g<name> group references.
func (m *Match) Expand(repl string) (string, error) {
	tmpl, err := m.re.parseTemplate(repl)
	if err != nil {
		return "", err
	}
	return tmpl.expand(m), nil
}

// template is a parsed replacement: literal text and group references
// alternating.
type template []templatePart

type templatePart struct {
	lit   string
	group int // -1 for literal text
}

func (t template) expand(m *Match) string {
	var b strings.Builder
	t.expandTo(&b, m)
	return b.String()
}

func (t template) expandTo(b *strings.Builder, m *Match) {
	for _, p := range t {
		if p.group < 0 {
			b.WriteString(p.lit)
		} else if g, ok := m.Group(p.group); ok {
			b.WriteString(g)
		}
	}
}

var replEscapes = map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'a': "\a", 'f': "\f", 'v': "\v", 'b': "\b", '\\': "\\"}

// parseTemplate parses a Python replacement template.
func (r *Regexp) parseTemplate(repl string) (template, error) {
	var t template
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
		case replEscapes[e] != "":
			lit.WriteString(replEscapes[e])
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
func (r *Regexp) templateGroupName(repl string, i int) (int, int, error) {
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
func (r *Regexp) templateNumber(repl string, i int) (int, int, string, error) {
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

// Escape is re.escape (Python 3.7+: only special characters).
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
