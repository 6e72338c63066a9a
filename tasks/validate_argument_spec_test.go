package tasks

import (
	"reflect"
	"testing"
)

// The messages are Ansible 2.14's ArgumentSpecValidator's (the role
// argument validation of its roles_arg_spec integration target).
func TestValidateArgSpec(t *testing.T) {
	spec := map[string]any{
		"flag":  map[string]any{"type": "bool"},
		"size":  map[string]any{"type": "bytes"},
		"bits":  map[string]any{"type": "bits"},
		"data":  map[string]any{"type": "json"},
		"names": map[string]any{"type": "list", "elements": "str", "choices": []any{"a", "b"}},
		"multi": map[string]any{"type": "dict", "options": map[string]any{
			"second": map[string]any{"type": "dict", "options": map[string]any{"third": map[string]any{"type": "int", "required": true}}}}},
		"both": map[string]any{"type": "dict", "mutually_exclusive": []any{[]any{"x", "y"}},
			"options": map[string]any{"x": map[string]any{}, "y": map[string]any{}}},
	}
	cases := []struct {
		name   string
		params map[string]any
		want   []string
	}{
		{"valid", map[string]any{"flag": "yes", "size": "2K", "bits": "1Mb", "data": []any{1}, "names": "a,b"}, nil},
		{"bad bool", map[string]any{"flag": "maybe"}, []string{"argument 'flag' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: 0, 1, '0', 'false', 'yes', 'true', 't', 'n', 'no', 'y', '1', 'f', 'off', 'on'"}},
		{"bad sizes", map[string]any{"size": "lots", "bits": 1.5}, []string{
			"argument 'bits' is of type <class 'float'> and we were unable to convert to bits: <class 'float'> cannot be converted to a Bit value",
			"argument 'size' is of type <class 'str'> and we were unable to convert to bytes: <class 'str'> cannot be converted to a Byte value"}},
		{"list choices", map[string]any{"names": []any{"a", "c"}}, []string{"value of names must be one or more of: a, b. Got no match for: c"}},
		{"nested", map[string]any{"multi": map[string]any{"second": map[string]any{"fourth": 1}}}, []string{
			"missing required arguments: third found in multi -> second",
			"multi.second.fourth. Supported parameters include: third."}},
		{"nested not a dict", map[string]any{"multi": "nope"}, []string{
			"dictionary requested, could not parse JSON or key=value",
			"argument 'multi' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value",
			"value of 'multi' must be of type dict or list of dicts"}},
		{"mutually exclusive", map[string]any{"both": map[string]any{"x": 1, "y": 2}}, []string{"parameters are mutually exclusive: x|y found in both"}},
		{"unsupported", map[string]any{"nope": 1}, []string{"nope. Supported parameters include: bits, both, data, flag, multi, names, size."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := validateArgSpec(spec, c.params); !reflect.DeepEqual(got, c.want) {
				t.Errorf("errors:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}
