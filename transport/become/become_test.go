package become_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/ssh"
	"github.com/drover/drover/transport/transporttest"
)

func TestMain(m *testing.M) { testlab.Main(m) }

// needSudo skips (or fails under CI) when this process cannot sudo without
// a password: the tests become root as root, or another user from root.
func needSudo(t *testing.T) {
	t.Helper()
	if err := exec.Command("sudo", "-n", "true").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sudo -n is needed: ", err)
		}
		t.Skip("sudo -n not available: ", err)
	}
}

// TestConformanceLocal runs the transport conformance suite through sudo
// over the local connection.
func TestConformanceLocal(t *testing.T) {
	needSudo(t)
	skip := map[string]string{"PTY": "the become wrapper runs commands without a terminal"}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		c, err := become.Wrap(local.New(), become.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, t.TempDir()
	}, skip)
}

// TestConformanceSSH runs the suite through sudo over real sshd.
func TestConformanceSSH(t *testing.T) {
	needSudo(t)
	if os.Geteuid() != 0 {
		t.Skip("the lab user must be able to sudo: run as root")
	}
	lab := testlab.Shared(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	skip := map[string]string{"PTY": "the become wrapper runs commands without a terminal"}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		base, err := ssh.Dial(context.Background(), ssh.Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
			IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
			GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := become.Wrap(base, become.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); base.Close() })
		return c, h.Dir
	}, skip)
}

// TestBecomeOtherUser checks that commands and files act as the become
// user.
func TestBecomeOtherUser(t *testing.T) {
	needSudo(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	c, err := become.Wrap(local.New(), become.Options{User: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	res, err := c.Run(ctx, transport.Command{Shell: "id -un; echo err >&2; cat", Stdin: strings.NewReader("in\n")})
	if err != nil || string(res.Stdout) != "nobody\nin\n" || string(res.Stderr) != "err\n" {
		t.Fatalf("run: %q %q %v", res.Stdout, res.Stderr, err)
	}
	dir, err := os.MkdirTemp("", "drover-become-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "f")
	if err := c.Put(ctx, p, strings.NewReader("data"), transport.PutOptions{Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	fi, err := c.Stat(ctx, p)
	if err != nil || fmt.Sprint(fi.UID) != nobody.Uid || fi.Mode.Perm() != 0o600 {
		t.Fatalf("stat: %+v %v (want uid %s)", fi, err, nobody.Uid)
	}
	if _, err := c.Stat(ctx, "/root/.drover-no-such"); !errors.Is(err, os.ErrPermission) && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat as nobody under /root: %v", err)
	}
}

// TestSudoPassword becomes root through sudo with a password, answered on
// the prompt, and fails clearly with a wrong one.
func TestSudoPassword(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a user with a sudo password")
	}
	lab := testlab.Start(t, testlab.Options{Hosts: 0})
	h, err := lab.AddHost(testlab.HostOptions{Password: true})
	if err != nil {
		t.Fatal(err)
	}
	rule := filepath.Join("/etc/sudoers.d", "drover-test-"+h.User)
	if err := os.WriteFile(rule, []byte(h.User+" ALL=(ALL) ALL\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(rule) })
	base, err := ssh.Dial(context.Background(), ssh.Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		Password: h.Password, KnownHostsFiles: []string{lab.KnownHosts}, GlobalKnownHostsFiles: []string{"/dev/null"},
		ConfigFile: "none", IdentityAgent: "none"})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		password string
		wantErr  bool
	}{{"", true}, {"wrong", true}, {h.Password, false}} {
		c, _ := become.Wrap(base, become.Options{Password: tc.password})
		res, err := c.Run(ctx, transport.Command{Shell: "id -u; cat", Stdin: strings.NewReader("payload")})
		if tc.wantErr {
			if !errors.Is(err, become.ErrPassword) {
				t.Errorf("password %q: err %v, want ErrPassword", tc.password, err)
			}
			continue
		}
		if err != nil || string(res.Stdout) != "0\npayload" || strings.Contains(string(res.Stdout)+string(res.Stderr), "password") {
			t.Errorf("run: %q %q %v", res.Stdout, res.Stderr, err)
		}
		if fi, err := c.Stat(ctx, "/root"); err != nil || fi.UID != 0 {
			t.Errorf("files through sudo with a password: %+v %v", fi, err)
		}
		c.Close()
	}
}
