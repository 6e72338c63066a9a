package telnet

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/expect"
	"github.com/drover/drover/transport/transporttest"
)

// TestTelnetdCommands logs in to a real telnetd with a real /bin/login and
// runs commands: output, multi-line output, exit statuses, quoting, stdin.
func TestTelnetdCommands(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	c := dialTelnetd(t, d, Config{User: u.Name, Password: u.Password})
	tests := []struct {
		cmd  transport.Command
		out  string
		code int
	}{
		{transport.Command{Shell: "id -un"}, u.Name + "\n", 0},
		{transport.Command{Shell: "printf 'one\\ntwo\\n\\nfour'; exit 7"}, "one\ntwo\n\nfour", 7},
		{transport.Command{Argv: []string{"printf", "[%s]", "it's", "$HOME", "a b"}}, "[it's][$HOME][a b]", 0},
		{transport.Command{Shell: "seq 1 2000 | tail -n 2"}, "1999\n2000\n", 0},
		{transport.Command{Shell: "pwd", Dir: "/tmp"}, "/tmp\n", 0},
		{transport.Command{Shell: `echo "$DROVER_X"`, Env: map[string]string{"DROVER_X": "x y"}}, "x y\n", 0},
		{transport.Command{Shell: "echo bad syntax ("}, "", 2},
		{transport.Command{Argv: []string{"drover-no-such-program"}}, "", 127},
		{transport.Command{Shell: "cat; echo end"}, "end\n", 0},
	}
	for _, tt := range tests {
		res, err := c.Run(testCtx(t), tt.cmd)
		if err != nil {
			t.Fatalf("%q%q: %v", tt.cmd.Argv, tt.cmd.Shell, err)
		}
		if res.ExitCode != tt.code || tt.out != "" && string(res.Stdout) != tt.out {
			t.Errorf("%q%q: exit %d out %q, want %d %q", tt.cmd.Argv, tt.cmd.Shell, res.ExitCode, res.Stdout, tt.code, tt.out)
		}
	}
	big, err := c.Run(testCtx(t), transport.Command{Shell: "seq 1 20000"})
	if err != nil || bytes.Count(big.Stdout, []byte("\n")) != 20000 || !bytes.HasSuffix(big.Stdout, []byte("\n20000\n")) {
		t.Errorf("20000 lines: %v, %d lines", err, bytes.Count(big.Stdout, []byte("\n")))
	}
}

// TestTelnetdWrongPassword: a refused login makes the host unreachable and
// the password shows nowhere.
func TestTelnetdWrongPassword(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	wrong := "Wrong-" + u.Password
	_, err := Dial(testCtx(t), Config{Host: d.Addr, Port: d.Port, User: u.Name, Password: wrong})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("got %v, want an unreachable authentication failure", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), wrong) {
		t.Errorf("the password shows in %v", err)
	}
	cfg := Config{Password: wrong, EnablePassword: "other-secret"}
	if s := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg); strings.Contains(s, wrong) || strings.Contains(s, "other-secret") {
		t.Errorf("Config shows its passwords: %s", s)
	}
}

// TestTelnetdColourPrompt logs in to a bash whose prompt is Debian's colour
// prompt with a window title and bracketed paste.
func TestTelnetdColourPrompt(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	if out, err := exec.Command("usermod", "-s", "/bin/bash", u.Name).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v %s", err, out)
	}
	profile := `PS1='\[\e]0;\u@\h: \w\a\]\[\e[01;32m\]\u@\h\[\e[00m\]:\[\e[01;34m\]\w\[\e[00m\]\$ '` + "\nbind 'set enable-bracketed-paste on' 2>/dev/null\n"
	if err := os.WriteFile(filepath.Join(u.Home, ".bash_profile"), []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dialTelnetd(t, d, Config{User: u.Name, Password: u.Password})
	for i := 0; i < 3; i++ {
		res, err := c.Run(testCtx(t), transport.Command{Shell: fmt.Sprintf("echo round %d; (exit %d)", i, i)})
		if err != nil || string(res.Stdout) != fmt.Sprintf("round %d\n", i) || res.ExitCode != i {
			t.Fatalf("round %d: %v %q %d", i, err, res.Stdout, res.ExitCode)
		}
	}
}

// TestTelnetdEnable runs su to a second user as the enable step, with its
// own password, and a refused one.
func TestTelnetdEnable(t *testing.T) {
	d := startTelnetd(t)
	u, admin := addUser(t), addUser(t)
	cfg := Config{User: u.Name, Password: u.Password, EnableCommand: "su - " + admin.Name, EnablePassword: admin.Password}
	c := dialTelnetd(t, d, cfg)
	res, err := c.Run(testCtx(t), transport.Command{Argv: []string{"id", "-un"}})
	if err != nil || string(res.Stdout) != admin.Name+"\n" {
		t.Fatalf("after enable: %v %q, want %s", err, res.Stdout, admin.Name)
	}
	cfg.Host, cfg.Port, cfg.EnablePassword = d.Addr, d.Port, "not-"+admin.Password
	_, err = Dial(testCtx(t), cfg)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "refused the enable password") || strings.Contains(err.Error(), admin.Password) {
		t.Fatalf("wrong enable password: %v", err)
	}
}

// TestTelnetdExpect drives the asking program over the telnet line: name,
// hidden password, confirmation; the registered transcript holds the
// password and what is shown masks it.
func TestTelnetdExpect(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	script := copyAsker(t, u.Home)
	c := dialTelnetd(t, d, Config{User: u.Name, Password: u.Password})
	const pw = "Tr0ub4dor&3"
	spec, err := expect.ParseArgs(map[string]any{"command": script, "idle_timeout": 10, "steps": []any{
		map[string]any{"name": "name", "expect": map[string]any{"re": `Name: $`, "send": "alice"}},
		map[string]any{"name": "password", "expect": map[string]any{"re": `(?i)password:\s*$`, "send": pw, "secret": true}},
		map[string]any{"name": "confirm", "expect": map[string]any{"re": `Confirm (\w+) \[y/N\]\? $`, "send": "y"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	red := redact.New()
	o, err := expect.Execute(testCtx(t), spec, expect.ConnStarter(c), expect.ExecOptions{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	tr := o.Result.Transcript()
	if o.Failed || o.RC != 0 || !strings.Contains(o.Stdout, "hello alice, your password has 11 characters") {
		t.Fatalf("failed=%v rc=%d msg=%s\n%s", o.Failed, o.RC, o.Msg, red.String(tr))
	}
	if !strings.Contains(tr, "> "+pw) {
		t.Errorf("registered transcript does not hold the password as typed:\n%s", red.String(tr))
	}
	if shown := red.String(tr + o.Stdout); !strings.Contains(shown, "> "+expect.Mask) || strings.Contains(shown, pw) {
		t.Errorf("shown transcript does not mask the password:\n%s", shown)
	}
	spec.Program.Steps[1].Alternatives[0].Pattern = "Passphrase:"
	spec.Program.IdleTimeout = 3e8
	o, err = expect.Execute(testCtx(t), spec, expect.ConnStarter(c), expect.ExecOptions{})
	if err != nil || !o.Failed || !strings.Contains(o.Msg, "step 2 (password) timed out") {
		t.Fatalf("timeout: %v %+v", err, o)
	}
	if res, err := c.Run(testCtx(t), transport.Command{Shell: "echo still here"}); err != nil || string(res.Stdout) != "still here\n" {
		t.Fatalf("after an expect timeout: %v %q", err, res.Stdout)
	}
}

// copyAsker puts the asking program where a test user can run it.
func copyAsker(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("../expect/testdata/asker.sh")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "asker.sh")
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTelnetdConformance runs transport's conformance suite over telnet;
// what a terminal line cannot do is skipped with the reason.
func TestTelnetdConformance(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	terminal := "a telnet session is one terminal: "
	skip := map[string]string{
		"Stdin":        terminal + "input typed on it cannot be ended",
		"StdoutStderr": terminal + "stderr arrives merged into stdout",
		"Signal":       terminal + "the shell reports a killed command as 128+signal",
		"PTY":          terminal + "its size is set once, at login",
		"Dial":         "opening connections from the host is not possible over telnet",
	}
	for _, name := range []string{"PutGet", "PutAtomic", "PutCancel", "PutPrivate", "LargeFile", "Checksum", "Mkdir", "ChmodChownChtimes", "Links", "RenameRemove", "ReadDir", "NotExist"} {
		skip[name] = "file transfer is not possible over telnet"
	}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		return dialTelnetd(t, d, Config{User: u.Name, Password: u.Password}), u.Home
	}, skip)
}

func TestTelnetdFileOpsRefused(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	c := dialTelnetd(t, d, Config{User: u.Name, Password: u.Password})
	err := c.Put(testCtx(t), "/tmp/x", strings.NewReader("x"), transport.PutOptions{})
	if !errors.Is(err, transport.ErrNotSupported) || !strings.Contains(err.Error(), "file transfer is not possible over telnet") {
		t.Errorf("Put: %v", err)
	}
	if _, err := c.Dial(testCtx(t), "tcp", "127.0.0.1:1"); !errors.Is(err, transport.ErrNotSupported) {
		t.Errorf("Dial: %v", err)
	}
}

// TestBusyboxTelnetd logs in through busybox's telnetd where the installed
// busybox has it (Debian's busybox-static does; its busybox does not).
func TestBusyboxTelnetd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("telnetd and /bin/login need root")
	}
	if !busyboxHasTelnetd() {
		t.Skip("this busybox has no telnetd applet (Debian's busybox-static has one); inetutils telnetd is tested instead")
	}
	u := addUser(t)
	port := freePort(t)
	srv := exec.Command("busybox", "telnetd", "-F", "-b", "127.0.0.1", "-p", fmt.Sprint(port), "-l", "/bin/login")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
	})
	var c *Conn
	var err error
	for i := 0; i < 50; i++ {
		if c, err = Dial(testCtx(t), Config{Host: "127.0.0.1", Port: port, User: u.Name, Password: u.Password}); err == nil || !strings.Contains(err.Error(), "refused") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Run(testCtx(t), transport.Command{Shell: "echo $(id -un); exit 5"})
	if err != nil || string(res.Stdout) != u.Name+"\n" || res.ExitCode != 5 {
		t.Fatalf("%v %q %d", err, res.Stdout, res.ExitCode)
	}
}

func busyboxHasTelnetd() bool {
	out, err := exec.Command("busybox", "--list").Output()
	return err == nil && strings.Contains("\n"+string(out), "\ntelnetd\n")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTelnetdGarbledLine: when the shell loses the start of a command line
// (here a login profile's echo function swallows the start marker while a
// flag file exists), Run says so at once instead of waiting for a marker
// that never comes, and the session goes on.
func TestTelnetdGarbledLine(t *testing.T) {
	d := startTelnetd(t)
	u := addUser(t)
	profile := `echo() {
	if [ -e "$HOME/garble" ]; then case "$1" in *_B__) return ;; esac; fi
	command echo "$@"
}
`
	if err := os.WriteFile(filepath.Join(u.Home, ".profile"), []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dialTelnetd(t, d, Config{User: u.Name, Password: u.Password})
	if _, err := c.Run(testCtx(t), transport.Command{Shell: "touch ~/garble"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Run(testCtx(t), transport.Command{Shell: "rm ~/garble"})
	if !errors.Is(err, errGarbled) || transport.IsUnreachable(err) {
		t.Fatalf("garbled line: %v, want errGarbled and a live session", err)
	}
	if res, err := c.Run(testCtx(t), transport.Command{Shell: "echo still here"}); err != nil || string(res.Stdout) != "still here\n" {
		t.Fatalf("after a garbled line: %v %q", err, res.Stdout)
	}
}
