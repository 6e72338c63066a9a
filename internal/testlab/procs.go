package testlab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// signalTree sends sig to pid and to every process descended from it, so
// that sessions sshd started (which run in sessions of their own) end with
// it.
func signalTree(pid int, sig syscall.Signal) {
	for _, p := range tree(pid) {
		_ = syscall.Kill(p, sig)
	}
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
