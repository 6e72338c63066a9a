package tasks

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPrepare(t *testing.T) {
	cmd, _ := Lookup("ansible.builtin.command")
	args, err := cmd.Prepare(map[string]any{RawParams: "ls", "chdir": "/tmp", "strip_empty_ends": "no"})
	if err != nil {
		t.Fatal(err)
	}
	if args.Str("chdir") != "/tmp" || args.Bool("strip_empty_ends") || !args.Bool("stdin_add_newline") {
		t.Errorf("Prepare: %#v", args)
	}
	cases := []struct {
		module string
		args   map[string]any
		want   string // substring of the error
		arg    string
	}{
		{"command", map[string]any{"chdri": "/tmp"}, `unsupported argument "chdri" for module command (did you mean "chdir"?)`, "chdri"},
		{"debug", map[string]any{"msg": "a", "var": "b"}, "mutually exclusive: msg|var", "var"},
		{"assert", map[string]any{}, "missing required arguments: that", "that"},
		{"debug", map[string]any{"verbosity": "lots"}, "unable to convert to int", "verbosity"},
		{"debug", map[string]any{RawParams: "hello"}, "takes no free-form", ""},
		{"include_vars", map[string]any{"hash_behaviour": "mrege"}, `must be one of: replace, merge, got: mrege (did you mean "merge"?)`, "hash_behaviour"},
	}
	for _, c := range cases {
		s, ok := Lookup(c.module)
		if !ok {
			t.Fatalf("no module %s", c.module)
		}
		_, err := s.Prepare(c.args)
		var ae *ArgError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) || ae.Arg != c.arg {
			t.Errorf("%s %v: error %v (arg %v), want %q on %q", c.module, c.args, err, ae, c.want, c.arg)
		}
	}
}

func TestConvert(t *testing.T) {
	cases := []struct {
		in   any
		typ  Type
		want any
	}{
		{"yes", Bool, true}, {"Off", Bool, false}, {1, Bool, true}, {"12", Int, 12}, {12.0, Int, 12},
		{true, Str, "True"}, {1.5, Str, "1.5"}, {3, Str, "3"}, {"a,b", List, []any{"a", "b"}},
		{"x=1 y='a b'", Dict, map[string]any{"x": "1", "y": "a b"}}, {`{"a": 1}`, Dict, map[string]any{"a": float64(1)}},
		{[]any{"a", 1}, Str, "['a', 1]"},
	}
	for _, c := range cases {
		got, err := convert(c.in, c.typ)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Convert(%#v, %s) = %#v, %v; want %#v", c.in, c.typ, got, err, c.want)
		}
	}
	if _, err := convert("maybe", Bool); err == nil {
		t.Error("Convert(maybe, bool): no error")
	}
}

func TestLookupNames(t *testing.T) {
	for _, n := range []string{"command", "ansible.builtin.shell", "ansible.legacy.debug", "set_fact", "meta"} {
		if _, ok := Lookup(n); !ok {
			t.Errorf("Lookup(%q) failed", n)
		}
	}
	if _, ok := Lookup("ansible.builtin.nosuch"); ok {
		t.Error("Lookup found a missing module")
	}
}
