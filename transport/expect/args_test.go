package expect

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseAnsibleForm(t *testing.T) {
	spec, err := ParseArgs(map[string]any{
		"command":   `passwd "alice smith"`,
		"responses": []Pair{{"(?i)password:", []any{"one", "two\n"}}, {"Retype", 42}},
		"timeout":   nil,
		"echo":      "yes",
		"chdir":     "/tmp",
	})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Form != "responses" || !spec.Echo || spec.Chdir != "/tmp" || strings.Join(spec.Argv, "|") != "passwd|alice smith" {
		t.Fatalf("spec %+v", spec)
	}
	st := spec.Program.Steps[0]
	if !st.Repeat || st.Timeout != 0 || len(st.Alternatives) != 3 {
		t.Fatalf("step %+v", st)
	}
	a := st.Alternatives[0]
	if a.Pattern != "(?s)(?i)password:" || !a.Successive || !a.Verbatim || strings.Join(a.Answers, "|") != "one|two" {
		t.Errorf("first response %+v", a)
	}
	if b := st.Alternatives[1]; b.Successive || b.Answers[0] != "42" {
		t.Errorf("second response %+v", b)
	}
	if st.Alternatives[2].Kind != EOF {
		t.Errorf("no EOF alternative")
	}
	spec, _ = ParseArgs(map[string]any{"command": "x", "responses": map[string]any{"b": "1", "a": "2"}})
	if spec.Program.Steps[0].Timeout != DefaultTimeout || spec.Program.Steps[0].Alternatives[0].Name != "a" {
		t.Errorf("defaults: %+v", spec.Program.Steps[0])
	}
}

func TestParseStepForm(t *testing.T) {
	spec, err := ParseArgs(map[string]any{
		"command":      "/usr/local/bin/installer",
		"timeout":      "120s",
		"idle_timeout": 30,
		"steps": []any{
			map[string]any{"name": "login", "expect": []any{
				map[string]any{"re": `(?i)password:\s*$`, "send": "pw", "secret": true},
				map[string]any{"literal": "Continue? [y/N]", "send": "y", "newline": false},
				map[string]any{"re": `\$ $`},
				map[string]any{"timeout": true, "fail": "no prompt after 30s"},
			}},
			map[string]any{"send": "exit"},
		},
		"failed_when_contains": []any{"ERROR"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := spec.Program
	if p.Timeout != 120*time.Second || p.IdleTimeout != 30*time.Second || spec.FailedWhenContains[0] != "ERROR" {
		t.Fatalf("program %+v", p)
	}
	alts := p.Steps[0].Alternatives
	if !alts[0].Secret || alts[0].Kind != Regexp || !alts[1].NoNewline || alts[2].Answers != nil || alts[3].Kind != Timeout || alts[3].Fail == "" {
		t.Errorf("alternatives %+v", alts)
	}
	if s := p.Steps[1]; s.Alternatives[0].Kind != Now || s.Alternatives[0].Answers[0] != "exit" {
		t.Errorf("send step %+v", s)
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args map[string]any
		path string
		want string
	}{
		{map[string]any{"command": "x", "respones": map[string]any{}}, "respones", `did you mean "responses"`},
		{map[string]any{"command": "x"}, "", "one of responses"},
		{map[string]any{"command": "x", "responses": map[string]any{}, "steps": []any{}}, "", "cannot be used together"},
		{map[string]any{"command": " ", "responses": map[string]any{}}, "command", "no command given"},
		{map[string]any{"command": "x", "responses": map[string]any{"(?=a)": "y"}}, "responses.(?=a)", "look-around"},
		{map[string]any{"command": "x", "responses": "nope"}, "responses", "expected a mapping"},
		{map[string]any{"command": "x", "responses": map[string]any{}, "timeout": "soon"}, "timeout", "expected seconds"},
		{map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "a", "sned": "x"}}}}}, "steps[0].expect[0].sned", `did you mean "send"`},
		{map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "a", "literal": "b"}}}}}, "steps[0].expect[0]", "exactly one of"},
		{map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"eof": false}}}}}, "steps[0].expect[0].eof", "can only be true"},
		{map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "("}}}}}, "steps[0].expect[0].re", "missing closing )"},
		{map[string]any{"steps": []any{"x"}}, "steps[0]", "expected a mapping"},
		{map[string]any{"steps": []any{}}, "steps", "non-empty list"},
		{map[string]any{"steps": []any{map[string]any{"expect": map[string]any{"re": "a"}, "send": "x"}}}, "steps[0]", "cannot be used together"},
		{map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "a", "secret": "maybe"}}}}}, "steps[0].expect[0].secret", "expected a boolean"},
		{map[string]any{"command": "x", "responses": map[string]any{}, "idle_timeout": 3}, "idle_timeout", "only allowed with steps"},
	}
	for _, tt := range tests {
		_, err := ParseArgs(tt.args)
		var ae *ArgError
		if !errors.As(err, &ae) {
			t.Errorf("ParseArgs(%v) = %v, want an ArgError", tt.args, err)
			continue
		}
		if FormatPath(ae.Path) != tt.path || !strings.Contains(ae.Msg, tt.want) {
			t.Errorf("ParseArgs(%v) = %q at %q, want %q at %q", tt.args, ae.Msg, FormatPath(ae.Path), tt.want, tt.path)
		}
	}
}
