package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

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
		os.Exit(mainArgs(args))
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

// result is what a finished drover process left.
type result struct {
	stdout, stderr string
	code           int
}

// execDrover runs drover with args and returns its output and exit status.
func execDrover(t testing.TB, env []string, args ...string) result {
	t.Helper()
	cmd := drover(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}
