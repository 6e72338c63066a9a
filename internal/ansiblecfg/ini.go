package ansiblecfg

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// defaultSection is the INI section whose keys every other section inherits.
const defaultSection = "DEFAULT"

// iniValue is one key's value in an INI file and where it was written.
type iniValue struct {
	Text      string
	Line, Col int
	lines     []string // the value's lines while the file is read
}

// iniFile is a parsed INI file, read as Python's configparser reads
// ansible.cfg: section names are case-sensitive, keys are not.
type iniFile struct {
	Path     string
	sections map[string]map[string]*iniValue
	defaults map[string]*iniValue
}

// lookup returns the value of key in section (falling back to the DEFAULT
// section when section exists), as configparser's get does.
func (f *iniFile) lookup(section, key string) (*iniValue, bool) {
	sec, ok := f.sections[section]
	if !ok {
		return nil, false
	}
	key = strings.ToLower(key)
	if v, ok := sec[key]; ok {
		return v, true
	}
	v, ok := f.defaults[key]
	return v, ok
}

// iniError is a syntax error in an INI file.
type iniError struct {
	Path string
	Line int
	Msg  string
}

func (e *iniError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// iniParser holds the state of reading one file.
type iniParser struct {
	f       *iniFile
	cur     map[string]*iniValue // current section; nil before the first header
	secName string
	opt     *iniValue // value being continued
	indent  int       // indentation of the line that started opt
	seen    map[string]bool
	bad     []int // lines that are neither header nor key/value
}

// parseINI reads data as configparser does with ';' as an inline comment
// prefix: '#' and ';' start comment lines, a value continues on lines
// indented deeper than its key, duplicate sections and keys are errors.
func parseINI(path string, data []byte) (*iniFile, error) {
	if !utf8.Valid(data) {
		return nil, &iniError{Path: path, Line: firstInvalidLine(data), Msg: "the file is not UTF-8 text"}
	}
	p := &iniParser{f: &iniFile{Path: path, sections: map[string]map[string]*iniValue{},
		defaults: map[string]*iniValue{}}, seen: map[string]bool{}}
	for i, line := range strings.Split(string(data), "\n") {
		if err := p.line(i+1, line); err != nil {
			return nil, err
		}
	}
	if len(p.bad) > 0 {
		return nil, &iniError{Path: path, Line: p.bad[0], Msg: fmt.Sprintf(
			"expected [section] or key = value (key: value), line %s", joinInts(p.bad))}
	}
	p.finish()
	return p.f, nil
}

func (p *iniParser) line(n int, line string) error {
	text, comment := stripComment(line)
	if text == "" {
		if !comment && p.opt != nil {
			p.opt.lines = append(p.opt.lines, "")
		}
		return nil
	}
	indent := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) })
	if p.opt != nil && indent > p.indent {
		p.opt.lines = append(p.opt.lines, text)
		return nil
	}
	p.indent = indent
	if m := sectionRE.FindStringSubmatch(text); m != nil {
		return p.header(n, m[1])
	}
	if p.cur == nil {
		return &iniError{Path: p.f.Path, Line: n, Msg: fmt.Sprintf("expected a [section] header before %q", strings.TrimSpace(line))}
	}
	return p.option(n, line, text)
}

// sectionRE matches a section header; the name runs to the last ']'.
var sectionRE = regexp.MustCompile(`^\[(.+)\]`)

// optionRE splits key = value and key: value at the first delimiter.
var optionRE = regexp.MustCompile(`^(.*?)\s*[=:]\s*(.*)$`)

func (p *iniParser) header(n int, name string) error {
	p.opt = nil
	p.secName = name
	if name == defaultSection {
		p.cur = p.f.defaults
		return nil
	}
	if p.seen[name] {
		return &iniError{Path: p.f.Path, Line: n, Msg: fmt.Sprintf("section [%s] appears twice", name)}
	}
	p.seen[name] = true
	p.cur = map[string]*iniValue{}
	p.f.sections[name] = p.cur
	return nil
}

func (p *iniParser) option(n int, line, text string) error {
	m := optionRE.FindStringSubmatch(text)
	if m == nil || m[1] == "" {
		p.bad = append(p.bad, n)
		p.opt = nil
		return nil
	}
	key := strings.ToLower(strings.TrimRightFunc(m[1], unicode.IsSpace))
	id := p.secName + "\x00" + key
	if p.seen[id] {
		return &iniError{Path: p.f.Path, Line: n, Msg: fmt.Sprintf("key %q appears twice in section [%s]", key, p.secName)}
	}
	p.seen[id] = true
	col := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace)) + len(text) - len(m[2]) + 1
	p.opt = &iniValue{Line: n, Col: col, lines: []string{strings.TrimSpace(m[2])}}
	p.cur[key] = p.opt
	return nil
}

// finish joins every value's lines, dropping trailing blank ones.
func (p *iniParser) finish() {
	join := func(sec map[string]*iniValue) {
		for _, v := range sec {
			v.Text = strings.TrimRightFunc(strings.Join(v.lines, "\n"), unicode.IsSpace)
			v.lines = nil
		}
	}
	join(p.f.defaults)
	for _, sec := range p.f.sections {
		join(sec)
	}
}

// stripComment returns the line without its comment, trimmed, and whether
// it had one: a line whose first non-blank character is '#' or ';' is all
// comment; otherwise ';' after a blank starts one.
func stripComment(line string) (string, bool) {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		return "", true
	}
	for i := 0; i < len(line); i++ {
		if line[i] != ';' {
			continue
		}
		if i == 0 {
			return "", true
		}
		r, _ := utf8.DecodeLastRuneInString(line[:i])
		if unicode.IsSpace(r) {
			return strings.TrimSpace(line[:i]), true
		}
	}
	return t, false
}

func firstInvalidLine(data []byte) int {
	n := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return n
		}
		if r == '\n' {
			n++
		}
		data = data[size:]
	}
	return n
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
