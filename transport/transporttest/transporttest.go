// Package transporttest is the conformance suite every transport.Conn
// implementation runs: the same cases against local, SSH and any later
// transport, so they behave alike.
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"path"
	"testing"
	"time"

	"github.com/drover/drover/transport"
)

// Factory returns a connection to test and a scratch directory on its host
// that the test may fill. The factory closes what it opens with t.Cleanup.
type Factory func(t *testing.T) (conn transport.Conn, dir string)

// Run runs every conformance case as a subtest of t.
func Run(t *testing.T, open Factory) { RunSkipping(t, open, nil) }

// RunSkipping runs the cases but skips those named in skip (case name to
// the reason), for a host that cannot do something at all, such as an
// unprivileged sshd that cannot allocate terminals.
func RunSkipping(t *testing.T, open Factory, skip map[string]string) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"ArgvAndShell", testArgvAndShell},
		{"NastyArgs", testNastyArgs},
		{"Env", testEnv},
		{"Dir", testDir},
		{"Stdin", testStdin},
		{"StdoutStderr", testStdoutStderr},
		{"ExitCodes", testExitCodes},
		{"Signal", testSignal},
		{"Cancel", testCancel},
		{"PTY", testPTY},
		{"ConcurrentRuns", testConcurrentRuns},
		{"PutGet", testPutGet},
		{"PutAtomic", testPutAtomic},
		{"PutCancel", testPutCancel},
		{"PutPrivate", testPutPrivate},
		{"LargeFile", testLargeFile},
		{"Checksum", testChecksum},
		{"Mkdir", testMkdir},
		{"ChmodChownChtimes", testAttrs},
		{"Links", testLinks},
		{"RenameRemove", testRenameRemove},
		{"ReadDir", testReadDir},
		{"NotExist", testNotExist},
		{"Dial", testDial},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if why, ok := skip[c.name]; ok {
				t.Skip(why)
			}
			conn, dir := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), caseLimit)
			defer cancel()
			h := &harness{t: t, c: conn, ctx: ctx}
			h.dir = path.Join(dir, "tt-"+c.name)
			h.mkdir(h.dir)
			c.fn(t, h)
		})
	}
}

// caseLimit bounds a case's operations: a server that stops answering
// fails the case with what the transport reports instead of hanging the
// package until go test's timeout.
const caseLimit = 3 * time.Minute

// harness bundles what a case needs and fails the test on setup errors.
type harness struct {
	t   *testing.T
	c   transport.Conn
	ctx context.Context
	dir string
}

func (h *harness) path(name string) string { return path.Join(h.dir, name) }

func (h *harness) mkdir(p string) {
	h.t.Helper()
	_ = h.c.Remove(h.ctx, p)
	if _, err := h.c.Stat(h.ctx, p); err == nil {
		h.run(transport.Command{Argv: []string{"rm", "-rf", p}})
	}
	err := h.c.Mkdir(h.ctx, p, 0o755)
	if errors.Is(err, transport.ErrNotSupported) {
		// A transport without file operations (telnet) runs the command-only
		// cases in a directory its shell makes.
		err = nil
		if res := h.run(transport.Command{Argv: []string{"sh", "-c", `rm -rf "$1" && mkdir -p "$1"`, "sh", p}}); res.ExitCode != 0 {
			err = fmt.Errorf("exit %d", res.ExitCode)
		}
	}
	if err != nil {
		h.t.Fatalf("mkdir %s: %v", p, err)
	}
}

// run runs cmd and fails the test when it could not run.
func (h *harness) run(cmd transport.Command) transport.Result {
	h.t.Helper()
	res, err := h.c.Run(h.ctx, cmd)
	if err != nil {
		h.t.Fatalf("run %q%q: %v", cmd.Argv, cmd.Shell, err)
	}
	return res
}

// out runs cmd and returns its stdout, failing unless it exits 0.
func (h *harness) out(cmd transport.Command) string {
	h.t.Helper()
	res := h.run(cmd)
	if res.ExitCode != 0 {
		h.t.Fatalf("run %q%q: exit %d, stderr %q", cmd.Argv, cmd.Shell, res.ExitCode, res.Stderr)
	}
	return string(res.Stdout)
}
