package become

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// ErrPassword is matched (errors.Is) by the errors of a become that failed
// for its password: none given where one is needed, or a wrong one.
var ErrPassword = errors.New("become password missing or incorrect")

// errNeedsTTY is a become program that refused to run without a terminal.
var errNeedsTTY = errors.New("the become program requires a terminal")

// ttyLine is how sudo (requiretty) and some su say they need a terminal.
var ttyLine = regexp.MustCompile(`(?i)must have a tty|must be run from a terminal|no tty present|a terminal is required`)

// passwordError is a become that failed for its password.
type passwordError struct{ msg string }

func (e *passwordError) Error() string        { return e.msg }
func (e *passwordError) Is(target error) bool { return target == ErrPassword }

// Run runs cmd as the become user. Its exit status, signal and output are
// the command's; a become that failed (wrong password, user not allowed to
// sudo) is an error. On a host whose sudo or su insists on a terminal
// (requiretty) commands run on a pseudo-terminal, learnt from the first
// refusal; their stderr then arrives merged into stdout.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if err := c.authFailed(); err != nil {
		return transport.Result{ExitCode: -1}, err
	}
	if cmd.PTY == nil && c.wantsTTY() {
		cmd.PTY = &transport.PTY{}
	}
	res, err := c.run(ctx, cmd)
	if errors.Is(err, errNeedsTTY) && cmd.PTY == nil {
		c.mu.Lock()
		c.tty = true
		c.mu.Unlock()
		cmd.PTY = &transport.PTY{}
		res, err = c.run(ctx, cmd)
	}
	return res, err
}

// wantsTTY reports whether the host's become program needs a terminal.
func (c *Conn) wantsTTY() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tty
}

// run runs cmd once through the become program.
func (c *Conn) run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	pty := cmd.PTY != nil
	h, err := newHandshake(c.marker(), c.opts.Password, c.promptFunc())
	if err != nil {
		return transport.Result{ExitCode: -1}, err
	}
	var stdout, stderr bytes.Buffer
	out, errw := pick(cmd.Stdout, &stdout), pick(cmd.Stderr, &stderr)
	if cmd.Stdout != nil && sameWriter(cmd.Stdout, cmd.Stderr) {
		lw := &lockedWriter{w: out}
		out, errw = lw, lw
	}
	outer := c.outer(c.script(cmd, !pty))
	outer.Stdin, outer.PTY = h.stdinR, cmd.PTY
	cutOut, cutErr := &cutter{h: h, dst: out, watch: pty, stdout: true}, &cutter{h: h, dst: errw, watch: !pty}
	outer.Stdout, outer.Stderr = cutOut, cutErr
	go h.feed(func(w *os.File) {
		if cmd.Stdin != nil {
			_, _ = io.Copy(w, cmd.Stdin)
		}
		w.Close()
	})
	res, err := c.conn.Run(ctx, outer)
	h.end()
	if err != nil && ctx.Err() != nil {
		c.reap(h.innerPID())
	}
	if err == nil && !h.succeeded() {
		cutErr.flush()
		cutOut.flush()
		return res, c.becomeError(h, res)
	}
	res.Stdout, res.Stderr = collected(cmd.Stdout, &stdout), collected(cmd.Stderr, &stderr)
	return res, err
}

// promptFunc tells the become program's password prompt from other text.
func (c *Conn) promptFunc() func([]byte) bool {
	if c.opts.Method == "su" {
		return suPrompt.Match
	}
	prompt := []byte(c.sudoPrompt())
	return func(b []byte) bool { return bytes.Contains(b, prompt) }
}

// becomeError explains why the become program did not run the command;
// it never contains the password.
func (c *Conn) becomeError(h *handshake, res transport.Result) error {
	said, answered, sorry, prompts := h.summary()
	what := "become " + c.opts.User + " with " + c.opts.Method
	switch {
	case strings.Contains(said, noSFTPServer):
		return fmt.Errorf("%s: %s", what, noSFTPServer)
	case ttyLine.MatchString(said):
		return fmt.Errorf("%s: %w (%s)", what, errNeedsTTY, said)
	case answered && (sorry || prompts > 1):
		err := &passwordError{msg: what + ": incorrect " + c.opts.Method + " password"}
		c.failAuth(err)
		return err
	case !answered && (prompts > 0 || strings.Contains(said, "password is required")):
		err := &passwordError{msg: what + ": a password is required (set ansible_become_password or use -K)"}
		c.failAuth(err)
		return err
	}
	if said == "" {
		said = fmt.Sprintf("exit status %d", res.ExitCode)
		if res.Signal != "" {
			said = "killed by signal " + res.Signal
		}
	}
	return fmt.Errorf("%s failed: %s", what, said)
}

// reapScript stops and kills a process and all its descendants; "$1" is
// its id. It runs as the become user after a cancelled command, since
// cancelling kills only the become program, which cannot pass SIGKILL on.
const reapScript = `k() { kill -STOP "$1" 2>/dev/null; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do k "$c"; done; kill -KILL "$1" 2>/dev/null; }; k "$1"`

// reapTimeout bounds the clean-up after a cancelled command.
const reapTimeout = 30 * time.Second

// reap kills what a cancelled command left running as the become user.
func (c *Conn) reap(pid string) {
	if pid == "" || strings.Trim(pid, "0123456789") != "" {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, reapTimeout)
	defer cancel()
	_, _ = c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", reapScript, "sh", pid}})
}

func pick(w io.Writer, buf *bytes.Buffer) io.Writer {
	if w != nil {
		return w
	}
	return buf
}

func collected(w io.Writer, buf *bytes.Buffer) []byte {
	if w != nil {
		return nil
	}
	return buf.Bytes()
}

// sameWriter reports whether a and b are one comparable writer.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() { _ = recover() }()
	return a == b
}
