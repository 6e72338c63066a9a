package ssh_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
	"github.com/drover/drover/transport/transporttest"
)

// tcpProxy is a ProxyCommand that connects with bash's /dev/tcp.
const tcpProxy = `bash -c 'exec 3<>/dev/tcp/%h/%p; cat <&3 & cat >&3'`

// need skips t when a program is missing, or fails it under CI.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
	}
}

// sshW is a ProxyCommand that goes through bastion with OpenSSH's ssh -W,
// using the lab's ssh_config (its key and known_hosts).
func sshW(lab *testlab.Lab, bastion *testlab.Host) string {
	return fmt.Sprintf("ssh -F %s -o BatchMode=yes -o IdentityAgent=none -q -W %%h:%%p %s", lab.SSHConfig, bastion.Name)
}

// shellSpy is a $SHELL that records the arguments it was run with in log,
// then runs them with /bin/sh.
func shellSpy(t *testing.T) (shell, log string) {
	dir := t.TempDir()
	shell, log = filepath.Join(dir, "spysh"), filepath.Join(dir, "args")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\nexec /bin/sh \"$@\"\n", log)
	if err := os.WriteFile(shell, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return shell, log
}

// TestProxyCommand runs commands and moves files over connections made
// through proxy commands, against real sshd hosts.
func TestProxyCommand(t *testing.T) {
	need(t, "bash", "ssh")
	lab := shared(t)
	bastion, target := lab.Hosts[0], lab.Hosts[1]
	cases := []struct {
		name  string
		proxy string
		spy   bool // run through a $SHELL that records its arguments
		hops  int  // logins the bastion sees
	}{
		{name: "bash /dev/tcp", proxy: tcpProxy},
		{name: "ssh -W through a bastion", proxy: sshW(lab, bastion), hops: 1},
		{name: "run with SHELL -c exec", proxy: tcpProxy, spy: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var log string
			if c.spy {
				var shell string
				shell, log = shellSpy(t)
				t.Setenv("SHELL", shell)
			}
			before := bastion.Accepted()
			cfg := hostConfig(lab, target)
			cfg.ProxyCommand = c.proxy
			conn := dial(t, cfg)
			if got := whoami(t, conn); got != target.User {
				t.Errorf("logged in as %q, want %q", got, target.User)
			}
			roundTrip(t, conn, target)
			if got := bastion.Accepted() - before; got != c.hops {
				t.Errorf("the bastion saw %d logins, want %d", got, c.hops)
			}
			if c.spy {
				want := fmt.Sprintf("-c\nexec bash -c 'exec 3<>/dev/tcp/%s/%d; cat <&3 & cat >&3'\n", target.Addr, target.Port)
				if got, err := os.ReadFile(log); string(got) != want {
					t.Errorf("$SHELL ran with %q (%v), want %q", got, err, want)
				}
			}
		})
	}
}

// roundTrip writes a file, reads it back and checks it on the host.
func roundTrip(t *testing.T, conn *ssh.Conn, h *testlab.Host) {
	t.Helper()
	ctx := context.Background()
	content := bytes.Repeat([]byte("proxied "), 20000)
	path := filepath.Join(h.Dir, "proxied.txt")
	if err := conn.Put(ctx, path, bytes.NewReader(content), transport.PutOptions{Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if err := conn.Get(ctx, path, &back); err != nil || !bytes.Equal(back.Bytes(), content) {
		t.Errorf("Get: %d bytes, %v; want %d bytes", back.Len(), err, len(content))
	}
	res, err := conn.Run(ctx, transport.Command{Argv: []string{"wc", "-c", path}})
	if err != nil || !strings.HasPrefix(string(res.Stdout), strconv.Itoa(len(content))+" ") {
		t.Errorf("wc -c: %q %v", res.Stdout, err)
	}
}

// TestConformanceThroughProxyCommand runs the transport conformance suite
// over a connection made through a proxy command.
func TestConformanceThroughProxyCommand(t *testing.T) {
	need(t, "bash")
	lab := shared(t)
	var skip map[string]string
	if why := testlab.PTYProblem(); why != "" {
		skip = map[string]string{"PTY": why}
	}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		h := lab.Hosts[2]
		cfg := hostConfig(lab, h)
		cfg.ProxyCommand = tcpProxy
		return dial(t, cfg), h.Dir
	}, skip)
}

// TestProxyCommandFromConfigAndArgs reaches a host through a bastion with
// a ProxyCommand written in an ssh_config file and in ssh arguments as an
// inventory writes them, and checks the Pool keeps one connection per host
// and proxy command.
func TestProxyCommandFromConfigAndArgs(t *testing.T) {
	need(t, "bash", "ssh")
	lab := shared(t)
	bastion, target := lab.Hosts[0], lab.Hosts[1]
	file := filepath.Join(t.TempDir(), "config")
	config := fmt.Sprintf("Host behind\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
		"  UserKnownHostsFile %s\n  ProxyCommand %s\n  ProxyJump %s\n",
		target.Addr, target.Port, target.User, lab.Key, lab.KnownHosts, sshW(lab, bastion), "nosuchjumphost")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	fromConfig := ssh.Config{Host: "behind", ConfigFile: file, IdentityAgent: "none", GlobalKnownHostsFiles: []string{"/dev/null"}}
	args, err := ssh.ParseArgs(fmt.Sprintf(`-o ProxyCommand="%s" -o StrictHostKeyChecking=yes`, sshW(lab, bastion)))
	if err != nil {
		t.Fatal(err)
	}
	fromArgs := hostConfig(lab, target)
	if err := args.Apply(&fromArgs); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]ssh.Config{"ssh_config": fromConfig, "ssh arguments": fromArgs} {
		before := bastion.Accepted()
		if got := whoami(t, dial(t, cfg)); got != target.User {
			t.Errorf("%s: logged in as %q", name, got)
		}
		if got := bastion.Accepted() - before; got != 1 {
			t.Errorf("%s: the bastion saw %d logins, want 1", name, got)
		}
	}

	viaTCP := hostConfig(lab, target)
	viaTCP.ProxyCommand = tcpProxy
	pool := ssh.NewPool()
	defer pool.Close()
	conns := map[*ssh.Conn]bool{}
	for _, cfg := range []ssh.Config{fromArgs, viaTCP, fromArgs, viaTCP, fromConfig} {
		c, err := pool.Get(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s (ProxyCommand %q): %v", cfg.Host, cfg.ProxyCommand, err)
		}
		conns[c] = true
	}
	if st := pool.Stats(); st.Dials != 2 || st.Open != 2 || len(conns) != 2 {
		t.Errorf("pool %+v with %d connections; want 2 dials, 2 open: one through the bastion, one over /dev/tcp", st, len(conns))
	}
}

// TestProxyCommandFails checks that a proxy command that fails makes an
// UnreachableError that shows its standard error, and leaves no process.
func TestProxyCommandFails(t *testing.T) {
	need(t, "bash")
	lab := shared(t)
	h := lab.Hosts[0]
	closed := testlab.ClosedPort(t)
	closedHost, closedPort, _ := strings.Cut(closed, ":")
	cases := []struct {
		name    string
		proxy   string
		timeout time.Duration
		want    []string
	}{
		{name: "exits with an error", proxy: `sh -c 'echo $$ > {pid}; echo starting >&2; echo boom >&2; exit 1'`,
			want: []string{"ProxyCommand exited with status 1", "ProxyCommand stderr: starting | boom"}},
		{name: "program not found", proxy: `sh -c 'echo $$ > {pid}; exec no-such-proxy-program'`,
			want: []string{"status 127", "no-such-proxy-program", "not found"}},
		{name: "connection refused", proxy: fmt.Sprintf(`bash -c 'echo $$ > {pid}; exec 3<>/dev/tcp/%s/%s'`, closedHost, closedPort),
			want: []string{"Connection refused"}},
		{name: "silent", proxy: `sh -c 'echo $$ > {pid}; echo waiting >&2; exec sleep 600'`, timeout: 300 * time.Millisecond,
			want: []string{"timed out during key exchange after 300ms via ProxyCommand", "waiting"}},
	}
	for _, c := range cases {
		pidFile := filepath.Join(t.TempDir(), "pid")
		cfg := hostConfig(lab, h)
		cfg.ProxyCommand = strings.ReplaceAll(c.proxy, "{pid}", pidFile)
		cfg.ConnectTimeout = c.timeout
		_, err := ssh.Dial(context.Background(), cfg)
		var u *transport.UnreachableError
		if !errors.As(err, &u) || u.Host != h.Name {
			t.Errorf("%s: %v, want an UnreachableError for %s", c.name, err, h.Name)
			continue
		}
		t.Logf("%s: %v", c.name, err)
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to contain %q", c.name, err, w)
			}
		}
		if pid := readPid(t, pidFile); exists(pid) {
			t.Errorf("%s: proxy process %d still exists after the dial failed", c.name, pid)
		}
	}
}

// TestProxyCommandLeavesNoProcess checks that closing a connection,
// cancelling a dial and losing the proxy command each end the command and
// every process it started.
func TestProxyCommandLeavesNoProcess(t *testing.T) {
	need(t, "bash")
	lab := shared(t)
	h := lab.Hosts[1]
	// The command records its pid and starts a child of its own first.
	const prefix = `echo $$ > {dir}/pid; sleep 600 & echo $! > {dir}/child; `
	proxy := func(dir, rest string) string {
		return strings.ReplaceAll(`bash -c '`+prefix+rest+`'`, "{dir}", dir)
	}
	t.Run("close", func(t *testing.T) {
		dir := t.TempDir()
		cfg := hostConfig(lab, h)
		cfg.ProxyCommand = proxy(dir, `exec 3<>/dev/tcp/%h/%p; cat <&3 & cat >&3`)
		conn := dial(t, cfg)
		whoami(t, conn)
		pid, child := readPid(t, filepath.Join(dir, "pid")), readPid(t, filepath.Join(dir, "child"))
		if !exists(pid) || !alive(child) {
			t.Fatalf("proxy %d or its child %d is not running while connected", pid, child)
		}
		conn.Close()
		checkGone(t, pid, child)
	})
	t.Run("cancel", func(t *testing.T) {
		dir := t.TempDir()
		cfg := hostConfig(lab, h)
		cfg.ProxyCommand = proxy(dir, `exec sleep 600`)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			if waitFile(ctx, filepath.Join(dir, "child")) {
				cancel()
			}
		}()
		_, err := ssh.Dial(ctx, cfg)
		if !errors.Is(err, context.Canceled) || !transport.IsUnreachable(err) {
			t.Errorf("cancelled dial: %v, want an UnreachableError for context.Canceled", err)
		}
		checkGone(t, readPid(t, filepath.Join(dir, "pid")), readPid(t, filepath.Join(dir, "child")))
	})
	t.Run("proxy killed", func(t *testing.T) {
		dir := t.TempDir()
		cfg := hostConfig(lab, h)
		cfg.ProxyCommand = proxy(dir, `exec 3<>/dev/tcp/%h/%p; cat <&3 & cat >&3`)
		conn := dial(t, cfg)
		whoami(t, conn)
		pid, child := readPid(t, filepath.Join(dir, "pid")), readPid(t, filepath.Join(dir, "child"))
		if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_, err := conn.Run(context.Background(), transport.Command{Argv: []string{"true"}})
		if !transport.IsUnreachable(err) {
			t.Errorf("Run after the proxy died: %v, want an UnreachableError", err)
		}
		// The connection reaps its proxy by itself, without a Close.
		for i := 0; i < 1000 && exists(pid); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if conn.Alive() {
			t.Errorf("the connection is still alive")
		}
		checkGone(t, pid, child)
	})
}

// checkGone fails t unless the proxy command pid was reaped and its child
// ended.
func checkGone(t *testing.T, pid, child int) {
	t.Helper()
	if exists(pid) {
		t.Errorf("proxy process %d was not reaped", pid)
	}
	for i := 0; i < 1000 && alive(child); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(child) {
		t.Errorf("the proxy's child %d is still running", child)
	}
}

func readPid(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return pid
}

// waitFile waits until file exists and is not empty, or ctx ends; it
// reports whether the file came.
func waitFile(ctx context.Context, file string) bool {
	for ctx.Err() == nil {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// exists reports whether pid is in the process table (zombies included).
func exists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// alive reports whether pid runs (exists and is not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	return end < 0 || !strings.HasPrefix(s[end+1:], " Z")
}
