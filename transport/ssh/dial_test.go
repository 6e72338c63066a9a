package ssh_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// whoami runs `id -un` over c.
func whoami(t *testing.T, c *ssh.Conn) string {
	t.Helper()
	res, err := c.Run(context.Background(), transport.Command{Argv: []string{"id", "-un"}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("id -un: %v %+v", err, res)
	}
	return strings.TrimSpace(string(res.Stdout))
}

func TestSSHConfigAlias(t *testing.T) {
	lab := shared(t)
	h := lab.Hosts[1]
	c := dial(t, ssh.Config{Host: h.Name, ConfigFile: lab.SSHConfig, IdentityAgent: "none",
		GlobalKnownHostsFiles: []string{"/dev/null"}})
	rc := c.Config()
	if rc.HostName != h.Addr || rc.Port != h.Port || rc.User != h.User || rc.IdentityFiles[0] != lab.Key {
		t.Errorf("resolved %+v", rc)
	}
	if got := whoami(t, c); got != h.User {
		t.Errorf("logged in as %q, want %q", got, h.User)
	}
}

func TestInventoryStyleArgs(t *testing.T) {
	lab := shared(t)
	h := lab.Hosts[2]
	args, err := ssh.ParseArgs("-o UserKnownHostsFile=" + lab.KnownHosts + " -o StrictHostKeyChecking=yes")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ssh.Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, ConfigFile: "none", IdentityAgent: "none", GlobalKnownHostsFiles: []string{"/dev/null"}}
	if err := args.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if got := whoami(t, dial(t, cfg)); got != h.User {
		t.Errorf("logged in as %q", got)
	}
}

func TestProxyJump(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 3, OwnUsers: true})
	closed, err := lab.AddHost(testlab.HostOptions{Name: "noforward", ExtraConfig: []string{"AllowTcpForwarding no"}})
	if err != nil {
		t.Fatal(err)
	}
	h1, h2, h3 := lab.Hosts[0], lab.Hosts[1], lab.Hosts[2]
	base := ssh.Config{ConfigFile: lab.SSHConfig, IdentityAgent: "none", GlobalKnownHostsFiles: []string{"/dev/null"}}
	cases := []struct {
		target *testlab.Host
		jump   string
		want   string // error text, "" for success
	}{
		{h2, h1.Name, ""},
		{h3, h1.Name + "," + h2.Name, ""},
		{h3, fmt.Sprintf("%s@%s:%d", h1.User, h1.Addr, h1.Port), ""},
		{h2, closed.Name, "via jump host " + closed.Name},
		{h2, "nosuchuser@" + h1.Name, "authentication failed for user nosuchuser"},
	}
	for _, c := range cases {
		cfg := base
		cfg.Host, cfg.ProxyJump = c.target.Name, c.jump
		if strings.Contains(c.jump, "@127.") {
			cfg.KnownHostsFiles, cfg.IdentityFiles = []string{lab.KnownHosts}, []string{lab.Key}
		}
		conn, err := ssh.Dial(context.Background(), cfg)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) || !transport.IsUnreachable(err) {
				t.Errorf("jump %s: error %v, want %q", c.jump, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s via %s: %v", c.target.Name, c.jump, err)
			continue
		}
		if got := whoami(t, conn); got != c.target.User {
			t.Errorf("%s via %s: logged in as %q", c.target.Name, c.jump, got)
		}
		conn.Close()
	}
	if h1.Accepted() != 3 || h2.Accepted() != 2 || h3.Accepted() != 2 {
		t.Errorf("logins: h1 %d h2 %d h3 %d, want 3 2 2", h1.Accepted(), h2.Accepted(), h3.Accepted())
	}
}

func TestPoolOneConnectionPerHost(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 4, OwnUsers: true})
	pool := ssh.NewPool()
	pool.Defaults = ssh.Config{ConfigFile: lab.SSHConfig}
	defer pool.Close()
	bastion := lab.Hosts[0]
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 10; i++ {
		for _, h := range lab.Hosts {
			wg.Add(1)
			go func(i int, h *testlab.Host) {
				defer wg.Done()
				cfg := ssh.Config{Host: h.Name, IdentityAgent: "none", GlobalKnownHostsFiles: []string{"/dev/null"}}
				if h != bastion {
					cfg.ProxyJump = bastion.Name
				}
				c, err := pool.Get(context.Background(), cfg)
				if err != nil {
					errs <- err
					return
				}
				p := filepath.Join(h.Dir, fmt.Sprint("f", i))
				if err := c.Put(context.Background(), p, strings.NewReader("x"), transport.PutOptions{}); err != nil {
					errs <- err
				}
				if _, err := c.Run(context.Background(), transport.Command{Argv: []string{"cat", p}}); err != nil {
					errs <- err
				}
			}(i, h)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := pool.Stats(); st.Dials != 4 || st.Open != 4 {
		t.Errorf("pool stats %+v, want 4 dials and 4 open", st)
	}
	for _, h := range lab.Hosts {
		if h.Accepted() != 1 {
			t.Errorf("%s: %d logins, want 1", h.Name, h.Accepted())
		}
	}
	pool.Close()
	if st := pool.Stats(); st.Open != 0 {
		t.Errorf("after Close: %+v", st)
	}
}

func TestEncryptedKey(t *testing.T) {
	lab := shared(t)
	key := lab.EncryptedKey(t, "correct horse")
	h := lab.Hosts[0]
	cases := []struct {
		name       string
		passphrase func(string) ([]byte, error)
		want       string
	}{
		{"right passphrase", func(f string) ([]byte, error) {
			if f != key {
				return nil, fmt.Errorf("asked for %s", f)
			}
			return []byte("correct horse"), nil
		}, ""},
		{"wrong passphrase", func(string) ([]byte, error) { return []byte("nope"), nil }, "wrong passphrase"},
		{"no passphrase", nil, "encrypted"},
	}
	for _, c := range cases {
		cfg := hostConfig(lab, h)
		cfg.IdentityFiles, cfg.Passphrase = []string{key}, c.passphrase
		conn, err := ssh.Dial(context.Background(), cfg)
		if c.want == "" && err == nil {
			conn.Close()
			continue
		}
		if err == nil || c.want == "" || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// startAgent runs ssh-agent on a socket of its own with the lab key added.
func startAgent(t *testing.T, lab *testlab.Lab) string {
	t.Helper()
	for _, p := range []string{"ssh-agent", "ssh-add"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	add := exec.Command("ssh-add", lab.Key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v: %s", err, out)
	}
	return sock
}

func TestAgent(t *testing.T) {
	lab := shared(t)
	sock := startAgent(t, lab)
	h := lab.Hosts[0]
	cfg := hostConfig(lab, h)
	cfg.IdentityFiles, cfg.IdentityAgent = []string{"/nonexistent/key"}, sock
	if got := whoami(t, dial(t, cfg)); got != h.User {
		t.Errorf("agent login as %q", got)
	}
	cfg.IdentitiesOnly = new(bool)
	*cfg.IdentitiesOnly = true
	_, err := ssh.Dial(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("IdentitiesOnly still used the agent: %v", err)
	}
}

func TestPassword(t *testing.T) {
	lab := shared(t)
	h := lab.Host("pw")
	if h == nil {
		var err error
		if h, err = lab.AddHost(testlab.HostOptions{Name: "pw", Password: true}); errors.Is(err, testlab.ErrNotRoot) {
			t.Skip(err)
		} else if err != nil {
			t.Fatal(err)
		}
	}
	cfg := hostConfig(lab, h)
	cfg.IdentityFiles, cfg.Password = []string{"/nonexistent/key"}, h.Password
	if got := whoami(t, dial(t, cfg)); got != h.User {
		t.Errorf("password login as %q", got)
	}
	cfg.Password = "wrong"
	_, err := ssh.Dial(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "authentication failed for user "+h.User) || !strings.Contains(err.Error(), "password") {
		t.Errorf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the password leaked into the message: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	lab := shared(t)
	h := lab.Hosts[0]
	cases := []struct {
		name string
		edit func(c *ssh.Config)
		want string
	}{
		{"closed port", func(c *ssh.Config) { c.HostName, c.Port = splitAddr(t, testlab.ClosedPort(t)) }, "connection refused"},
		{"silent peer", func(c *ssh.Config) {
			c.HostName, c.Port = splitAddr(t, testlab.SilentPeer(t))
			c.ConnectTimeout = 300 * time.Millisecond
		}, "timed out during key exchange after 300ms"},
		{"unauthorized key", func(c *ssh.Config) { c.IdentityFiles = []string{otherKeyFile(t)} }, "authentication failed for user " + h.User + " (tried: publickey ("},
		{"no key at all", func(c *ssh.Config) { c.IdentityFiles = []string{"/nonexistent"} }, "no methods"},
	}
	for _, c := range cases {
		cfg := hostConfig(lab, h)
		c.edit(&cfg)
		_, err := ssh.Dial(context.Background(), cfg)
		var u *transport.UnreachableError
		if !errors.As(err, &u) || u.Host != h.Name || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an UnreachableError for %s containing %q", c.name, err, h.Name, c.want)
		}
	}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	host, port, _ := strings.Cut(addr, ":")
	var p int
	fmt.Sscan(port, &p)
	return host, p
}

// otherKeyFile writes a key no host accepts.
func otherKeyFile(t *testing.T) string {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	return lab.Key
}

func TestDeadPeer(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 2, OwnUsers: true})
	frozen, killed := lab.Hosts[0], lab.Hosts[1]
	cfg := hostConfig(lab, frozen)
	cfg.ServerAliveInterval, cfg.ServerAliveCountMax = 100*time.Millisecond, 2
	c := dial(t, cfg)
	// The sleeps outlive their dead sessions on the host; a duration of
	// its own lets the cleanup find and end them.
	sleep := fmt.Sprintf("sleep 600.%d", os.Getpid())
	t.Cleanup(func() { _ = exec.Command("pkill", "-f", "^"+sleep+"$").Run() })
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(context.Background(), transport.Command{Shell: sleep})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	frozen.Freeze()
	defer frozen.Thaw()
	if err := <-done; !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "keepalive") {
		t.Errorf("frozen host: %v, want an UnreachableError about keepalives", err)
	}
	if c.Alive() {
		t.Errorf("connection still alive")
	}
	c2 := dial(t, hostConfig(lab, killed))
	go func() {
		_, err := c2.Run(context.Background(), transport.Command{Shell: sleep})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	killed.Stop()
	if err := <-done; !transport.IsUnreachable(err) {
		t.Errorf("killed host: %v, want an UnreachableError", err)
	}
	if _, err := c2.Stat(context.Background(), "/"); !transport.IsUnreachable(err) {
		t.Errorf("stat on a dead connection: %v", err)
	}
}

// TestHostKeepalives keeps a connection idle while its host asks whether
// drover is still there (sshd's ClientAliveInterval 1: a question about
// every two seconds) and hangs up after one unanswered question: the
// connection answers them and stays usable.
func TestHostKeepalives(t *testing.T) {
	t.Parallel()
	lab := testlab.Start(t, testlab.Options{})
	h, err := lab.AddHost(testlab.HostOptions{ExtraConfig: []string{"ClientAliveInterval 1", "ClientAliveCountMax 1"}})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, hostConfig(lab, h))
	time.Sleep(5500 * time.Millisecond)
	if got := whoami(t, c); got != h.User {
		t.Errorf("id -un after the host's keepalives: %q, want %q", got, h.User)
	}
}
