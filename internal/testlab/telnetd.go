package testlab

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TelnetdPath is inetutils' telnetd; it serves one connection on its
// standard input, as inetd starts it.
const TelnetdPath = "/usr/sbin/telnetd"

// Need skips the test when something it talks to is missing, and fails it
// when CI=true, where everything must be there.
func Need(t testing.TB, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (scripts/test-deps.sh installs it)", what)
	}
	t.Skipf("%s is missing", what)
}

// Telnetd is a real telnet server on loopback: a listener that hands each
// connection to a new inetutils telnetd, which logs in with /bin/login.
type Telnetd struct {
	Addr string
	Port int
	mu   sync.Mutex
	cmds []*exec.Cmd
}

// StartTelnetd starts a telnetd listener on 127.0.0.1 for the test; it
// stops it and every server it started when the test ends. It needs root
// (telnetd runs /bin/login).
func StartTelnetd(t testing.TB) *Telnetd {
	t.Helper()
	_, err := os.Stat(TelnetdPath)
	Need(t, "inetutils-telnetd", err == nil)
	if os.Geteuid() != 0 {
		t.Skip("telnetd and /bin/login need root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &Telnetd{Addr: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.serve(t, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		d.stop()
	})
	return d
}

func (d *Telnetd) serve(t testing.TB, c net.Conn) {
	f, err := c.(*net.TCPConn).File()
	c.Close()
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cmd := exec.Command(TelnetdPath)
	cmd.Stdin, cmd.Stdout = f, f
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return
	}
	d.mu.Lock()
	d.cmds = append(d.cmds, cmd)
	d.mu.Unlock()
	go cmd.Wait()
}

// stop kills the servers this listener started.
func (d *Telnetd) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, cmd := range d.cmds {
		_ = cmd.Process.Kill()
	}
}

// User is a Unix user with a known password, created for one test.
type User struct {
	Name, Password, Home string
}

// AddUser creates a user with a password and a home directory others can
// read; it is removed, with every process it still runs, when the test ends.
// It needs root.
func AddUser(t testing.TB) User {
	t.Helper()
	b := make([]byte, 5)
	rand.Read(b)
	u := User{Name: "drt" + hex.EncodeToString(b), Password: "Pw-" + hex.EncodeToString(b) + "!x"}
	u.Home = filepath.Join("/tmp", u.Name)
	if out, err := AccountsCmd("", "useradd", "-m", "-d", u.Home, "-s", "/bin/sh", u.Name); err != nil {
		t.Fatalf("useradd: %v %s", err, out)
	}
	t.Cleanup(func() {
		killUserProcesses(u.Name)
		if out, err := AccountsCmd("", "userdel", "-f", "-r", u.Name); err != nil {
			t.Logf("userdel: %v %s", err, out)
		}
	})
	if out, err := AccountsCmd(u.Name+":"+u.Password+"\n", "chpasswd"); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
	return u
}

// killUserProcesses kills, by process id, what the test's user still runs.
func killUserProcesses(name string) {
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		return
	}
	uid := strings.TrimSpace(string(out))
	for i := 0; i < 20; i++ {
		pids := userPIDs(uid)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func userPIDs(uid string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] == uid {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
