// Package pyini reads INI text as Python's configparser.ConfigParser does:
// sections, the DEFAULT section under every other, continuation lines,
// comments, %(name)s interpolation, option names lower-cased unless case
// sensitive, and configparser's errors with its words.
package pyini

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

// Parser holds what was read; every Read adds to it, as read_string on
// one ConfigParser does.
type Parser struct {
	caseSensitive, allowNoValue bool
	defaults                    *Section
	sections                    map[string]*Section
	order                       []string
}

// Section is a section's options in the order they were read; a nil value
// is an option without a value (allow_no_value).
type Section struct {
	Keys   []string
	Values map[string]*string
}

// Error is one of configparser's exceptions: Class is its Python class
// (configparser.ParsingError, ...), Msg its text.
type Error struct {
	Class, Msg string
}

func (e *Error) Error() string { return e.Msg }

// New returns an empty parser; caseSensitive keeps option names as
// written, allowNoValue accepts options without a value.
func New(caseSensitive, allowNoValue bool) *Parser {
	return &Parser{caseSensitive: caseSensitive, allowNoValue: allowNoValue, defaults: newSection(), sections: map[string]*Section{}}
}

func newSection() *Section { return &Section{Values: map[string]*string{}} }

func (s *Section) set(k string, v *string) {
	if _, ok := s.Values[k]; !ok {
		s.Keys = append(s.Keys, k)
	}
	s.Values[k] = v
}

// The patterns of configparser: SECTCRE, OPTCRE and OPTCRE_NV, and an
// interpolation reference.
var (
	sectionRe  = regexp.MustCompile(`^\[(.+)\]`)
	optionRe   = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)
	optionNVRe = regexp.MustCompile(`^(.*?)\s*(?:([=:])\s*(.*))?$`)
	keyRe      = regexp.MustCompile(`^%\(([^)]+)\)s`)
)

func isSpace(r rune) bool { return pyfmt.IsSpace(r) }

// reader is the state of one Read.
type reader struct {
	p      *Parser
	cur    *Section
	name   string // the current section's
	opt    string // the option continuation lines add to
	indent int
	added  map[string]bool
	multi  map[*string]bool
	bad    []string
}

// Read is RawConfigParser._read over one text.
func (p *Parser) Read(text string) error {
	r := &reader{p: p, added: map[string]bool{}, multi: map[*string]bool{}}
	for n, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		if err := r.line(n+1, line); err != nil {
			return err
		}
	}
	for v := range r.multi {
		*v = strings.TrimRightFunc(*v, isSpace)
	}
	if len(r.bad) > 0 {
		return &Error{Class: "configparser.ParsingError", Msg: "Source contains parsing errors: '<???>'" + strings.Join(r.bad, "")}
	}
	return nil
}

// line reads line number n.
func (r *reader) line(n int, line string) error {
	stripped := strings.TrimFunc(line, isSpace)
	comment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
	value := stripped
	if comment {
		value = ""
	}
	if value == "" {
		if !comment && r.cur != nil && r.opt != "" && r.cur.Values[r.opt] != nil {
			*r.cur.Values[r.opt] += "\n"
			r.multi[r.cur.Values[r.opt]] = true
		}
		return nil
	}
	lineIndent := len(line) - len(strings.TrimLeftFunc(line, isSpace))
	if r.cur != nil && r.opt != "" && lineIndent > r.indent {
		if v := r.cur.Values[r.opt]; v != nil {
			*v += "\n" + value
			r.multi[v] = true
		}
		return nil
	}
	r.indent = lineIndent
	if m := sectionRe.FindStringSubmatch(value); m != nil {
		return r.section(n, m[1])
	}
	if r.cur == nil {
		return &Error{Class: "configparser.MissingSectionHeaderError",
			Msg: fmt.Sprintf("File contains no section headers.\nfile: '<???>', line: %d\n%s", n, pyfmt.Repr(line))}
	}
	return r.option(n, line, value)
}

// section starts section name.
func (r *reader) section(n int, name string) error {
	p := r.p
	switch {
	case p.sections[name] != nil:
		if r.added["["+name] {
			return &Error{Class: "configparser.DuplicateSectionError",
				Msg: fmt.Sprintf("While reading from '<???>' [line %2d]: section %s already exists", n, pyfmt.Repr(name))}
		}
		r.cur = p.sections[name]
	case name == "DEFAULT":
		r.cur = p.defaults
	default:
		r.cur = newSection()
		p.sections[name] = r.cur
		p.order = append(p.order, name)
	}
	r.added["["+name] = true
	r.name, r.opt = name, ""
	return nil
}

// option reads an option line of the current section.
func (r *reader) option(n int, line, value string) error {
	re := optionRe
	if r.p.allowNoValue {
		re = optionNVRe
	}
	m := re.FindStringSubmatch(value)
	if m == nil || m[1] == "" {
		r.bad = append(r.bad, fmt.Sprintf("\n\t[line %2d]: %s", n, pyfmt.Repr(line)))
		return nil
	}
	r.opt = r.p.optionName(strings.TrimRightFunc(m[1], isSpace))
	if r.added[r.name+"\x00"+r.opt] {
		return &Error{Class: "configparser.DuplicateOptionError",
			Msg: fmt.Sprintf("While reading from '<???>' [line %2d]: option %s in section %s already exists", n, pyfmt.Repr(r.opt), pyfmt.Repr(r.name))}
	}
	r.added[r.name+"\x00"+r.opt] = true
	if m[2] == "" {
		r.cur.set(r.opt, nil)
		return nil
	}
	v := strings.TrimFunc(m[3], isSpace)
	r.cur.set(r.opt, &v)
	return nil
}

// optionName is optionxform: lower-cased unless case sensitive.
func (p *Parser) optionName(k string) string {
	if p.caseSensitive {
		return k
	}
	return strings.ToLower(k)
}

// Sections lists the sections read, DEFAULT aside, in the order they
// first appeared.
func (p *Parser) Sections() []string { return append([]string(nil), p.order...) }

// Merged is a section's options over DEFAULT's; ok is false for a section
// that does not exist (DEFAULT always does).
func (p *Parser) Merged(section string) (*Section, bool) {
	out := newSection()
	for _, k := range p.defaults.Keys {
		out.set(k, p.defaults.Values[k])
	}
	s, ok := p.sections[section]
	if !ok {
		return out, section == "DEFAULT"
	}
	for _, k := range s.Keys {
		out.set(k, s.Values[k])
	}
	return out, true
}

// Get is ConfigParser.get: ok is false when the option is missing; a nil
// value is an option without one.
func (p *Parser) Get(section, key string) (*string, bool, error) {
	m, _ := p.Merged(section)
	k := p.optionName(key)
	v, ok := m.Values[k]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return nil, true, nil
	}
	s, err := p.interpolate(section, k, *v, m, 1)
	return &s, true, err
}

// Items is ConfigParser.items(section): name and value (nil without one)
// pairs, values interpolated.
func (p *Parser) Items(section string) ([][2]any, error) {
	m, _ := p.Merged(section)
	out := make([][2]any, 0, len(m.Keys))
	for _, k := range m.Keys {
		v := m.Values[k]
		if v == nil {
			out = append(out, [2]any{k, nil})
			continue
		}
		s, err := p.interpolate(section, k, *v, m, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]any{k, s})
	}
	return out, nil
}

// interpolate is BasicInterpolation: %% is %, %(name)s the option name's
// value (interpolated too, up to 10 levels).
func (p *Parser) interpolate(section, option, rest string, m *Section, depth int) (string, error) {
	if depth > 10 {
		return "", &Error{Class: "configparser.InterpolationDepthError",
			Msg: fmt.Sprintf("Recursion limit exceeded in value substitution: option %s in section %s contains an interpolation key which cannot be substituted in 10 steps. Raw value: %s",
				pyfmt.Repr(option), pyfmt.Repr(section), pyfmt.Repr(rest))}
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			b.WriteByte('%')
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			ref := keyRe.FindStringSubmatch(rest)
			if ref == nil {
				return "", &Error{Class: "configparser.InterpolationSyntaxError", Msg: fmt.Sprintf("bad interpolation variable reference %s", pyfmt.Repr(rest))}
			}
			name := p.optionName(ref[1])
			rest = rest[len(ref[0]):]
			v, ok := m.Values[name]
			if !ok || v == nil {
				return "", &Error{Class: "configparser.InterpolationMissingOptionError",
					Msg: fmt.Sprintf("Bad value substitution: option %s in section %s contains an interpolation key %s which is not a valid option name. Raw value: %s",
						pyfmt.Repr(option), pyfmt.Repr(section), pyfmt.Repr(name), pyfmt.Repr(*m.Values[option]))}
			}
			sub, err := p.interpolate(section, name, *v, m, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(sub)
		default:
			return "", &Error{Class: "configparser.InterpolationSyntaxError", Msg: fmt.Sprintf("'%%' must be followed by '%%' or '(', found: %s", pyfmt.Repr(rest))}
		}
	}
}
