package tasks

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/transport/local"
)

// runModule prepares args for module and runs it on the local machine.
func runModule(t *testing.T, module string, args map[string]any, check bool) map[string]any {
	t.Helper()
	s, ok := Lookup(module)
	if !ok {
		t.Fatalf("no module %s", module)
	}
	a, err := s.Prepare(args)
	if err != nil {
		t.Fatalf("%s: %v", module, err)
	}
	c := &Call{Module: module, Host: "localhost", Args: a, Conn: local.New(), Local: local.New(), Check: check}
	r, err := s.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("%s: %v", module, err)
	}
	return r.Registered()
}

func TestCommandShellRaw(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		module string
		args   map[string]any
		check  bool
		want   map[string]any // keys compared
	}{
		{"argv from free form", "command", map[string]any{RawParams: `printf '%s\n' "a b" c`},
			false, map[string]any{"rc": 0, "stdout": "a b\nc", "stdout_lines": []any{"a b", "c"}, "changed": true, "failed": false, "msg": "",
				"cmd": []any{"printf", `%s\n`, "a b", "c"}}},
		{"no shell for command", "command", map[string]any{RawParams: "echo a | wc; *"},
			false, map[string]any{"stdout": "a | wc; *"}},
		{"non-zero", "shell", map[string]any{RawParams: "echo out; echo err >&2; exit 3"},
			false, map[string]any{"rc": 3, "stdout": "out", "stderr": "err", "failed": true, "msg": "non-zero return code", "cmd": "echo out; echo err >&2; exit 3"}},
		{"chdir", "shell", map[string]any{RawParams: "pwd", "chdir": dir}, false, map[string]any{"stdout": dir}},
		{"stdin", "command", map[string]any{"argv": []any{"cat"}, "stdin": "data"}, false, map[string]any{"stdout": "data"}},
		{"strip off", "command", map[string]any{"cmd": "echo x", "strip_empty_ends": false}, false, map[string]any{"stdout": "x\n"}},
		{"creates exists", "command", map[string]any{RawParams: "false", "creates": marker},
			false, map[string]any{"changed": false, "rc": 0, "msg": "Did not run command since '" + marker + "' exists", "stdout": "skipped, since " + marker + " exists"}},
		{"creates glob", "command", map[string]any{RawParams: "false", "creates": filepath.Join(dir, "mark*")},
			false, map[string]any{"changed": false, "rc": 0}},
		{"removes missing", "shell", map[string]any{RawParams: "false", "removes": marker + ".no"},
			false, map[string]any{"changed": false, "rc": 0}},
		{"check skips", "command", map[string]any{RawParams: "touch " + marker + ".check"},
			true, map[string]any{"skipped": true, "changed": false, "msg": "Command would have run if not in check mode"}},
		{"check with creates", "command", map[string]any{RawParams: "true", "creates": marker + ".no"},
			true, map[string]any{"changed": true, "rc": 0}},
		{"raw", "raw", map[string]any{RawParams: "echo raw; exit 1"},
			false, map[string]any{"changed": true, "rc": 1, "stdout": "raw\n", "failed": true}},
		{"debug msg", "debug", map[string]any{"msg": []any{"a"}}, false, map[string]any{"msg": []any{"a"}, "changed": false}},
		{"fail", "fail", map[string]any{}, false, map[string]any{"failed": true, "msg": "Failed as requested from task"}},
		{"ping", "ping", map[string]any{}, false, map[string]any{"ping": "pong", "changed": false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runModule(t, c.module, c.args, c.check)
			for k, v := range c.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v (result %v)", k, got[k], v, got)
				}
			}
		})
	}
	if _, err := os.Stat(marker + ".check"); err == nil {
		t.Error("check mode ran the command")
	}
}

// TestIdentityProbe checks that the first command on a connection primes
// the identity the file modules need, with the command's output untouched.
func TestIdentityProbe(t *testing.T) {
	conn := local.New()
	s, _ := Lookup("command")
	args, err := s.Prepare(map[string]any{RawParams: "printf 'a\\nb\\n'"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(context.Background(), &Call{Module: "command", Args: args, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Registered()["stdout"]; got != "a\nb" {
		t.Errorf("stdout %q, want %q", got, "a\nb")
	}
	h := idsFor(conn)
	primed := true
	h.identOnce.Do(func() { primed = false })
	if !primed || h.ident.UID != os.Getuid() || h.ident.GID != os.Getgid() {
		t.Errorf("identity not primed: %+v (primed %v)", h.ident, primed)
	}
	home, _ := os.UserHomeDir()
	if h.ident.Home != home {
		t.Errorf("home %q, want %q", h.ident.Home, home)
	}
	// A second command runs unwrapped; a failing chdir leaves no prologue.
	args, _ = s.Prepare(map[string]any{RawParams: "pwd", "chdir": "/nonexistent-drover"})
	r, _ = s.Run(context.Background(), &Call{Module: "command", Args: args, Conn: local.New()})
	if reg := r.Registered(); reg["rc"] == 0 || strings.Contains(reg["stdout"].(string), identityMarker) {
		t.Errorf("failing chdir: %v", reg)
	}
}

// TestCommandExpandsArguments checks command's $VAR, ${VAR} and ~ expansion
// against Python's os.path.expanduser(os.path.expandvars(arg)) with the
// same environment.
func TestCommandExpandsArguments(t *testing.T) {
	args := []string{"$XV", "${XV}", "pre$XV-post", "$UNSET_XV", "${UNSET_XV}", "~", "~/sub", "a~", "$1", "${a b}", "it's $XV", "$XV$XV", `back\slash`}
	t.Setenv("XV", "va'l ue")
	home, _ := os.UserHomeDir()
	want := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(strings.ReplaceAll(a, "${XV}", "va'l ue"), "$XV", "va'l ue")
		if a == "~" || strings.HasPrefix(a, "~/") {
			a = home + a[1:]
		}
		want[i] = a
	}
	argv := append([]string{"printf", `%s\n`}, args...)
	r := runModule(t, "command", map[string]any{"argv": argv}, false)
	if got := strings.Split(r["stdout"].(string), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("expanded arguments:\n got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(r["cmd"], stringsToAny(argv)) {
		t.Errorf("cmd = %v, want the arguments as written", r["cmd"])
	}
}
