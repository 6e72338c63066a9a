package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

func init() {
	Register(&Spec{
		Name: "validate_argument_spec",
		Args: []Arg{
			{Name: "argument_spec", Type: Dict, Required: true},
			{Name: "provided_arguments", Type: Dict},
			{Name: "validate_args_context", Type: Dict},
		},
		Controller: true,
		NoFiles:    true,
		Run:        runValidateArgumentSpec,
	})
}

// runValidateArgumentSpec validates the provided arguments, with the
// variables named in the spec, against an argument spec as Ansible's
// ArgumentSpecValidator does (the task a role with meta/argument_specs.yml
// starts with); every problem is listed in argument_errors.
func runValidateArgumentSpec(_ context.Context, c *Call) (*Result, error) {
	spec := c.Args.Dict("argument_spec")
	params := map[string]any{}
	for name := range spec {
		raw, ok := c.Var(name)
		if !ok {
			continue
		}
		v, err := c.Template(raw)
		if err != nil {
			return nil, err
		}
		params[name] = v
	}
	for k, v := range c.Args.Dict("provided_arguments") {
		params[k] = v
	}
	ctx := c.Args.Dict("validate_args_context")
	if ctx == nil {
		ctx = map[string]any{}
	}
	errs := validateArgSpec(spec, params)
	r := &Result{Values: map[string]any{"validate_args_context": ctx}}
	if len(errs) > 0 {
		r.Failed = true
		list := make([]any, len(errs))
		for i, e := range errs {
			list[i] = e
		}
		r.Values["msg"] = "Validation of arguments failed:\n" + strings.Join(errs, "\n")
		r.Values["argument_spec_data"] = spec
		r.Values["argument_errors"] = list
		return r, nil
	}
	r.Values["msg"] = "The arg spec validation passed"
	return r, nil
}

// specValidation gathers the errors of one validation.
type specValidation struct {
	errs        []string
	unsupported []string          // dotted paths of unsupported parameters
	supported   map[string]string // their level's supported names, aliases in parentheses
}

// validateArgSpec validates params against spec and returns the error
// messages in Ansible's words.
func validateArgSpec(spec, params map[string]any) []string {
	v := &specValidation{supported: map[string]string{}}
	v.level(spec, params, nil, true)
	if len(v.unsupported) > 0 {
		sort.Strings(v.unsupported)
		last := v.unsupported[len(v.unsupported)-1]
		v.errs = append(v.errs, fmt.Sprintf("%s. Supported parameters include: %s.",
			strings.Join(v.unsupported, ", "), v.supported[last]))
	}
	return v.errs
}

// level validates the parameters of one level of options: aliases,
// unsupported names, required ones, types, choices, defaults, then the
// sub-options of each option.
func (v *specValidation) level(spec, params map[string]any, context []string, top bool) {
	legal := v.aliases(spec, params)
	if top {
		v.subOptionStrings(spec, params)
	}
	v.unsupportedAt(spec, params, legal, context)
	setDefaults(spec, params, false)
	v.add(requiredMissing(spec, params, context))
	v.types(spec, params, context)
	v.values(spec, params, context)
	setDefaults(spec, params, true)
	for _, name := range pyfmt.SortedKeys(spec) {
		v.subSpec(name, optSpec(spec[name]), params, context)
	}
}

func (v *specValidation) add(msg string) {
	if msg != "" {
		v.errs = append(v.errs, msg)
	}
}

func optSpec(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

// aliases copies aliased values to their option and returns the legal
// parameter names.
func (v *specValidation) aliases(spec, params map[string]any) []string {
	legal := pyfmt.SortedKeys(spec)
	for _, name := range pyfmt.SortedKeys(spec) {
		o := optSpec(spec[name])
		if o["default"] != nil && isTrue(o["required"]) {
			v.errs = append(v.errs, "internal error: required and default are mutually exclusive for "+name)
		}
		for _, a := range stringsOf(o["aliases"]) {
			legal = append(legal, a)
			if val, ok := params[a]; ok {
				params[name] = val
			}
		}
	}
	return legal
}

// subOptionStrings reports sub-option values given as strings that are no
// dictionary, as Ansible's no_log scan does before validating.
func (v *specValidation) subOptionStrings(spec, params map[string]any) {
	for _, name := range pyfmt.SortedKeys(spec) {
		o := optSpec(spec[name])
		if o["options"] == nil || params[name] == nil || !isDictOption(o) {
			continue
		}
		for _, e := range listOrOne(params[name]) {
			if s, ok := e.(string); ok {
				if _, err := toDict(s); err != nil {
					v.errs = append(v.errs, err.Error())
				}
			}
		}
	}
}

func isDictOption(o map[string]any) bool {
	t, _ := o["type"].(string)
	el, _ := o["elements"].(string)
	return t == "dict" || (t == "list" && el == "dict")
}

func listOrOne(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func (v *specValidation) unsupportedAt(spec, params map[string]any, legal, context []string) {
	for _, k := range pyfmt.SortedKeys(params) {
		if containsStr(legal, k) {
			continue
		}
		path := strings.Join(append(append([]string{}, context...), k), ".")
		v.unsupported = append(v.unsupported, path)
		var names, aliases []string
		for _, n := range legal {
			if _, isOpt := spec[n]; isOpt {
				names = append(names, n)
			} else {
				aliases = append(aliases, n)
			}
		}
		sort.Strings(names)
		sort.Strings(aliases)
		v.supported[path] = strings.Join(names, ", ")
		if len(aliases) > 0 {
			v.supported[path] += " (" + strings.Join(aliases, ", ") + ")"
		}
	}
}

// setDefaults gives absent options their default; with all, absent options
// without a default become None.
func setDefaults(spec, params map[string]any, all bool) {
	for name, raw := range spec {
		d := optSpec(raw)["default"]
		if _, ok := params[name]; !ok && (d != nil || all) {
			params[name] = d
		}
	}
}

func foundIn(msg string, context []string) string {
	if len(context) == 0 {
		return msg
	}
	return msg + " found in " + strings.Join(context, " -> ")
}

func requiredMissing(spec, params map[string]any, context []string) string {
	var missing []string
	for name, raw := range spec {
		if isTrue(optSpec(raw)["required"]) {
			if _, ok := params[name]; !ok {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) == 0 {
		return ""
	}
	sort.Strings(missing)
	return foundIn("missing required arguments: "+strings.Join(missing, ", "), context)
}

// types converts each given option to its type, and its elements.
func (v *specValidation) types(spec, params map[string]any, context []string) {
	for _, name := range pyfmt.SortedKeys(spec) {
		val, ok := params[name]
		if !ok || val == nil {
			continue
		}
		o := optSpec(spec[name])
		wanted, _ := o["type"].(string)
		if wanted == "" {
			wanted = "str"
		}
		conv, err := checkType(wanted, val)
		if err != nil {
			msg := fmt.Sprintf("argument '%s' is of type %s", name, pyType(val))
			if len(context) > 0 {
				msg += fmt.Sprintf(" found in '%s'.", strings.Join(context, " -> "))
			}
			v.errs = append(v.errs, msg+fmt.Sprintf(" and we were unable to convert to %s: %v", wanted, err))
			continue
		}
		params[name] = conv
		if el, _ := o["elements"].(string); el != "" {
			params[name] = v.elements(name, el, wanted, conv, context)
		}
	}
}

func (v *specValidation) elements(name, el, wanted string, val any, context []string) any {
	list, ok := val.([]any)
	if wanted != "list" || !ok {
		msg := fmt.Sprintf("Invalid type %s for option '%s'", wanted, pyStr(val))
		if len(context) > 0 {
			msg += fmt.Sprintf(" found in '%s'.", strings.Join(context, " -> "))
		}
		v.errs = append(v.errs, msg+", elements value check is supported only with 'list' type")
		list = listOrOne(val)
	}
	out := make([]any, 0, len(list))
	for _, e := range list {
		conv, err := checkType(el, e)
		if err != nil {
			msg := fmt.Sprintf("Elements value for option '%s'", name)
			if len(context) > 0 {
				msg += fmt.Sprintf(" found in '%s'", strings.Join(context, " -> "))
			}
			v.errs = append(v.errs, msg+fmt.Sprintf(" is of type %s and we were unable to convert to %s: %v", pyType(e), el, err))
			continue
		}
		out = append(out, conv)
	}
	return out
}

// values checks choices.
func (v *specValidation) values(spec, params map[string]any, context []string) {
	for _, name := range pyfmt.SortedKeys(spec) {
		choices, ok := optSpec(spec[name])["choices"].([]any)
		val, given := params[name]
		if !ok || !given {
			continue
		}
		strs := make([]string, len(choices))
		for i, c := range choices {
			strs[i] = pyStr(c)
		}
		if list, isList := val.([]any); isList {
			var bad []string
			for _, e := range list {
				if !containsValue(choices, e) {
					bad = append(bad, pyStr(e))
				}
			}
			if len(bad) > 0 {
				v.errs = append(v.errs, foundIn(fmt.Sprintf("value of %s must be one or more of: %s. Got no match for: %s",
					name, strings.Join(strs, ", "), strings.Join(bad, ", ")), context))
			}
			continue
		}
		if !containsValue(choices, val) {
			v.errs = append(v.errs, foundIn(fmt.Sprintf("value of %s must be one of: %s, got: %s",
				name, strings.Join(strs, ", "), pyStr(val)), context))
		}
	}
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if x == v || pyStr(x) == pyStr(v) && fmt.Sprintf("%T", x) == fmt.Sprintf("%T", v) {
			return true
		}
	}
	return false
}

// subSpec validates the sub-options of a dict option (or list of dicts).
func (v *specValidation) subSpec(name string, o map[string]any, params map[string]any, context []string) {
	sub, _ := o["options"].(map[string]any)
	if !isDictOption(o) {
		return
	}
	if isTrue(o["apply_defaults"]) && sub != nil && params[name] == nil {
		params[name] = map[string]any{}
	}
	if sub == nil || params[name] == nil {
		return
	}
	ctx := append(append([]string{}, context...), name)
	for _, e := range listOrOne(params[name]) {
		m, ok := e.(map[string]any)
		if !ok {
			v.errs = append(v.errs, fmt.Sprintf("value of '%s' must be of type dict or list of dicts", name))
			continue
		}
		v.add(mutuallyExclusive(o["mutually_exclusive"], m, ctx))
		v.level(sub, m, ctx, false)
		v.add(requiredTogether(o["required_together"], m, ctx))
		v.add(requiredOneOf(o["required_one_of"], m, ctx))
		v.add(requiredIf(o["required_if"], m, ctx))
		v.add(requiredBy(o["required_by"], m, ctx))
	}
}

func termLists(v any) [][]string {
	var out [][]string
	for _, t := range listOrOne(v) {
		if t == nil {
			continue
		}
		out = append(out, stringsOf(t))
	}
	return out
}

func given(m map[string]any, k string) bool { _, ok := m[k]; return ok && m[k] != nil }

func countGiven(m map[string]any, terms []string) int {
	n := 0
	for _, t := range terms {
		if given(m, t) {
			n++
		}
	}
	return n
}

func mutuallyExclusive(spec any, m map[string]any, ctx []string) string {
	var all []string
	for _, t := range termLists(spec) {
		if countGiven(m, t) > 1 {
			all = append(all, strings.Join(t, "|"))
		}
	}
	if len(all) == 0 {
		return ""
	}
	return foundIn("parameters are mutually exclusive: "+strings.Join(all, ", "), ctx)
}

func requiredTogether(spec any, m map[string]any, ctx []string) string {
	for _, t := range termLists(spec) {
		if n := countGiven(m, t); n > 0 && n < len(t) {
			return foundIn("parameters are required together: "+strings.Join(t, ", "), ctx)
		}
	}
	return ""
}

func requiredOneOf(spec any, m map[string]any, ctx []string) string {
	for _, t := range termLists(spec) {
		if len(t) > 0 && countGiven(m, t) == 0 {
			return foundIn("one of the following is required: "+strings.Join(t, ", "), ctx)
		}
	}
	return ""
}

func requiredIf(spec any, m map[string]any, ctx []string) string {
	for _, r := range listOrOne(spec) {
		l, ok := r.([]any)
		if !ok || len(l) < 3 {
			continue
		}
		key, _ := l[0].(string)
		if pyStr(m[key]) != pyStr(l[1]) {
			continue
		}
		reqs := stringsOf(l[2])
		anyOf := len(l) > 3 && isTrue(l[3])
		var missing []string
		for _, k := range reqs {
			if !given(m, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 || (anyOf && len(missing) < len(reqs)) {
			continue
		}
		which := "all"
		if anyOf {
			which = "any"
		}
		return foundIn(fmt.Sprintf("%s is %s but %s of the following are missing: %s", key, pyStr(l[1]), which, strings.Join(missing, ", ")), ctx)
	}
	return ""
}

func requiredBy(spec any, m map[string]any, ctx []string) string {
	deps, _ := spec.(map[string]any)
	for _, key := range pyfmt.SortedKeys(deps) {
		if !given(m, key) {
			continue
		}
		var missing []string
		for _, k := range stringsOf(deps[key]) {
			if !given(m, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return foundIn(fmt.Sprintf("missing parameter(s) required by '%s': %s", key, strings.Join(missing, ", ")), ctx)
		}
	}
	return ""
}

func stringsOf(v any) []string {
	var out []string
	for _, e := range listOrOne(v) {
		if e != nil {
			out = append(out, pyStr(e))
		}
	}
	return out
}

func isTrue(v any) bool { b, err := ToBool(v); return err == nil && b }

func pyStr(v any) string { s, _ := ToStr(v); return s }

// checkType converts a value to one of Ansible's argument types, failing
// with the messages of its type checkers.
func checkType(wanted string, v any) (any, error) {
	switch wanted {
	case "str":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return pyStr(v), nil
	case "list":
		return ToList(v)
	case "dict":
		return toDict(v)
	case "bool":
		return checkBool(v)
	case "int":
		return checkInt(v)
	case "float":
		return checkFloat(v)
	case "path":
		s := pyStr(v)
		if strings.HasPrefix(s, "~") {
			if home, err := os.UserHomeDir(); err == nil {
				s = home + s[1:]
			}
		}
		return os.ExpandEnv(s), nil
	case "raw":
		return v, nil
	case "json", "jsonarg":
		return checkJSON(v)
	case "bytes", "bits":
		return checkHumanBytes(v, wanted == "bits")
	}
	return nil, fmt.Errorf("unknown type %s", wanted)
}

func checkBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string, int, float64:
		b, err := ToBool(x)
		if err != nil {
			return nil, fmt.Errorf("The value '%s' is not a valid boolean.  Valid booleans include: 0, 1, '0', 'false', 'yes', 'true', 't', 'n', 'no', 'y', '1', 'f', 'off', 'on'", pyStr(x))
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s cannot be converted to a bool", pyType(v))
}

func checkInt(v any) (any, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to an int", pyType(v))
}

func checkFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to a float", pyType(v))
}

func checkJSON(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case []any, map[string]any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return nil, fmt.Errorf("%s cannot be converted to a json string", pyType(v))
}

var humanSize = regexp.MustCompile(`^\s*(\d*\.?\d*)\s*([KMGTPEZY]?)([bB]?)\s*$`)

// checkHumanBytes reads a size such as 10M or 1Kb as a number of bytes
// (bits with isbits).
func checkHumanBytes(v any, isbits bool) (any, error) {
	what := "Byte"
	if isbits {
		what = "Bit"
	}
	fail := fmt.Errorf("%s cannot be converted to a %s value", pyType(v), what)
	switch x := v.(type) {
	case int:
		return x, nil
	case string:
		m := humanSize.FindStringSubmatch(x)
		if m == nil || m[1] == "" {
			return nil, fail
		}
		if unit := m[3]; unit != "" && unit != map[bool]string{false: "B", true: "b"}[isbits] {
			return nil, fail
		}
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return nil, fail
		}
		exp := strings.Index("KMGTPEZY", m[2]) + 1
		if m[2] == "" {
			exp = 0
		}
		return int(math.Round(n * math.Pow(1024, float64(exp)))), nil
	}
	return nil, fail
}
