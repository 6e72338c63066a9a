package playbooks

import (
	"fmt"
	"regexp"
	"strings"
)

// The ini lookup plugin: values of an INI (or Java properties) file, read
// as Python's configparser.ConfigParser reads them (sections, DEFAULT,
// continuation lines, %(name)s interpolation, keys lower-cased unless
// case_sensitive).

// iniOptions are the ini plugin's options; allow_none is an alias of
// allow_no_value that inline options do not know.
var iniOptions = append(iniInlineOptions[:len(iniInlineOptions):len(iniInlineOptions)], "allow_none")

// iniInlineOptions are the options inline key=value words may set.
var iniInlineOptions = []string{"type", "file", "section", "re", "encoding", "default", "case_sensitive", "allow_no_value"}

// iniParser is the parsed content of the files one lookup read: every
// file read goes into the same parser, as in the plugin.
type iniParser struct {
	caseSensitive, allowNoValue bool
	defaults                    *iniSection
	sections                    map[string]*iniSection
}

// iniSection is a section's options in file order; a nil value is an
// option without a value.
type iniSection struct {
	keys   []string
	values map[string]*string
}

func newIniSection() *iniSection { return &iniSection{values: map[string]*string{}} }

func (s *iniSection) set(k string, v *string) {
	if _, ok := s.values[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.values[k] = v
}

// lookupIni is the ini plugin.
func lookupIni(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	params := map[string]any{"type": "ini", "file": "ansible.ini", "section": "global", "re": false,
		"encoding": "utf-8", "default": "", "case_sensitive": false, "allow_no_value": false}
	for k, v := range opts {
		params[k] = v
	}
	cs, err := opts.boolOpt("case_sensitive", false)
	if err != nil {
		return nil, err
	}
	nv, err := opts.boolOpt("allow_no_value", false)
	if err != nil {
		return nil, err
	}
	if _, ok := opts["allow_no_value"]; !ok {
		if nv, err = opts.boolOpt("allow_none", false); err != nil {
			return nil, err
		}
	}
	cp := &iniParser{caseSensitive: cs, allowNoValue: nv, defaults: newIniSection(), sections: map[string]*iniSection{}}
	var out []any
	for _, term := range terms {
		vals, err := lc.iniTerm(cp, pyStr(term), params)
		if err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

// iniTerm looks up one term: a key, or a key followed by inline options
// (which stay set for the next terms, as in the plugin).
func (lc *lookupCtx) iniTerm(cp *iniParser, term string, params map[string]any) ([]any, error) {
	key := term
	if strings.Contains(term, "=") || strings.Contains(strings.TrimSpace(term), " ") {
		var err error
		if key, err = iniInlineParams(term, params); err != nil {
			return nil, err
		}
	}
	file := pyStr(params["file"])
	path, found := lc.findInSearchPath("files", file, false)
	if !found {
		return nil, &lookupError{msg: "Invalid filename: 'None'", class: "ansible.errors.AnsibleParserError"}
	}
	b, err := lc.readFile(path)
	if err != nil {
		return nil, err
	}
	text, err := decodeText(b, pyStr(params["encoding"]))
	if err != nil {
		return nil, unhandledErrorf("%v", err)
	}
	if pyStr(params["type"]) == "properties" {
		text = "[java_properties]\n" + text
		params["section"] = "java_properties"
	}
	if err := cp.read(text, file); err != nil {
		return nil, err
	}
	section := pyStr(params["section"])
	if _, ok := cp.merged(section); !ok {
		return nil, lookupErrorf("No section '%s' in %s", section, file)
	}
	if truthy(params["re"]) {
		items, err := cp.items(section)
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(`^(?:` + key + `)`)
		if err != nil {
			return nil, unhandledErrorf("%v", err)
		}
		var out []any
		for _, it := range items {
			if re.MatchString(it[0].(string)) {
				out = append(out, it[1])
			}
		}
		return out, nil
	}
	v, ok, err := cp.get(section, key)
	if err != nil {
		return nil, err
	}
	if !ok && params["default"] != nil {
		return []any{params["default"]}, nil
	}
	if v == nil {
		return nil, nil
	}
	return []any{*v}, nil
}

// truthy is Python's bool() of an option value (an inline 're=False' is
// a true string, as in the plugin).
func truthy(v any) bool {
	switch x := unwrap(v).(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

// iniInlineParams is the plugin's _parse_params: words after the key
// that start with a known option= set it (the words after continuing its
// value); it returns the key.
func iniInlineParams(term string, params map[string]any) (string, error) {
	vals := map[string]string{}
	var order []string
	this := "key"
	for i, word := range strings.Fields(term) {
		if strings.Contains(word, "=") {
			for _, k := range iniInlineOptions {
				if strings.Contains(word, k+"=") {
					this = k
				}
			}
		}
		if i == 0 || vals[this] == "" {
			vals[this] = word
			order = append(order, this)
		} else {
			vals[this] += " " + word
		}
	}
	key, updated := term, false
	for _, name := range order {
		p := vals[name]
		if !strings.Contains(p, "=") {
			if key == term {
				key, updated = p, true
			}
			continue
		}
		parts := strings.Split(p, "=")
		if len(parts) != 2 {
			return "", lookupErrorf("Could not use '%s' from '%s': too many values to unpack (expected 2)", p, iniParamsRepr(vals, order))
		}
		if _, ok := params[parts[0]]; !ok {
			return "", lookupErrorf("%s is not a valid option.", parts[0])
		}
		params[parts[0]] = parts[1]
	}
	if !updated {
		return "", optionsErrorf("No key to lookup was provided as first term with in string inline options: %s", term)
	}
	return key, nil
}

// iniParamsRepr is the repr of _parse_params' list.
func iniParamsRepr(vals map[string]string, order []string) string {
	l := make([]any, len(order))
	for i, k := range order {
		l[i] = vals[k]
	}
	return pyRepr(l)
}

// iniSectionRe and iniOptionRe are configparser's SECTCRE and OPTCRE
// (OPTCRE_NV with allow_no_value).
var (
	iniSectionRe  = regexp.MustCompile(`^\[(.+)\]`)
	iniOptionRe   = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)
	iniOptionNVRe = regexp.MustCompile(`^(.*?)\s*(?:([=:])\s*(.*))?$`)
	iniKeyRe      = regexp.MustCompile(`^%\(([^)]+)\)s`)
)

// read is RawConfigParser._read over one file's text.
func (cp *iniParser) read(text, file string) error {
	var cur *iniSection
	var curName, opt string
	indent := 0
	added := map[string]bool{}
	var bad []string
	lines := strings.SplitAfter(text, "\n")
	multi := map[*string]bool{}
	for n, line := range lines {
		if line == "" {
			continue
		}
		stripped := strings.TrimFunc(line, isPySpace)
		comment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
		value := stripped
		if comment {
			value = ""
		}
		if value == "" {
			if !comment && cur != nil && opt != "" && cur.values[opt] != nil {
				*cur.values[opt] += "\n"
				multi[cur.values[opt]] = true
			}
			continue
		}
		lineIndent := len(line) - len(strings.TrimLeftFunc(line, isPySpace))
		if cur != nil && opt != "" && lineIndent > indent {
			if p := cur.values[opt]; p != nil {
				*p += "\n" + value
				multi[p] = true
			}
			continue
		}
		indent = lineIndent
		if m := iniSectionRe.FindStringSubmatch(value); m != nil {
			name := m[1]
			switch {
			case cp.sections[name] != nil:
				if added["["+name] {
					return &lookupError{msg: fmt.Sprintf("While reading from '<???>' [line %2d]: section %s already exists", n+1, pyRepr(name)),
						class: "configparser.DuplicateSectionError"}
				}
				cur = cp.sections[name]
			case name == "DEFAULT":
				cur = cp.defaults
			default:
				cur = newIniSection()
				cp.sections[name] = cur
			}
			added["["+name] = true
			curName, opt = name, ""
			continue
		}
		if cur == nil {
			return &lookupError{msg: fmt.Sprintf("File contains no section headers.\nfile: '<???>', line: %d\n%s", n+1, pyRepr(line)),
				class: "configparser.MissingSectionHeaderError"}
		}
		re := iniOptionRe
		if cp.allowNoValue {
			re = iniOptionNVRe
		}
		m := re.FindStringSubmatch(value)
		if m == nil || m[1] == "" {
			bad = append(bad, fmt.Sprintf("\n\t[line %2d]: %s", n+1, pyRepr(line)))
			continue
		}
		opt = cp.optionName(strings.TrimRightFunc(m[1], isPySpace))
		if added[curName+"\x00"+opt] {
			return lookupErrorf("Duplicate option in '%s': While reading from '<???>' [line %2d]: option %s in section %s already exists",
				file, n+1, pyRepr(opt), pyRepr(curName))
		}
		added[curName+"\x00"+opt] = true
		if m[2] == "" {
			cur.set(opt, nil)
			continue
		}
		v := strings.TrimFunc(m[3], isPySpace)
		cur.set(opt, &v)
	}
	for p := range multi {
		*p = strings.TrimRightFunc(*p, isPySpace)
	}
	if len(bad) > 0 {
		return &lookupError{msg: "Source contains parsing errors: '<???>'" + strings.Join(bad, ""), class: "configparser.ParsingError"}
	}
	return nil
}

// optionName is optionxform: lower-cased unless case_sensitive.
func (cp *iniParser) optionName(k string) string {
	if cp.caseSensitive {
		return k
	}
	return strings.ToLower(k)
}

// merged is a section's options over DEFAULT's; ok is false for a
// section that does not exist.
func (cp *iniParser) merged(section string) (*iniSection, bool) {
	out := newIniSection()
	for _, k := range cp.defaults.keys {
		out.set(k, cp.defaults.values[k])
	}
	s, ok := cp.sections[section]
	if !ok {
		return out, section == "DEFAULT"
	}
	for _, k := range s.keys {
		out.set(k, s.values[k])
	}
	return out, true
}

// get is ConfigParser.get: ok is false when the option is missing.
func (cp *iniParser) get(section, key string) (*string, bool, error) {
	m, _ := cp.merged(section)
	k := cp.optionName(key)
	v, ok := m.values[k]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return nil, true, nil
	}
	s, err := cp.interpolate(section, k, *v, m, 1)
	return &s, true, err
}

// items is ConfigParser.items(section), values interpolated.
func (cp *iniParser) items(section string) ([][2]any, error) {
	m, _ := cp.merged(section)
	out := make([][2]any, 0, len(m.keys))
	for _, k := range m.keys {
		v := m.values[k]
		if v == nil {
			out = append(out, [2]any{k, nil})
			continue
		}
		s, err := cp.interpolate(section, k, *v, m, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]any{k, s})
	}
	return out, nil
}

// interpolate is BasicInterpolation: %% is %, %(name)s the option name's
// value (interpolated too, up to 10 levels).
func (cp *iniParser) interpolate(section, option, rest string, m *iniSection, depth int) (string, error) {
	if depth > 10 {
		return "", &lookupError{msg: fmt.Sprintf("Recursion limit exceeded in value substitution: option %s in section %s contains an interpolation key which cannot be substituted in 10 steps. Raw value: %s",
			pyRepr(option), pyRepr(section), pyRepr(rest)), class: "configparser.InterpolationDepthError"}
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
			ref := iniKeyRe.FindStringSubmatch(rest)
			if ref == nil {
				return "", &lookupError{msg: fmt.Sprintf("bad interpolation variable reference %s", pyRepr(rest)), class: "configparser.InterpolationSyntaxError"}
			}
			name := cp.optionName(ref[1])
			rest = rest[len(ref[0]):]
			v, ok := m.values[name]
			if !ok || v == nil {
				return "", &lookupError{msg: fmt.Sprintf("Bad value substitution: option %s in section %s contains an interpolation key %s which is not a valid option name. Raw value: %s",
					pyRepr(option), pyRepr(section), pyRepr(name), pyRepr(*m.values[option])), class: "configparser.InterpolationMissingOptionError"}
			}
			sub, err := cp.interpolate(section, name, *v, m, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(sub)
		default:
			return "", &lookupError{msg: fmt.Sprintf("'%%' must be followed by '%%' or '(', found: %s", pyRepr(rest)), class: "configparser.InterpolationSyntaxError"}
		}
	}
}
