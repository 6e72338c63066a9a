package expect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/redact"
)

// askerSteps answers testdata/asker.sh: a name, a hidden password, a
// confirmation.
func askerSteps(password, confirm string) []any {
	return []any{
		map[string]any{"name": "name", "expect": map[string]any{"re": `Name: $`, "send": "alice"}},
		map[string]any{"name": "password", "expect": []any{
			map[string]any{"re": `(?i)password:\s*$`, "send": password, "secret": true},
			map[string]any{"timeout": true, "fail": "no password prompt"},
		}},
		map[string]any{"name": "confirm", "expect": map[string]any{"re": `Confirm (\w+) \[y/N\]\? $`, "send": confirm}},
	}
}

func asker(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("testdata/asker.sh")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkAskerOutcome checks an asker run answered with password pw: the
// registered values hold it as it was typed, and the session's redactor
// red masks it in what is shown.
func checkAskerOutcome(t *testing.T, o *Outcome, pw string, red *redact.Redactor) {
	t.Helper()
	if o.Failed || o.RC != 0 || !o.RCKnown {
		t.Fatalf("failed: rc=%d msg=%s\n%s", o.RC, o.Msg, o.Result.Transcript())
	}
	if !strings.Contains(o.Stdout, "hello alice, your password has 11 characters") {
		t.Errorf("stdout %q", o.Stdout)
	}
	tr := o.Result.Transcript()
	if !strings.Contains(tr, "> "+pw) || !strings.Contains(tr, "> alice") {
		t.Errorf("registered transcript does not hold the password and the name as typed:\n%s", tr)
	}
	if shown := red.String(tr); !strings.Contains(shown, "> "+Mask) || strings.Contains(shown, pw) {
		t.Errorf("shown transcript does not mask the password:\n%s", shown)
	}
	for k, v := range o.Fields() {
		if strings.Contains(red.String(strings.ReplaceAll(strings.ReplaceAll(toText(v), "\r", ""), "\n", "")), pw) {
			t.Errorf("password shown in %s: %v", k, v)
		}
	}
	if m := o.Result.Matches[2]; m.StepName != "step 3 (confirm)" || m.Captures[0] != "alice" {
		t.Errorf("confirm match %+v", m)
	}
}

func toText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, "")
	case []any:
		var b strings.Builder
		for _, e := range v {
			b.WriteString(toText(e))
		}
		return b.String()
	case map[string]any:
		var b strings.Builder
		for _, e := range v {
			b.WriteString(toText(e))
		}
		return b.String()
	}
	return ""
}

func TestLocalPTYAsker(t *testing.T) {
	const pw = "Tr0ub4dor&3"
	spec, err := ParseArgs(map[string]any{"command": asker(t), "idle_timeout": 10, "steps": askerSteps(pw, "y")})
	if err != nil {
		t.Fatal(err)
	}
	red := redact.New()
	o, err := Execute(context.Background(), spec, LocalStarter, ExecOptions{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	checkAskerOutcome(t, o, pw, red)
}

// TestLocalPTYEchoedSecretIsMasked: with the terminal echoing, a secret
// typed to a program that does not hide it is in the registered output as
// the program printed it, and masked in the log and wherever it is shown.
func TestLocalPTYEchoedSecretIsMasked(t *testing.T) {
	const pw = "visible-secret-42"
	spec, err := ParseArgs(map[string]any{
		"command": `sh -c "printf 'Token: '; read t; echo got it"`,
		"echo":    true,
		"steps":   []any{map[string]any{"expect": map[string]any{"literal": "Token: ", "send": pw, "secret": true}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	red := redact.New()
	o, err := Execute(context.Background(), spec, LocalStarter, ExecOptions{Log: &log, Redactor: red})
	if err != nil || o.Failed {
		t.Fatalf("%v %+v", err, o)
	}
	shown := red.String(o.Stdout + o.Result.Transcript())
	if !strings.Contains(o.Stdout, "Token: "+pw) || !strings.Contains(shown, "Token: "+Mask) || strings.Contains(shown+log.String(), pw) {
		t.Errorf("stdout %q, shown %q, log %q", o.Stdout, shown, log.String())
	}
}

func TestLocalPTYFailures(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"timeout names the step", map[string]any{"command": asker(t), "idle_timeout": 0.2, "steps": []any{
			map[string]any{"name": "wrong prompt", "expect": map[string]any{"literal": "Username:"}},
		}}, `step 1 (wrong prompt) timed out (idle timeout 200ms) waiting for literal "Username:"; last output: "Name: "`},
		{"timeout alternative", map[string]any{"command": asker(t), "idle_timeout": 0.2, "steps": askerSteps("x", "y")[:1:1]}, ""},
		{"non-zero status", map[string]any{"command": asker(t), "steps": askerSteps("pw", "n")}, "non-zero return code"},
		{"failed_when_contains", map[string]any{"command": asker(t), "steps": askerSteps("pw", "y"), "failed_when_contains": "hello"}, `output contains "hello"`},
		{"not found", map[string]any{"command": "/no/such/program", "steps": askerSteps("pw", "y")}, "The command was not found or was not executable: /no/such/program."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := ParseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			o, err := Execute(context.Background(), spec, LocalStarter, ExecOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !o.Failed || !strings.Contains(o.Msg, "end of output") {
					t.Fatalf("got %+v, want a timeout at the end of the output", o)
				}
				return
			}
			if !o.Failed || o.Msg != tt.want {
				t.Fatalf("got failed=%v msg %q, want %q", o.Failed, o.Msg, tt.want)
			}
		})
	}
}

func TestLocalPTYCancel(t *testing.T) {
	l, err := StartLocal(LocalCommand{Argv: []string{"sleep", "60"}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(l, l, Options{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Run(ctx, &Program{Steps: []Step{step("sleep", Alternative{Kind: EOF})}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if err := l.Kill(); err != nil {
		t.Fatal(err)
	}
	if rc, err := l.Wait(context.Background()); rc != -1 || err != nil {
		t.Fatalf("after kill: %d %v", rc, err)
	}
}

func TestLocalPTYChdirAndSkips(t *testing.T) {
	dir := t.TempDir()
	exists := func(_ context.Context, p string) (bool, error) {
		_, err := os.Stat(p)
		return err == nil, nil
	}
	spec, _ := ParseArgs(map[string]any{"command": "pwd", "chdir": dir, "responses": map[string]any{}})
	o, err := Execute(context.Background(), spec, LocalStarter, ExecOptions{Exists: exists})
	if err != nil || o.Failed || o.Stdout != dir {
		t.Fatalf("%v %+v", err, o)
	}
	spec, _ = ParseArgs(map[string]any{"command": "pwd", "creates": dir, "responses": map[string]any{}})
	o, _ = Execute(context.Background(), spec, LocalStarter, ExecOptions{Exists: exists})
	if o.Changed || o.Stdout != "skipped, since "+dir+" exists" {
		t.Fatalf("creates: %+v", o)
	}
}
