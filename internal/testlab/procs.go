package testlab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalTree sends sig to pid and to every process descended from it, so
// that sessions sshd started (which run in sessions of their own) end with
// it.
func signalTree(pid int, sig syscall.Signal) {
	pids := tree(pid)
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
	if sig == syscall.SIGKILL {
		waitGone(pids)
	}
}

// waitGone waits (up to 5s) until every pid has exited: gone from /proc or
// a zombie, since a kill only takes effect when the process next runs.
func waitGone(pids []int) {
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range pids {
		for time.Now().Before(deadline) && running(p) {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	return end < 0 || !strings.HasPrefix(s[end+1:], " Z")
}

// tree lists pid and its descendants, parents before children.
func tree(pid int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		p, pp, ok := parentOf(st)
		if ok {
			children[pp] = append(children[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// parentOf reads a /proc/PID/stat file: "pid (comm) state ppid ...".
func parentOf(statPath string) (pid, ppid int, ok bool) {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.Fields(s)[0])
	ppid, err2 := strconv.Atoi(fields[1])
	return pid, ppid, err1 == nil && err2 == nil
}

// WaitNoCommand waits (up to 10 s) until no process on this machine, where
// lab hosts run their commands, has marker in its command line; it fails
// the test naming those left, and kills them with what they started.
func WaitNoCommand(t testing.TB, marker string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left := withCommand(marker)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				signalTree(p, syscall.SIGKILL)
			}
			t.Fatalf("processes %v still run a command line with %q", left, marker)
		}
	}
}

// withCommand lists the running processes whose command line holds marker.
func withCommand(marker string) []int {
	var out []int
	lines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, l := range lines {
		b, err := os.ReadFile(l)
		if err != nil || !strings.Contains(string(b), marker) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(l))); err == nil && pid != os.Getpid() && running(pid) {
			out = append(out, pid)
		}
	}
	return out
}
