package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
)

// TestMain runs the tests, or, when the test binary is re-executed by drover
// (below), drover itself on the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("DROVER_TEST_MAIN") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(mainArgs(dispatchArgs(append([]string{os.Args[0]}, args...))))
	}
	testlab.Main(m)
}

// drover returns a command that runs drover (this test binary re-executed)
// with args, in the caller's environment plus env.
func drover(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "DROVER_TEST_MAIN=1", "NO_COLOR="), env...)
	return cmd
}

// processLimit bounds one drover process of a test: one that hangs fails
// the test with its goroutines' stacks instead of hanging the package.
const processLimit = 5 * time.Minute

// result is what a finished drover process left.
type result struct {
	stdout, stderr string
	code           int
}

// execDrover runs drover with args and returns its output and exit status.
func execDrover(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return waitDrover(t, drover(env, args...), args)
}

// asAnsiblePlaybook makes cmd run drover through a link named
// ansible-playbook, the name under which it answers as Ansible's command.
func asAnsiblePlaybook(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	link := filepath.Join(t.TempDir(), ansiblePlaybook)
	if err := os.Symlink(os.Args[0], link); err != nil {
		t.Fatal(err)
	}
	cmd.Path, cmd.Args[0] = link, link
}

// waitDrover runs cmd, a drover process given args, to its end.
func waitDrover(t testing.TB, cmd *exec.Cmd, args []string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stuck atomic.Bool
	timer := time.AfterFunc(processLimit, func() {
		stuck.Store(true)
		_ = cmd.Process.Signal(syscall.SIGQUIT) // Go prints every goroutine's stack and exits
	})
	err := cmd.Wait()
	timer.Stop()
	if stuck.Load() {
		t.Fatalf("drover %q ran past %s; its stderr:\n%s", args, processLimit, stderr.String())
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}
