package ansiblecfg

import (
	"reflect"
	"testing"
)

func TestConvert(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "X": "/x", "EMPTY": ""}
	r := &resolver{cwd: "/cwd", home: "/home/u", lookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	tests := []struct {
		name string
		typ  Type
		raw  any
		want any
		err  string
	}{
		{"bool yes", Bool, " YES ", true, ""},
		{"bool t", Bool, "t", true, ""},
		{"bool 1", Bool, "1", true, ""},
		{"bool anything else is false", Bool, "maybe", false, ""},
		{"bool empty", Bool, "", false, ""},
		{"int", Int, " 12 ", 12, ""},
		{"int sign and underscores", Int, "-1_000", -1000, ""},
		{"int leading zeros", Int, "007", 7, ""},
		{"int word", Int, "abc", nil, "expected an integer"},
		{"int float", Int, "5.0", nil, "expected an integer"},
		{"int double sign", Int, "--5", nil, "expected an integer"},
		{"int empty", Int, "", nil, "expected an integer"},
		{"float", Float, "0.5", 0.5, ""},
		{"float exponent", Float, "1e3", 1000.0, ""},
		{"float hex is refused", Float, "0x10", nil, "expected a number"},
		{"float word", Float, "fast", nil, "expected a number"},
		{"string unquoted", String, `"bob"`, "bob", ""},
		{"string half quoted", String, `"bob`, `"bob`, ""},
		{"string escaped close", String, `"bob\"`, `"bob\"`, ""},
		{"list", List, ` a, 'b' ,"c"`, []string{"a", "b", "c"}, ""},
		{"list default kept", List, []string{" a "}, []string{" a "}, ""},
		{"path relative", Path, "x/../y", "/base/y", ""},
		{"path home", Path, "~/k", "/home/u/k", ""},
		{"path bare home", Path, "~", "/home/u", ""},
		{"path vars", Path, "$X/a:${X}/b:$NOPE/c", "/x/a:/x/b:$NOPE/c", ""},
		{"path CWD", Path, "{{CWD}}/a", "/cwd/a", ""},
		{"path unknown user stays", Path, "~nosuchuser9/a", "/base/~nosuchuser9/a", ""},
		{"pathspec", PathSpec, "roles:~/r:/abs", []string{"/base/roles", "/home/u/r", "/abs"}, ""},
		{"pathspec empty", PathSpec, "", []string{"/base"}, ""},
		{"pathlist", PathList, " a , /b ", []string{"/base/a", "/b"}, ""},
		{"pathlist default", PathList, []string{"/etc/ansible/hosts"}, []string{"/etc/ansible/hosts"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.convert(tt.typ, tt.raw, "/base")
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}
