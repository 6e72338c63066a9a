package testlab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
