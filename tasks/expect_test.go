package tasks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/expect"
	"github.com/drover/drover/transport/local"
)

// askerPath is the asking program shared with the playbook tests: it asks
// for a name, a password (with the terminal's echo off) and a confirmation.
func askerPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../playbooks/testdata/expect/asker.sh")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hiddenLocal is the local connection under another type, so that the
// module drives it as any remote host: through the connection's own
// pseudo-terminal (expect.ConnStarter), not a go-expect console.
type hiddenLocal struct{ transport.Conn }

// noStat is a connection without file operations, as telnet is.
type noStat struct{ transport.Conn }

func (noStat) Stat(context.Context, string) (transport.FileInfo, error) {
	return transport.FileInfo{}, transport.ErrNotSupported
}

// expectCall prepares a call of the expect module over conn.
func expectCall(t *testing.T, conn transport.Conn, args map[string]any) *Call {
	t.Helper()
	spec, ok := Lookup("expect")
	if !ok {
		t.Fatal("expect is not registered")
	}
	a, err := spec.Prepare(args)
	if err != nil {
		t.Fatal(err)
	}
	return &Call{Module: "expect", ModuleAs: "expect", Task: "test", Host: "h", Args: a, Conn: conn, Local: local.New(),
		Var: func(string) (any, bool) { return nil, false }, Redactor: redact.New()}
}

func runExpectCall(t *testing.T, c *Call) map[string]any {
	t.Helper()
	res, err := runExpect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return res.Registered()
}

func askerSteps(pw string, secret bool) []any {
	return []any{
		map[string]any{"name": "name", "expect": []any{map[string]any{"re": `Name: $`, "send": "alice"}}},
		map[string]any{"name": "password", "expect": []any{map[string]any{"re": `(?i)password:\s*$`, "send": pw, "secret": secret}}},
		map[string]any{"name": "confirm", "expect": []any{map[string]any{"re": `Confirm (\w+) \[y/N\]\? $`, "send": "y"}}},
	}
}

func TestExpectRegisteredUnderBothNames(t *testing.T) {
	a, ok1 := Lookup("expect")
	b, ok2 := Lookup("ansible.builtin.expect")
	if !ok1 || !ok2 || a != b || a.Validate == nil || !a.NoFiles || a.Controller {
		t.Fatalf("expect: %v %v %+v", ok1, ok2, a)
	}
}

// TestExpectValidate checks the load-time validation: real errors name the
// argument and the path inside it; values still to be templated are left
// for run time.
func TestExpectValidate(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		arg  string
		path []any
		msg  string
	}{
		{name: "ansible form", args: map[string]any{"command": "passwd", "responses": map[string]any{"(?i)password": "x"}, "timeout": 10}},
		{name: "step form", args: map[string]any{"steps": askerSteps("pw", true), "idle_timeout": "30s", "timeout": "2m"}},
		{name: "misspelled key", args: map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "x", "snd": "y"}}}}},
			arg: "steps", path: []any{0, "expect", 0, "snd"}, msg: `expect: argument steps[0].expect[0].snd: unknown key "snd" (did you mean "send"?)`},
		{name: "bad regexp", args: map[string]any{"command": "x", "responses": map[string]any{"(?<=a)b": "y"}},
			arg: "responses", path: []any{"(?<=a)b"}, msg: "not a regular expression Go can use"},
		{name: "bad timeout", args: map[string]any{"command": "x", "responses": map[string]any{}, "timeout": "soon"},
			arg: "timeout", path: []any{}, msg: `expected seconds or a duration such as 90s or 2m, got "soon"`},
		{name: "both forms", args: map[string]any{"command": "x", "responses": map[string]any{}, "steps": []any{}},
			msg: "expect: responses and steps cannot be used together"},
		{name: "neither form", args: map[string]any{"command": "x"}, msg: "one of responses (Ansible's form) or steps is required"},
		{name: "two kinds in an alternative", args: map[string]any{"steps": []any{map[string]any{"expect": map[string]any{"re": "a", "literal": "b"}}}},
			arg: "steps", path: []any{0, "expect", 0}, msg: "expected exactly one of re, literal, eof or timeout, found 2"},
		{name: "templated timeout", args: map[string]any{"command": "x", "responses": map[string]any{}, "timeout": "{{ t }}"}},
		{name: "templated pattern", args: map[string]any{"steps": []any{map[string]any{"expect": []any{map[string]any{"re": "{{ p }}", "send": "{{ a }}"}}}}}},
		{name: "templated steps", args: map[string]any{"steps": "{{ my_steps }}"}},
		{name: "templated alternatives", args: map[string]any{"steps": []any{map[string]any{"expect": "{{ alts }}"}}}},
		{name: "templated response key", args: map[string]any{"command": "x", "responses": map[string]any{"{{ q }}(": "a"}}},
		{name: "templated eof flag", args: map[string]any{"steps": []any{map[string]any{"expect": map[string]any{"eof": "{{ e }}"}}}}},
		{name: "unknown value type", args: map[string]any{"command": struct{ V string }{"x"}, "responses": map[string]any{}}},
		{name: "error beside a template", args: map[string]any{"command": "{{ c }}", "steps": []any{map[string]any{"expect": map[string]any{"re": "(", "send": "{{ a }}"}}}},
			arg: "steps", path: []any{0, "expect", 0, "re"}, msg: "missing closing )"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateExpect(tt.args)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want an *ArgError", err)
			}
			if !strings.Contains(ae.Error(), tt.msg) || ae.Arg != tt.arg || (tt.path != nil && !reflect.DeepEqual(ae.Path, tt.path)) {
				t.Errorf("got arg %q path %v %q, want arg %q path %v %q", ae.Arg, ae.Path, ae.Error(), tt.arg, tt.path, tt.msg)
			}
		})
	}
}

// TestExpectModule runs the module over the local connection (a go-expect
// console) and over the same machine seen as a remote host (the
// connection's pseudo-terminal): results, masking, environment, creates,
// check mode and argument errors are the same.
func TestExpectModule(t *testing.T) {
	asker := askerPath(t)
	dir := t.TempDir()
	const pw, hostPw = "Tr0ub4dor&3", "h0st-Passw0rd"
	tests := []struct {
		name  string
		args  map[string]any
		setup func(c *Call)
		check func(t *testing.T, r map[string]any, c *Call)
	}{
		{"secret answer", map[string]any{"command": asker, "idle_timeout": 20, "steps": askerSteps(pw, true)}, nil,
			func(t *testing.T, r map[string]any, c *Call) {
				tr, _ := r["transcript"].(string)
				if r["rc"] != 0 || r["failed"] != false || r["changed"] != true || !strings.Contains(tr, "> "+pw) ||
					!strings.Contains(c.Redactor.String(tr), "> "+expect.Mask) {
					t.Errorf("result %v", r)
				}
				if !strings.HasSuffix(r["stdout"].(string), "hello alice, your password has 11 characters") {
					t.Errorf("stdout %q", r["stdout"])
				}
				ms, _ := r["matches"].([]any)
				if len(ms) != 4 || !reflect.DeepEqual(ms[2].(map[string]any)["captures"], []any{"alice"}) {
					t.Errorf("matches %v", r["matches"])
				}
				if got := c.Redactor.String("x " + pw); got != "x "+expect.Mask {
					t.Errorf("the run's redactor did not learn the secret answer: %q", got)
				}
			}},
		{"no_log registers answers as typed, masks them when shown", map[string]any{"command": asker, "echo": true,
			"responses": map[string]any{"Name:": "zacharias", "(?i)password:": "pw-nolog", "Confirm": "y"}},
			func(c *Call) { c.NoLog = true },
			func(t *testing.T, r map[string]any, c *Call) {
				out, _ := r["stdout"].(string)
				shown := c.Redactor.String(out)
				if r["rc"] != 0 || !strings.Contains(out, "Name: zacharias") || strings.Contains(shown, "zacharias") || !strings.Contains(shown, "Name: "+expect.Mask) {
					t.Errorf("result %v, shown %q", r, shown)
				}
			}},
		{"host password masked", map[string]any{"command": asker, "idle_timeout": 20, "echo": true, "steps": askerSteps(hostPw, false)},
			func(c *Call) {
				c.Var = func(n string) (any, bool) { return hostPw, n == "ansible_password" }
			},
			func(t *testing.T, r map[string]any, c *Call) {
				tr, _ := r["transcript"].(string)
				shown := c.Redactor.String(tr + r["stdout"].(string))
				if r["rc"] != 0 || strings.Contains(shown, hostPw) || !strings.Contains(shown, "> "+expect.Mask) || !strings.Contains(tr, "> "+hostPw) {
					t.Errorf("result %v", r)
				}
				if strings.Contains(c.Redactor.String(hostPw), hostPw) {
					t.Error("the run's redactor does not mask the host's password")
				}
			}},
		{"environment and chdir", map[string]any{"command": `sh -c "echo v=$EXPECT_VAR in $(pwd)"`, "chdir": dir, "responses": map[string]any{}},
			func(c *Call) { c.Environment = map[string]string{"EXPECT_VAR": "from-task"} },
			func(t *testing.T, r map[string]any, _ *Call) {
				if r["stdout"] != "v=from-task in "+dir || r["rc"] != 0 {
					t.Errorf("result %v", r)
				}
			}},
		{"creates", map[string]any{"command": asker, "creates": dir, "responses": map[string]any{}}, nil,
			func(t *testing.T, r map[string]any, _ *Call) {
				if r["stdout"] != "skipped, since "+dir+" exists" || r["changed"] != false || r["rc"] != 0 {
					t.Errorf("result %v", r)
				}
			}},
		{"removes", map[string]any{"command": "true", "removes": dir + "/absent", "steps": []any{map[string]any{"expect": map[string]any{"eof": true}}}}, nil,
			func(t *testing.T, r map[string]any, _ *Call) {
				if r["stdout"] != "skipped, since "+dir+"/absent does not exist" || r["changed"] != false {
					t.Errorf("result %v", r)
				}
			}},
		{"check mode", map[string]any{"command": asker, "responses": map[string]any{}},
			func(c *Call) { c.Check, c.ModuleAs = true, "ansible.builtin.expect" },
			func(t *testing.T, r map[string]any, _ *Call) {
				want := map[string]any{"changed": false, "failed": false, "skipped": true, "msg": "remote module (ansible.builtin.expect) does not support check mode"}
				if !reflect.DeepEqual(r, want) {
					t.Errorf("result %v", r)
				}
			}},
		{"argument error at run time", map[string]any{"command": asker, "steps": []any{map[string]any{"expect": map[string]any{"re": "x"}, "timeout": "later"}}}, nil,
			func(t *testing.T, r map[string]any, _ *Call) {
				if r["failed"] != true || r["msg"] != `expect: argument steps[0].timeout: expected seconds or a duration such as 90s or 2m, got "later"` {
					t.Errorf("result %v", r)
				}
			}},
		{"answers used up: msg alone, as Ansible", map[string]any{"command": asker, "responses": map[string]any{"(Name|Password): ": []any{"x"}}}, nil,
			func(t *testing.T, r map[string]any, _ *Call) {
				want := map[string]any{"changed": false, "failed": true, "msg": `No remaining responses for '(Name|Password): ', output was 'b'Password: ''`}
				if !reflect.DeepEqual(r, want) {
					t.Errorf("result %v", r)
				}
			}},
		{"timeout names the step", map[string]any{"command": asker, "idle_timeout": 0.3, "steps": []any{
			map[string]any{"name": "name", "expect": map[string]any{"re": "Name: $", "send": "al"}},
			map[string]any{"name": "passphrase", "expect": map[string]any{"literal": "Passphrase:"}}}}, nil,
			func(t *testing.T, r map[string]any, _ *Call) {
				msg, _ := r["msg"].(string)
				if r["failed"] != true || !strings.HasPrefix(msg, `step 2 (passphrase) timed out (idle timeout 300ms) waiting for literal "Passphrase:"`) {
					t.Errorf("result %v", r)
				}
			}},
	}
	conns := map[string]transport.Conn{"local console": local.New(), "connection pty": hiddenLocal{local.New()}, "no file operations": noStat{local.New()}}
	for cname, conn := range conns {
		for _, tt := range tests {
			t.Run(cname+"/"+tt.name, func(t *testing.T) {
				c := expectCall(t, conn, tt.args)
				if tt.setup != nil {
					tt.setup(c)
				}
				tt.check(t, runExpectCall(t, c), c)
			})
		}
	}
}

// TestExpectModuleSSH drives the asking program on a real sshd host, over
// an SSH session with a pseudo-terminal on the host, with the task's
// environment and a ~ path.
func TestExpectModuleSSH(t *testing.T) {
	if why := testlab.PTYProblem(); why != "" {
		t.Skip(why)
	}
	conn, h := labConn(t)
	data, err := os.ReadFile(askerPath(t))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(h.Dir, "asker.sh")
	if err := os.WriteFile(script, data, 0o755); err != nil {
		t.Fatal(err)
	}
	const pw = "ssh-Secret-9"
	c := expectCall(t, conn, map[string]any{"command": script, "idle_timeout": 20, "steps": askerSteps(pw, true)})
	r := runExpectCall(t, c)
	tr, _ := r["transcript"].(string)
	if shown := c.Redactor.String(tr); r["rc"] != 0 || !strings.HasSuffix(r["stdout"].(string), "your password has 12 characters") ||
		!strings.Contains(tr, "> "+pw) || strings.Contains(shown, pw) || !strings.Contains(shown, "> "+expect.Mask) {
		t.Fatalf("result %v", r)
	}
	c = expectCall(t, conn, map[string]any{"command": `sh -c "echo $EXPECT_VAR in $(pwd)"`, "chdir": "~", "responses": map[string]any{}})
	c.Environment = map[string]string{"EXPECT_VAR": "ssh-env"}
	r = runExpectCall(t, c)
	if out, _ := r["stdout"].(string); r["rc"] != 0 || !strings.HasPrefix(out, "ssh-env in /") {
		t.Fatalf("result %v", r)
	}
}
