package become_test

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
	"github.com/drover/drover/transport/ssh"
)

// fixture is a lab of two real sshd hosts, each logging in as a Unix user
// of its own: free may sudo anything without a password, guarded only
// with its password. other is a third user with a password, to become
// with sudo -u and su.
type fixture struct {
	lab        *testlab.Lab
	free       *testlab.Host
	guarded    *testlab.Host
	guardedPw  string
	other      testlab.User
	otherUID   string
	rootSecret string // a file only root can read, in a 0700 root directory
}

// newFixture starts the lab and writes the sudoers rules, removed when the
// test ends.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	needRootSudo(t)
	lab := testlab.Start(t, testlab.Options{Hosts: 2, OwnUsers: true})
	f := &fixture{lab: lab, free: lab.Hosts[0], guarded: lab.Hosts[1], guardedPw: "Pw-" + randomHex(8) + "'\"$x"}
	chpasswd(t, f.guarded.User, f.guardedPw)
	sudoers(t, f.free.User, f.free.User+" ALL=(ALL:ALL) NOPASSWD: ALL\n")
	sudoers(t, f.guarded.User, f.guarded.User+" ALL=(ALL:ALL) ALL\n")
	f.other = testlab.AddUser(t)
	out, err := exec.Command("id", "-u", f.other.Name).Output()
	if err != nil {
		t.Fatal(err)
	}
	f.otherUID = strings.TrimSpace(string(out))
	dir, err := os.MkdirTemp("", "drover-become-root-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f.rootSecret = filepath.Join(dir, "secret")
	if err := os.WriteFile(f.rootSecret, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func chpasswd(t testing.TB, user, password string) {
	t.Helper()
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(user + ":" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
}

// sudoers writes a rule file for user under /etc/sudoers.d, checked with
// visudo, and removes it when the test ends.
func sudoers(t testing.TB, user, rule string) {
	t.Helper()
	path := filepath.Join("/etc/sudoers.d", "drover-test-"+user)
	if err := os.WriteFile(path, []byte(rule), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	if out, err := exec.Command("visudo", "-cf", path).CombinedOutput(); err != nil {
		t.Fatalf("visudo: %v %s", err, out)
	}
}

// dial opens an SSH connection to h as its user, closed when the test
// ends.
func (f *fixture) dial(t testing.TB, h *testlab.Host) transport.Conn {
	t.Helper()
	c, err := ssh.Dial(context.Background(), ssh.Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{f.lab.Key}, KnownHostsFiles: []string{f.lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wrap wraps conn, closed when the test ends.
func wrap(t testing.TB, conn transport.Conn, opts become.Options) transport.Conn {
	t.Helper()
	c, err := become.Wrap(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ownerOf(fi os.FileInfo) int { return int(fi.Sys().(*syscall.Stat_t).Uid) }

func uidOf(t *testing.T, user string) string {
	t.Helper()
	out, err := exec.Command("id", "-u", user).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// writerFunc calls f on its first write.
type writerFunc func(p []byte)

func (w *writerFunc) Write(p []byte) (int, error) {
	if *w != nil {
		(*w)(p)
		*w = nil
	}
	return len(p), nil
}

// processesWith lists the processes whose command line contains s.
func processesWith(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}
