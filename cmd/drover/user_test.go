package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestRunAsOrdinaryUser runs drover as an unprivileged user whose only setup
// is ~/.ssh/config, a key and ~/.ssh/known_hosts, as for ssh itself: a lab
// host reached by its ssh_config alias, and the implicit localhost.
func TestRunAsOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating an ordinary user needs root")
	}
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	h := lab.Hosts[0]
	u, home := ordinaryUser(t)
	ssh := filepath.Join(home, ".ssh")
	known, err := os.ReadFile(lab.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("Host labhost\n  HostName %s\n  Port %d\n  User %s\n", h.Addr, h.Port, h.User)
	writeOwned(t, u, ssh, "", 0o700)
	writeOwned(t, u, filepath.Join(ssh, "config"), config, 0o600)
	writeOwned(t, u, filepath.Join(ssh, "known_hosts"), string(known), 0o600)
	writeOwned(t, u, filepath.Join(ssh, "id_ed25519"), readFile(t, lab.Key), 0o600)
	bin := filepath.Join(home, "drover")
	copyFile(t, os.Args[0], bin)
	writeOwned(t, u, bin, "", 0o755)
	for _, tt := range []struct{ pattern, inv, want string }{
		{"labhost", "labhost,", h.User},
		{"localhost", "", u.Username},
	} {
		args := []string{"-u", u.Username, "--", "env", "-i", "HOME=" + home, "PATH=/usr/bin:/bin", "DROVER_TEST_MAIN=1",
			bin, "--", "run"}
		if tt.inv != "" {
			args = append(args, "-i", tt.inv)
		}
		args = append(args, tt.pattern, "--", "id", "-un")
		out, err := exec.Command("runuser", args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "\n"+tt.want+"\n") {
			t.Errorf("as %s, run %s: %v\n%s", u.Username, tt.pattern, err, out)
		}
	}
}

// ordinaryUser creates a Unix user with a home directory, removed when the
// test ends.
func ordinaryUser(t *testing.T) (*user.User, string) {
	t.Helper()
	name := "drvu" + strconv.Itoa(os.Getpid()%100000)
	home, err := os.MkdirTemp("", "drover-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	if out, err := testlab.AccountsCmd("", "useradd", "-M", "-d", home, "-s", "/bin/sh", name); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = testlab.AccountsCmd("", "userdel", "-f", name) })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	writeOwned(t, u, home, "", 0o755)
	return u, home
}

// writeOwned writes content to path (or, for an empty content on an
// existing path or a new directory, only sets it up) owned by u with mode.
func writeOwned(t *testing.T, u *user.User, path, content string, mode os.FileMode) {
	t.Helper()
	if content != "" {
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	} else if _, err := os.Stat(path); os.IsNotExist(err) {
		if err := os.Mkdir(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
