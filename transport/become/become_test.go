package become_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	"github.com/drover/drover/transport/become"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/transporttest"
)

// needRootSudo skips (or fails under CI=true) unless the test runs as root
// with sudo installed.
func needRootSudo(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("become tests create users and sudoers rules: run as root")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sudo is missing (apt-get install sudo)")
		}
		t.Skip("sudo is missing")
	}
}

// TestConformanceLocalRoot runs the transport conformance suite through
// sudo on the local connection.
func TestConformanceLocalRoot(t *testing.T) {
	needRootSudo(t)
	transporttest.Run(t, func(t *testing.T) (transport.Conn, string) {
		c, err := become.Wrap(local.New(), become.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, t.TempDir()
	})
}

// TestConformanceSSH runs the conformance suite as root through sudo on a
// real sshd host, without a password and with one.
func TestConformanceSSH(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		host *testlab.Host
		pw   string
	}{{"nopasswd", f.free, ""}, {"password", f.guarded, f.guardedPw}} {
		t.Run(tc.name, func(t *testing.T) {
			base := f.dial(t, tc.host)
			transporttest.Run(t, func(t *testing.T) (transport.Conn, string) {
				return wrap(t, base, become.Options{Password: tc.pw}), tc.host.Dir
			})
		})
	}
}

// TestBecome runs a command and writes a file as the become user, over
// sudo with and without a password and over su, on real sshd hosts.
func TestBecome(t *testing.T) {
	f := newFixture(t)
	rootDir := filepath.Dir(f.rootSecret)
	tests := []struct {
		name     string
		host     *testlab.Host
		opts     become.Options
		wantUser string
		dir      string
	}{
		{"sudo root nopasswd", f.free, become.Options{}, "root", rootDir},
		{"sudo root password", f.guarded, become.Options{Password: f.guardedPw}, "root", rootDir},
		{"sudo other user", f.free, become.Options{User: f.other.Name}, f.other.Name, f.other.Home},
		{"sudo other user password", f.guarded, become.Options{User: f.other.Name, Password: f.guardedPw}, f.other.Name, f.other.Home},
		{"su other user", f.free, become.Options{Method: "su", User: f.other.Name, Password: f.other.Password}, f.other.Name, f.other.Home},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := wrap(t, f.dial(t, tc.host), tc.opts)
			res, err := c.Run(ctx, transport.Command{Shell: "id -un; echo err >&2; cat; exit 3", Stdin: strings.NewReader("in")})
			if err != nil || string(res.Stdout) != tc.wantUser+"\nin" || string(res.Stderr) != "err\n" || res.ExitCode != 3 {
				t.Fatalf("run: stdout %q stderr %q exit %d err %v", res.Stdout, res.Stderr, res.ExitCode, err)
			}
			home, err := c.Run(ctx, transport.Command{Shell: `test "$(pwd -P)" = "$(cd ~ && pwd -P)" && echo home`})
			if err != nil || string(home.Stdout) != "home\n" {
				t.Errorf("a command without Dir does not start in the become user's home: %q %q %v", home.Stdout, home.Stderr, err)
			}
			p := filepath.Join(tc.dir, "written-"+randomHex(4))
			if err := c.Put(ctx, p, strings.NewReader("data"), transport.PutOptions{Mode: 0o600}); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(p)
			fi, err := os.Stat(p)
			if err != nil || fi.Mode().Perm() != 0o600 || fmt.Sprint(ownerOf(fi)) != uidOf(t, tc.wantUser) {
				t.Errorf("written file: %v %v, want owner %s", fi, err, tc.wantUser)
			}
		})
	}
}

// TestRootFiles reads, writes and chowns root's files through sudo, which
// the login user cannot do itself.
func TestRootFiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		host *testlab.Host
		pw   string
	}{{"nopasswd", f.free, ""}, {"password", f.guarded, f.guardedPw}} {
		t.Run(tc.name, func(t *testing.T) {
			base := f.dial(t, tc.host)
			if _, err := base.Stat(ctx, f.rootSecret); !errors.Is(err, fs.ErrPermission) {
				t.Fatalf("without become the root-only file: %v, want permission denied", err)
			}
			c := wrap(t, base, become.Options{Password: tc.pw})
			fi, err := c.Stat(ctx, f.rootSecret)
			if err != nil || fi.UID != 0 || fi.Mode.Perm() != 0o600 {
				t.Fatalf("stat as root: %+v %v", fi, err)
			}
			var got strings.Builder
			if err := c.Get(ctx, f.rootSecret, &got); err != nil || got.String() != "root only\n" {
				t.Errorf("get as root: %q %v", got.String(), err)
			}
			dir := filepath.Join(filepath.Dir(f.rootSecret), "sub-"+tc.name)
			if err := c.Mkdir(ctx, dir, 0o700); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "conf")
			if err := c.Put(ctx, p, strings.NewReader("x=1\n"), transport.PutOptions{Mode: 0o640}); err != nil {
				t.Fatal(err)
			}
			uid, _ := strconv.Atoi(f.otherUID)
			if err := c.Chown(ctx, p, uid, -1); err != nil {
				t.Fatal(err)
			}
			if fi, err := c.Stat(ctx, p); err != nil || fi.UID != uid || fi.GID != 0 {
				t.Errorf("after chown to %d: %+v %v", uid, fi, err)
			}
			if err := c.Chown(ctx, p, 0, 0); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(p); err != nil || ownerOf(fi) != 0 || fi.Mode().Perm() != 0o640 {
				t.Errorf("after chown to root: %v %v", fi, err)
			}
			sum, err := c.Checksum(ctx, p)
			if err != nil || sum != sha1hex("x=1\n") {
				t.Errorf("checksum: %s %v", sum, err)
			}
			big := strings.Repeat("0123456789abcdef", 20<<10)
			if err := c.Put(ctx, p, strings.NewReader(big), transport.PutOptions{Mode: 0o600}); err != nil {
				t.Fatal(err)
			}
			if sum, err := c.Checksum(ctx, p); err != nil || sum != sha1hex(big) {
				t.Errorf("checksum of 320 KiB (hashed on the host): %s %v", sum, err)
			}
			if err := c.Mkdir(ctx, dir, 0o700); !errors.Is(err, fs.ErrExist) {
				t.Errorf("mkdir over a directory: %v, want ErrExist", err)
			}
			if _, err := c.Stat(ctx, filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("missing file: %v, want not exist", err)
			}
		})
	}
}

// TestBecomeFails checks the failures: a missing or wrong password, a
// user that does not exist, an unknown method. None of them shows the
// password, and a wrong password is not tried again.
func TestBecomeFails(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	wrong := "Wrong-" + randomHex(6)
	tests := []struct {
		name       string
		host       *testlab.Host
		opts       become.Options
		isPassword bool
		want       string
	}{
		{"sudo without password", f.guarded, become.Options{}, true, "a password is required"},
		{"sudo wrong password", f.guarded, become.Options{Password: wrong}, true, "incorrect sudo password"},
		{"su wrong password", f.free, become.Options{Method: "su", User: f.other.Name, Password: wrong}, true, "incorrect su password"},
		{"sudo unknown user", f.free, become.Options{User: "drover-no-such-user"}, false, "unknown user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := wrap(t, f.dial(t, tc.host), tc.opts)
			res, err := c.Run(ctx, transport.Command{Shell: "echo ran"})
			if err == nil || errors.Is(err, become.ErrPassword) != tc.isPassword || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: err %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(string(res.Stdout), "ran") {
				t.Errorf("the command ran: %q", res.Stdout)
			}
			_, ferr := c.Stat(ctx, "/")
			if ferr == nil || !strings.Contains(ferr.Error(), tc.want) {
				t.Errorf("file operation: err %v, want one saying %q", ferr, tc.want)
			}
			for _, text := range []string{err.Error(), ferr.Error(), string(res.Stdout), string(res.Stderr), tc.host.Log()} {
				if tc.opts.Password != "" && strings.Contains(text, tc.opts.Password) {
					t.Errorf("the password shows in %q", text)
				}
			}
		})
	}
}

// TestWrongPasswordTriedOnce checks that after a wrong password no further
// sudo is started (each would count against the account's lock-out).
func TestWrongPasswordTriedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base := f.dial(t, f.guarded)
	c := wrap(t, base, become.Options{Password: "Wrong-" + randomHex(6)})
	if _, err := c.Run(ctx, transport.Command{Shell: "true"}); !errors.Is(err, become.ErrPassword) {
		t.Fatalf("first run: %v", err)
	}
	before := f.guarded.Log()
	for i := 0; i < 3; i++ {
		if _, err := c.Run(ctx, transport.Command{Shell: "true"}); !errors.Is(err, become.ErrPassword) {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if after := f.guarded.Log(); strings.Count(after, "Starting session") != strings.Count(before, "Starting session") {
		t.Errorf("later runs opened sessions on the host:\n%s", strings.TrimPrefix(after, before))
	}
}

// TestPasswordNeverVisible looks, as root, through every process's command
// line and environment while a become with a password runs a command and
// the file session is open: the password is in none of them.
func TestPasswordNeverVisible(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := wrap(t, f.dial(t, f.guarded), become.Options{Password: f.guardedPw})
	if _, err := c.Stat(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Run(ctx, transport.Command{Shell: `for p in /proc/[0-9]*; do cat $p/cmdline $p/environ 2>/dev/null; echo; done; echo scanned`})
	if err != nil || !strings.Contains(string(res.Stdout), "scanned") {
		t.Fatalf("scan: %v %q", err, res.Stderr)
	}
	if !strings.Contains(string(res.Stdout), "sftp-server") {
		t.Errorf("the scan did not see the running sftp-server")
	}
	if strings.Contains(string(res.Stdout), f.guardedPw) {
		t.Errorf("the password is on some process's command line or in its environment")
	}
}

// TestPTY answers the password prompt on a terminal the command asked for.
func TestPTY(t *testing.T) {
	f := newFixture(t)
	c := wrap(t, f.dial(t, f.guarded), become.Options{Password: f.guardedPw})
	res, err := c.Run(context.Background(), transport.Command{Shell: "test -t 0 && id -u", PTY: &transport.PTY{}})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "0" {
		t.Errorf("with a PTY: %q %v", res.Stdout, err)
	}
}

// TestCancelKillsCommand cancels a command running as root: nothing it
// started stays behind, although sudo cannot pass SIGKILL on.
func TestCancelKillsCommand(t *testing.T) {
	f := newFixture(t)
	c := wrap(t, f.dial(t, f.free), become.Options{})
	mark := fmt.Sprint(36000 + time.Now().UnixNano()%1000)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	w := writerFunc(func(p []byte) { close(started) })
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, transport.Command{Shell: "echo started; sleep " + mark + "; echo never", Stdout: &w})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if pids := processesWith("sleep\x00" + mark); len(pids) > 0 {
		t.Errorf("the command's sleep is still running: %v", pids)
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// TestCache reuses one wrapped connection per connection and settings.
func TestCache(t *testing.T) {
	cache := become.NewCache()
	defer cache.Close()
	l := local.New()
	a, _ := cache.Wrap(l, become.Options{})
	b, _ := cache.Wrap(l, become.Options{Method: "sudo", User: "root"})
	other, _ := cache.Wrap(l, become.Options{User: "nobody"})
	if a != b || a == other {
		t.Errorf("cache: same settings gave %p and %p, another user %p", a, b, other)
	}
	if _, err := cache.Wrap(l, become.Options{Method: "pbrun"}); err == nil {
		t.Errorf("an unknown method was wrapped")
	}
}

// TestLocalOtherUser becomes another user on the local connection, with
// sudo and with su (root needs no password for either).
func TestLocalOtherUser(t *testing.T) {
	needRootSudo(t)
	other := testlab.AddUser(t)
	ctx := context.Background()
	for _, method := range []string{"sudo", "su"} {
		t.Run(method, func(t *testing.T) {
			c := wrap(t, local.New(), become.Options{Method: method, User: other.Name})
			res, err := c.Run(ctx, transport.Command{Argv: []string{"id", "-un"}})
			if err != nil || string(res.Stdout) != other.Name+"\n" {
				t.Fatalf("id: %q %q %v", res.Stdout, res.Stderr, err)
			}
			p := filepath.Join(other.Home, method+".txt")
			if err := c.Put(ctx, p, strings.NewReader("mine"), transport.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(p)
			if err != nil || fmt.Sprint(ownerOf(fi)) != uidOf(t, other.Name) {
				t.Errorf("owner of %s: %v %v", p, fi, err)
			}
			if _, err := c.Stat(ctx, "/root/.drover-nothing"); !errors.Is(err, fs.ErrPermission) {
				t.Errorf("stat under /root as %s: %v, want permission denied", other.Name, err)
			}
		})
	}
}

// TestRequireTTY becomes root on a host whose sudoers demand a terminal:
// commands then run on one; file operations fail saying why.
func TestRequireTTY(t *testing.T) {
	f := newFixture(t)
	sudoers(t, f.free.User+"-tty", "Defaults:"+f.free.User+" requiretty\n")
	ctx := context.Background()
	c := wrap(t, f.dial(t, f.free), become.Options{})
	for i := 0; i < 2; i++ {
		res, err := c.Run(ctx, transport.Command{Argv: []string{"id", "-u"}})
		if err != nil || strings.TrimSpace(string(res.Stdout)) != "0" {
			t.Errorf("run %d with requiretty: %q %v", i, res.Stdout, err)
		}
	}
	if _, err := c.Stat(ctx, "/"); err == nil || !strings.Contains(err.Error(), "requiretty") {
		t.Errorf("file operation with requiretty: %v, want an error naming requiretty", err)
	}
}

// TestSuNoLogin becomes, locally with su, a user whose shell refuses to
// run anything: the call ends with the shell's message instead of waiting.
func TestSuNoLogin(t *testing.T) {
	needRootSudo(t)
	other := testlab.AddUser(t)
	if out, err := exec.Command("usermod", "-s", "/usr/sbin/nologin", other.Name).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v %s", err, out)
	}
	c := wrap(t, local.New(), become.Options{Method: "su", User: other.Name, Password: other.Password})
	_, err := c.Run(context.Background(), transport.Command{Argv: []string{"true"}, Stdin: strings.NewReader("input")})
	if err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("su to a nologin user: %v", err)
	}
}

// TestWrapRejects lists settings Wrap refuses before touching the host.
func TestWrapRejects(t *testing.T) {
	for _, tc := range []struct {
		opts become.Options
		want string
	}{
		{become.Options{Method: "doas"}, `"doas" is not supported`},
		{become.Options{Password: "a\nb"}, "line break"},
		{become.Options{Flags: "-H 'unclosed"}, "become_flags"},
	} {
		if _, err := become.Wrap(local.New(), tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts.Method, err, tc.want)
		}
	}
}

// TestConnectionLost checks that when the SSH connection under a become
// goes away, commands and file operations report the host unreachable.
func TestConnectionLost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	base := f.dial(t, f.free)
	c := wrap(t, base, become.Options{})
	if _, err := c.Stat(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	base.Close()
	if _, err := c.Stat(ctx, "/"); !transport.IsUnreachable(err) {
		t.Errorf("stat after the connection closed: %v, want unreachable", err)
	}
	if _, err := c.Run(ctx, transport.Command{Argv: []string{"true"}}); !transport.IsUnreachable(err) {
		t.Errorf("run after the connection closed: %v, want unreachable", err)
	}
}
