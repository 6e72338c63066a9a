package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Settings of TestPassingTargets, from the environment.
const (
	timeoutEnv  = "DROVER_COMPAT_TIMEOUT"  // per target, a Go duration (default 10m)
	parallelEnv = "DROVER_COMPAT_PARALLEL" // targets at once (default 2)
	logsEnv     = "DROVER_COMPAT_LOGS"     // keep the logs in this directory
)

// TestPassingTargets runs drover on every target of passing.txt as
// ansible-test runs it (no oracle: the targets assert their own results)
// and fails, naming the target and showing the end of its log, when one no
// longer passes. Without the suite it fails under CI=true and skips
// otherwise.
func TestPassingTargets(t *testing.T) {
	suite, err := Locate(".")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	names, err := ReadPassing("passing.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok { // end the targets' processes before go test's timeout kills only the test
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Minute))
		t.Cleanup(cancel) // after the parallel subtests, unlike defer
	}
	env, err := NewEnv(ctx, suite, logDir(t))
	if err != nil {
		t.Fatal(err)
	}
	env.Timeout = durationEnv(t, timeoutEnv, 10*time.Minute)
	targets := selectPassing(t, suite, names, env)
	if len(targets) == 0 {
		return
	}
	drover := Runner{Name: "drover", Path: buildDrover(t)}
	slots := make(chan struct{}, intEnv(t, parallelEnv, 2))
	for _, target := range targets {
		t.Run(target.Name, func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			o := env.Run(ctx, target, drover)
			if o.TimedOut { // a loaded machine: once more before it counts
				o = env.Run(ctx, target, drover)
			}
			if !o.Passed() {
				t.Errorf("%s (%s) no longer passes under drover: %s\n%s", target.Name, target.Kind, o.Error, logTail(o.Log, 40))
			}
		})
	}
}

// selectPassing returns the targets named in passing.txt that this machine
// runs; one that does not exist fails the test, one this machine skips is
// logged.
func selectPassing(t *testing.T, suite string, names []string, env *Env) []Target {
	if len(names) == 0 {
		return nil // Select would take an empty list for every target
	}
	all, err := LoadTargets(suite)
	if err != nil {
		t.Fatal(err)
	}
	sel := Selection{Root: os.Geteuid() == 0, PythonVersion: env.PythonVersion}
	run, skipped, err := Select(all, names, sel)
	if err != nil {
		t.Fatalf("passing.txt: %v", err)
	}
	for _, s := range skipped {
		t.Logf("%s: skipped here (%s)", s.Target.Name, s.Reason)
	}
	return run
}

// buildDrover builds drover for the test and returns its path.
func buildDrover(t *testing.T) string {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building drover: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "drover")
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/drover/drover/cmd/drover").CombinedOutput()
	if err != nil {
		t.Fatalf("go build drover: %v\n%s", err, out)
	}
	return bin
}

func logDir(t *testing.T) string {
	if dir := os.Getenv(logsEnv); dir != "" {
		return dir
	}
	return t.TempDir()
}

// logTail is the last n lines of the log at path.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- last %d lines of %s:\n%s", len(lines), path, strings.Join(lines, "\n"))
}

func durationEnv(t *testing.T, name string, def time.Duration) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%s: want a positive duration such as 10m", name, s)
	}
	return d
}

func intEnv(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%s: want a positive number", name, s)
	}
	return n
}
