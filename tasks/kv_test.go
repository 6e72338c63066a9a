package tasks

import (
	"reflect"
	"testing"
)

func TestParseKV(t *testing.T) {
	cases := []struct {
		in       string
		commands bool
		want     map[string]any
	}{
		{"echo hi creates=/tmp/x", true, map[string]any{"creates": "/tmp/x", RawParams: "echo hi"}},
		{`msg="hello world" var=x`, false, map[string]any{"msg": "hello world", "var": "x"}},
		{`path=/tmp/{{ x }} state=directory`, false, map[string]any{"path": "/tmp/{{ x }}", "state": "directory"}},
		{`echo "a b" 'c' x=1`, true, map[string]any{RawParams: `echo "a b" 'c' x=1`}},
		{`msg={{ a + b }} other=2`, false, map[string]any{"msg": "{{ a + b }}", "other": "2"}},
		{`line='a\nb'`, false, map[string]any{"line": "a\nb"}},
		{"echo one\necho two chdir=/tmp", true, map[string]any{"chdir": "/tmp", RawParams: "echo one\necho two"}},
		{"x=1", false, map[string]any{"x": "1"}},
		{"flush_handlers", false, map[string]any{RawParams: "flush_handlers"}},
		{`msg="a \"b\" c"`, false, map[string]any{"msg": `a "b" c`}},
		{`msg='x \'y\' z'`, false, map[string]any{"msg": "x 'y' z"}},
		{`v="q\"uote" w=it\'s`, false, map[string]any{"v": `q"uote`, "w": "it's"}},
		{`echo "a \"b\"" c\=d`, true, map[string]any{RawParams: `echo "a \"b\"" c=d`}},
	}
	for _, c := range cases {
		got, err := ParseKV(c.in, c.commands)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseKV(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
	if _, err := ParseKV(`msg="open`, false); err == nil {
		t.Error("unclosed quote: no error")
	}
}

func TestSuggest(t *testing.T) {
	cases := []struct{ name, want string }{
		{"comand", "command"}, {"shel", "shell"}, {"debgu", "debug"}, {"zzzzzz", ""}, {"command", ""},
	}
	for _, c := range cases {
		if got := suggestModule(c.name); got != c.want {
			t.Errorf("SuggestModule(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
