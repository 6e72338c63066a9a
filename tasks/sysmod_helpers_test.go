package tasks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

// Helpers of the system and network module tests: a Call on the local
// machine (or any connection), and guards for what a test needs.

// sysOpts shape a test call.
type sysOpts struct {
	check, diff bool
	conn        transport.Conn
	env         map[string]string
	files       string         // directory Find looks in
	vars        map[string]any // variables Var returns
}

// sysRun prepares args for module and runs it; the result is never nil.
func sysRun(t *testing.T, module string, args map[string]any, o sysOpts) *Result {
	t.Helper()
	s, ok := Lookup(module)
	if !ok {
		t.Fatalf("no module %s", module)
	}
	a, err := s.Prepare(args)
	if err != nil {
		t.Fatalf("%s %v: %v", module, args, err)
	}
	conn := o.conn
	if conn == nil {
		conn = local.New()
	}
	c := &Call{Module: module, Host: "testhost", Args: a, Conn: conn, Local: local.New(), Check: o.check, Diff: o.diff,
		Environment: o.env,
		Var: func(name string) (any, bool) {
			v, ok := o.vars[name]
			return v, ok
		},
		Find: func(kind, name string) (string, error) {
			if filepath.IsAbs(name) {
				return name, nil
			}
			p := filepath.Join(o.files, name)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("Could not find or access '%s'", name)
			}
			return p, nil
		}}
	r, err := s.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("%s %v: %v", module, args, err)
	}
	if r == nil {
		t.Fatalf("%s %v: nil result", module, args)
	}
	return r
}

// mustOK fails the test when r failed.
func mustOK(t *testing.T, r *Result, what string) {
	t.Helper()
	if r.Failed {
		t.Fatalf("%s failed: %s %v", what, r.Msg, r.Values)
	}
}

// wantChanged checks r's changed flag (and that it did not fail).
func wantChanged(t *testing.T, r *Result, want bool, what string) {
	t.Helper()
	mustOK(t, r, what)
	if r.Changed != want {
		t.Fatalf("%s: changed = %v, want %v (%s %v)", what, r.Changed, want, r.Msg, r.Values)
	}
}

// needRoot skips a test that changes the system unless it runs as root
// (CI runs the suite as root).
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root; CI runs tests as root")
		}
		t.Skip("needs root")
	}
}

// needPrograms skips (fails under CI) when a program is missing.
func needPrograms(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed (scripts/test-deps.sh installs it)", n)
			}
			t.Skipf("%s not installed", n)
		}
	}
}

// sh runs a shell command on the test machine and returns its output.
func sh(t *testing.T, cmd string) string {
	t.Helper()
	out, err := exec.Command("/bin/sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	return string(out)
}

// shOK runs a shell command and reports whether it succeeded.
func shOK(cmd string) bool { return exec.Command("/bin/sh", "-c", cmd).Run() == nil }
