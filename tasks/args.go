package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/suggest"
)

// Args are a module's arguments after templating and conversion: every
// declared argument under its own name (never an alias), of its declared Type.
// Undeclared defaults are absent; a missing argument reads as the zero value.
type Args map[string]any

// Has reports whether name was given (or has a default) and is not null.
func (a Args) Has(name string) bool { return a[name] != nil }

// Str returns a string argument, "" when absent.
func (a Args) Str(name string) string {
	s, _ := ToStr(a[name])
	return s
}

// Bool returns a boolean argument, false when absent.
func (a Args) Bool(name string) bool {
	b, _ := ToBool(a[name])
	return b
}

// Int returns an integer argument, 0 when absent.
func (a Args) Int(name string) int {
	n, _ := ToInt(a[name])
	return n
}

// Float returns a number argument, 0 when absent.
func (a Args) Float(name string) float64 {
	f, _ := ToFloat(a[name])
	return f
}

// List returns a list argument, nil when absent.
func (a Args) List(name string) []any {
	l, _ := ToList(a[name])
	return l
}

// Strings returns a list argument with each element as a string.
func (a Args) Strings(name string) []string {
	var out []string
	for _, v := range a.List(name) {
		s, _ := ToStr(v)
		out = append(out, s)
	}
	return out
}

// Dict returns a mapping argument, nil when absent.
func (a Args) Dict(name string) map[string]any {
	d, _ := toDict(a[name])
	return d
}

// convertArg converts v to the type declared by a, with Ansible's message on
// failure.
func convertArg(module string, a *Arg, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	cv, err := convert(v, a.Type)
	if err != nil {
		return nil, &ArgError{Module: module, Arg: a.Name, Msg: fmt.Sprintf(
			"argument '%s' is of type %s and we were unable to convert to %s: %v", a.Name, pyType(v), a.Type, err)}
	}
	if a.Type == List && a.Elements != Raw {
		l := cv.([]any)
		for i, e := range l {
			if l[i], err = convert(e, a.Elements); err != nil {
				return nil, &ArgError{Module: module, Arg: a.Name, Msg: fmt.Sprintf(
					"elements of argument '%s' must be %s: %v", a.Name, a.Elements, err)}
			}
		}
	}
	if len(a.Choices) > 0 {
		return cv, checkChoice(module, a, cv)
	}
	return cv, nil
}

func checkChoice(module string, a *Arg, v any) error {
	vals := []any{v}
	if l, ok := v.([]any); ok {
		vals = l
	}
	for _, x := range vals {
		s, _ := ToStr(x)
		if a.Type == Bool {
			s = strings.ToLower(s)
		}
		if !slices.Contains(a.Choices, s) {
			return &ArgError{Module: module, Arg: a.Name, Msg: fmt.Sprintf(
				"value of %s must be one of: %s, got: %s", a.Name, strings.Join(a.Choices, ", "), s),
				Suggestion: suggest.Name(s, a.Choices)}
		}
	}
	return nil
}

// convert converts v to t with Ansible's rules.
func convert(v any, t Type) (any, error) {
	switch t {
	case Str, Path:
		return ToStr(v)
	case Bool:
		return ToBool(v)
	case Int:
		return ToInt(v)
	case Float:
		return ToFloat(v)
	case List:
		return ToList(v)
	case Dict:
		return toDict(v)
	}
	return v, nil
}

// pyType names v's type as Python would, for Ansible-like messages.
func pyType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'str'>"
	case bool:
		return "<class 'bool'>"
	case int, int64, uint64:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return fmt.Sprintf("%T", v)
}

// ToStr converts a scalar to a string as Python's str() would: True, 1, 1.5
// (nil is "").
func ToStr(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return pyfmt.Str(v), nil
}

// ToBool converts with Ansible's boolean rules.
func ToBool(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "y", "yes", "on", "1", "true", "t", "1.0":
			return true, nil
		case "n", "no", "off", "0", "false", "f", "0.0", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("the value %s is not a valid boolean. Valid booleans include: 'yes', 'on', '1', 'true', 'no', 'off', '0', 'false'", PyRepr(v))
}

// ToInt converts integers, integral floats and numeric strings.
func ToInt(v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case uint64:
		return int(x), nil
	case float64:
		if x == math.Trunc(x) {
			return int(x), nil
		}
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s cannot be converted to an int", PyRepr(v))
}

// ToFloat converts numbers and numeric strings.
func ToFloat(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%s cannot be converted to a float", PyRepr(v))
}

// ToList converts a list, a comma-separated string or a scalar (a list of
// one).
func ToList(v any) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case string:
		if x == "" {
			return []any{}, nil
		}
		var out []any
		for _, p := range strings.Split(x, ",") {
			out = append(out, p)
		}
		return out, nil
	case int, int64, float64, bool:
		s, _ := ToStr(x)
		return []any{s}, nil
	}
	return nil, fmt.Errorf("%s cannot be converted to a list", pyType(v))
}

// toDict converts a mapping, a JSON object string or a "k=v k2=v2" string.
func toDict(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "{") {
			var m map[string]any
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return nil, fmt.Errorf("unable to parse %q as JSON: %v", s, err)
			}
			return m, nil
		}
		kv, err := ParseKV(s, false)
		if err != nil {
			return nil, err
		}
		if _, bad := kv[RawParams]; bad {
			return nil, fmt.Errorf("dictionary requested, could not parse JSON or key=value")
		}
		return kv, nil
	}
	return nil, fmt.Errorf("%s cannot be converted to a dict", pyType(v))
}
