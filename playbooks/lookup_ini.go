package playbooks

import (
	"errors"
	"regexp"
	"strings"

	"github.com/drover/drover/internal/pyini"
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
	cp := pyini.New(cs, nv)
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
func (lc *lookupCtx) iniTerm(cp *pyini.Parser, term string, params map[string]any) ([]any, error) {
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
	if err := cp.Read(text); err != nil {
		return nil, iniError(err, file)
	}
	section := pyStr(params["section"])
	if _, ok := cp.Merged(section); !ok {
		return nil, lookupErrorf("No section '%s' in %s", section, file)
	}
	if truthy(params["re"]) {
		items, err := cp.Items(section)
		if err != nil {
			return nil, iniError(err, file)
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
	v, ok, err := cp.Get(section, key)
	if err != nil {
		return nil, iniError(err, file)
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

// iniError is a configparser error as the plugin raises it: a duplicate
// option as its lookup error naming the file, the others unhandled.
func iniError(err error, file string) error {
	var e *pyini.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Class == "configparser.DuplicateOptionError" {
		return lookupErrorf("Duplicate option in '%s': %s", file, e.Msg)
	}
	return &lookupError{msg: e.Msg, class: e.Class}
}
