package telnet

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/transport"
)

const (
	devUser = "admin"
	devPass = "s3cret-Pass"
	devEn   = "en4ble-Secret"
)

func deviceConfig(dev *device) Config {
	return Config{Host: dev.Addr, Port: dev.Port, User: devUser, Password: devPass, NoExitStatus: true, LoginTimeout: 10e9}
}

func dialDevice(t *testing.T, dev *device, cfg Config) *Conn {
	t.Helper()
	c, err := Dial(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func show(t *testing.T, c *Conn, cmd string) string {
	t.Helper()
	res, err := c.Run(testCtx(t), transport.Command{Shell: cmd})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Stdout)
}

var version = map[string]string{"show version": "Emulated IOS 15.2\r\nuptime is 3 weeks\r\n"}

// TestDeviceNegotiation: the device asks for everything a server may ask;
// drover accepts ECHO, SUPPRESS-GO-AHEAD, NAWS and TERMINAL-TYPE and refuses
// the rest, answers the terminal-type request and sends its window size.
func TestDeviceNegotiation(t *testing.T) {
	r := router{user: devUser, password: devPass, answers: version, echo: true, preamble: []string{
		iac(cmdWILL, optEcho) + iac(cmdWILL, optSGA) + iac(cmdDO, optTTYPE) + iac(cmdDO, optNAWS),
		iac(cmdDO, optBinary) + iac(cmdWILL, optBinary) + iac(cmdDO, 34) + iac(cmdWILL, 5) + iac(cmdDO, 39) + iac(cmdDO, optEcho),
		iac(cmdSB, optTTYPE, ttypeSEND, cmdIAC, cmdSE),
		"User Access Verification\r\n",
	}}
	dev := startDevice(t, r.run)
	cfg := deviceConfig(dev)
	cfg.Term, cfg.Cols, cfg.Rows = "VT100", 132, 40
	c := dialDevice(t, dev, cfg)
	if out := show(t, c, "show version"); !strings.Contains(out, "Emulated IOS 15.2\nuptime is 3 weeks\n") {
		t.Errorf("show version: %q", out)
	}
	got := dev.last().received()
	want := []string{
		"DO 1",                                             // the device may echo
		"WONT 0", "WONT 34", "DONT 5", "WONT 39", "WONT 1", // refused
		"SB 24 0 VT100",                      // terminal type
		"SB 31 132x40",                       // window size
		"DO 3", "DO 0", "WILL 24", "WILL 31", // drover's own offers
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("the client did not send %q; it sent %q", w, got)
		}
	}
	for _, unwanted := range []string{"DONT 1", "DONT 3", "WONT 24", "WONT 31", "WILL 1", "DONT 0", "WILL 0"} {
		if slices.Contains(got, unwanted) {
			t.Errorf("the client sent %q: %q", unwanted, got)
		}
	}
}

// TestDeviceNegotiationLoop: a device that keeps offering ECHO, and one
// that keeps refusing what drover offered, get one answer each time the
// state changes and no more.
func TestDeviceNegotiationLoop(t *testing.T) {
	storm := strings.Repeat(iac(cmdWILL, optEcho)+iac(cmdDO, optNAWS)+iac(cmdDONT, optTTYPE)+iac(cmdWONT, optSGA), 50)
	r := router{user: devUser, password: devPass, answers: version, preamble: []string{storm, storm, iac(cmdWONT, optEcho) + iac(cmdWILL, optEcho)}}
	dev := startDevice(t, r.run)
	c := dialDevice(t, dev, deviceConfig(dev))
	show(t, c, "show version")
	d := dev.last()
	counts := map[string]int{"DO 1": 2, "DONT 1": 1, "SB 31 80x24": 1, "WILL 31": 1, "WONT 24": 0, "DONT 3": 0, "WILL 24": 1, "DO 3": 1}
	for cmd, want := range counts {
		if got := d.count(cmd); got != want {
			t.Errorf("%q sent %d times, want %d (all: %q)", cmd, got, want, d.received())
		}
	}
}

// TestDeviceSplitCommands: IACs split across reads, in the middle of
// prompts, IAC IAC as data, CR NUL and go-aheads after each prompt.
func TestDeviceSplitCommands(t *testing.T) {
	r := router{user: devUser, password: devPass, ga: true, answers: map[string]string{
		"show bytes": "ff:\xff\xff end\r\nbare\r\x00cr\r\n",
		"show split": "par" + string([]byte{cmdIAC}),
	}, preamble: []string{
		"Wel", string([]byte{cmdIAC}), string([]byte{cmdWILL}), string([]byte{optEcho}), "come\r", string([]byte{cmdIAC, cmdDO}), string([]byte{optTTYPE}),
		"\x00\r\n", string([]byte{cmdIAC, cmdSB}), string([]byte{optTTYPE, ttypeSEND, cmdIAC}), string([]byte{cmdSE}),
		"User", iac(cmdNOP), "name", iac(cmdGA), "? no, wait",
	}}
	dev := startDevice(t, r.run)
	c := dialDevice(t, dev, deviceConfig(dev))
	if out := show(t, c, "show bytes"); out != "ff:\xff end\nbare\rcr\n\n" {
		t.Errorf("show bytes: %q", out)
	}
	got := dev.last().received()
	if !slices.Contains(got, "DO 1") || !slices.Contains(got, "SB 24 0 XTERM") {
		t.Errorf("split negotiation not answered: %q", got)
	}
}

// TestDeviceSlowBanner: a banner that arrives a few bytes at a time and
// says "login:" in passing does not fool the login prompt.
func TestDeviceSlowBanner(t *testing.T) {
	banner := "*** Authorized users only. Please login: with your own account. ***\r\nLast login: yesterday\r\n"
	var parts []string
	for i := 0; i < len(banner); i += 3 {
		parts = append(parts, banner[i:min(i+3, len(banner))])
	}
	r := router{user: devUser, password: devPass, answers: version, echo: true, preamble: parts}
	dev := startDevice(t, r.run)
	cfg := deviceConfig(dev)
	cfg.PromptSettle = 500 * time.Millisecond // far longer than the pauses in the banner, even on a busy machine
	c := dialDevice(t, dev, cfg)
	show(t, c, "show version")
	if lines := dev.last().lines; len(lines) < 2 || lines[0] != devUser || lines[1] != devPass {
		t.Errorf("the device read %q", lines)
	}
}

// TestDeviceWrongPassword: the host is unreachable, the password is not in
// the error, and the line endings on the wire were CR LF.
func TestDeviceWrongPassword(t *testing.T) {
	r := router{user: devUser, password: devPass, answers: version, echo: true}
	dev := startDevice(t, r.run)
	cfg := deviceConfig(dev)
	cfg.Password = "Not-" + devPass
	_, err := Dial(testCtx(t), cfg)
	var u *transport.UnreachableError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("got %v, want an authentication failure", err)
	}
	if strings.Contains(err.Error(), cfg.Password) {
		t.Errorf("the password shows in %q", err)
	}
	if raw := dev.last().raw.String(); !strings.Contains(raw, devUser+"\r\n") {
		t.Errorf("the user name was not sent with CR LF: %q", raw)
	}
}

// TestDeviceEnable: the enable step with its own password, and refused.
func TestDeviceEnable(t *testing.T) {
	r := router{user: devUser, password: devPass, enable: devEn, echo: true, answers: version}
	dev := startDevice(t, r.run)
	cfg := deviceConfig(dev)
	cfg.EnablePassword = devEn
	cfg.Prompt = `router[>#]$`
	c := dialDevice(t, dev, cfg)
	if out := show(t, c, "show version"); !strings.Contains(out, "Emulated IOS") {
		t.Errorf("show version after enable: %q", out)
	}
	cfg.EnablePassword = "wrong-enable"
	_, err := Dial(testCtx(t), cfg)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), `"enable" failed`) || strings.Contains(err.Error(), "wrong-enable") {
		t.Fatalf("wrong enable password: %v", err)
	}
}

// TestDeviceTimeouts: a device that never prompts times the login out with
// what it printed; a command whose prompt never comes back is interrupted.
func TestDeviceTimeouts(t *testing.T) {
	dev := startDevice(t, func(d *devConn) {
		d.send("Welcome, token=" + devPass + "\r\n")
		d.readLine(false)
	})
	cfg := deviceConfig(dev)
	cfg.LoginTimeout = 2e8
	_, err := Dial(testCtx(t), cfg)
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "login timed out after 200ms waiting for the login prompt") ||
		strings.Contains(err.Error(), devPass) || !strings.Contains(err.Error(), "token=********") {
		t.Fatalf("got %v", err)
	}
}
