package telnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/expect"
)

// recoverTimeout is how long an interrupted command may take to give the
// prompt back before the session is given up.
const recoverTimeout = 5 * time.Second

// Run types cmd at the prompt and reads its output until the prompt comes
// back. The command runs in a subshell, with /dev/null as its input when
// cmd.Stdin is nil; otherwise cmd.Stdin is typed on the terminal (its end is
// not signalled). Stderr arrives merged into stdout, CR LF turned into LF.
// With NoExitStatus the line is sent as it is and the exit status is 0.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := transport.Result{ExitCode: -1}
	if c.broken != nil {
		return res, c.unreachable("%w", c.broken)
	}
	if c.cfg.CommandTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.CommandTimeout)
		defer cancel()
	}
	var collected bytes.Buffer
	out := &lfWriter{w: cmd.Stdout}
	if cmd.Stdout == nil {
		out.w = &collected
	}
	stopStdin := c.typeStdin(cmd.Stdin)
	var err error
	if c.cfg.NoExitStatus {
		err = c.runAtPrompt(ctx, cmd, out)
		res.ExitCode = 0
	} else {
		res.ExitCode, err = c.runMarked(ctx, cmd, out)
	}
	stopStdin()
	out.flush()
	if cmd.Stdout == nil {
		res.Stdout = collected.Bytes()
	}
	if err != nil {
		res.ExitCode = -1
		return res, c.failed(ctx, err)
	}
	return res, nil
}

// runMarked runs cmd between two markers printed by echo: the first one
// proves the output that follows is the command's (not the echo of the line
// typed), the second carries $?. The markers are written so that their echo
// on the terminal does not look like what echo prints.
func (c *Conn) runMarked(ctx context.Context, cmd transport.Command, out io.Writer) (int, error) {
	id := markerID()
	begin := regexp.MustCompile(`__DROVER_` + id + `_B__\r?\n`)
	end := regexp.MustCompile(`__DROVER_` + id + `_E(\d{1,3})__`)
	body := evalInSubshell(transport.ShellLine(cmd))
	if cmd.Stdin == nil {
		body += " </dev/null"
	}
	line := "echo __DROVER_" + id + "_B''__; " + body + "; echo __DROVER_" + id + "_E$?__"
	if err := c.sess.SendLine(line, false); err != nil {
		return -1, err
	}
	deadline, _ := ctx.Deadline()
	garbled := false
	if err := c.sess.Scan(ctx, deadline, func(buf []byte, _ bool) (int, bool) {
		if loc := begin.FindIndex(buf); loc != nil {
			return loc[1], true
		}
		if loc := end.FindIndex(buf); loc != nil {
			garbled = true
			return loc[1], true
		}
		return 0, false
	}); err != nil {
		return -1, c.waitErr("the command to start", err)
	}
	if garbled {
		return -1, c.garbledLine(ctx, deadline)
	}
	code := -1
	prefix := []byte("__DROVER_" + id + "_E")
	err := c.sess.Scan(ctx, deadline, func(buf []byte, _ bool) (int, bool) {
		if loc := end.FindSubmatchIndex(buf); loc != nil {
			out.Write(buf[:loc[0]])
			code, _ = strconv.Atoi(string(buf[loc[2]:loc[3]]))
			return loc[1], true
		}
		safe := len(buf) - markerStart(buf, prefix)
		out.Write(buf[:safe])
		return safe, false
	})
	if err != nil {
		return -1, c.waitErr("the command to end", err)
	}
	if err := c.sess.Scan(ctx, deadline, skipThrough(regexp.MustCompile(c.cfg.Prompt))); err != nil {
		return code, c.waitErr("the prompt after the command", err)
	}
	return code, nil
}

// errGarbled is a command line the host's shell did not get whole.
var errGarbled = errors.New("the shell lost part of the command line (its start marker never printed); the command may have run in part")

// garbledLine reads through the prompt after a garbled command line and
// returns errGarbled with what the shell printed.
func (c *Conn) garbledLine(ctx context.Context, deadline time.Time) error {
	err := fmt.Errorf("%w; last output: %s", errGarbled, strconv.Quote(c.sess.LastSeen()))
	if serr := c.sess.Scan(ctx, deadline, skipThrough(regexp.MustCompile(c.cfg.Prompt))); serr != nil {
		return c.waitErr("the prompt after a garbled command line", serr)
	}
	return err
}

// waitErr says what a command was waiting for when err ended the wait, and
// what had arrived since (masked).
func (c *Conn) waitErr(what string, err error) error {
	return fmt.Errorf("waiting for %s: %w; last output: %s", what, err, strconv.Quote(c.sess.LastSeen()))
}

// runAtPrompt sends the command line as it is and takes everything up to the
// next prompt as its output, less the echo of the line.
func (c *Conn) runAtPrompt(ctx context.Context, cmd transport.Command, out io.Writer) error {
	line := cmd.Shell
	if len(cmd.Argv) > 0 {
		line = strings.Join(cmd.Argv, " ")
	}
	if err := c.sess.SendLine(line, false); err != nil {
		return err
	}
	prompt := regexp.MustCompile(c.cfg.Prompt)
	deadline, _ := ctx.Deadline()
	err := c.sess.Scan(ctx, deadline, func(buf []byte, _ bool) (int, bool) {
		loc := prompt.FindIndex(buf)
		if loc == nil {
			return 0, false
		}
		text := buf[:loc[0]]
		if i := bytes.IndexByte(text, '\n'); i >= 0 && bytes.Contains(text[:i], []byte(strings.TrimSpace(line))) {
			text = text[i+1:]
		}
		if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1] // the prompt's line starts after the last newline
		} else {
			text = nil
		}
		out.Write(text)
		return loc[1], true
	})
	if err != nil {
		return c.waitErr("the prompt", err)
	}
	return nil
}

// markerStart is the length of the longest end of buf that may be the start
// of an end marker (prefix, up to three digits, "__") still arriving: that
// much output is held back, the rest is the command's.
func markerStart(buf, prefix []byte) int {
	longest := len(prefix) + len("999__") - 1
	for i := max(0, len(buf)-longest); i < len(buf); i++ {
		if mayBeMarker(buf[i:], prefix) {
			return len(buf) - i
		}
	}
	return 0
}

func mayBeMarker(s, prefix []byte) bool {
	if len(s) <= len(prefix) {
		return bytes.HasPrefix(prefix, s)
	}
	if !bytes.HasPrefix(s, prefix) {
		return false
	}
	rest := s[len(prefix):]
	digits := 0
	for digits < len(rest) && digits < 3 && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	return digits == len(rest) || digits > 0 && string(rest[digits:]) == "_"
}

// evalInSubshell is the shell text that runs line in a subshell. It is
// ASCII only: a line with other bytes is spelled out with printf escapes,
// since a telnet server not told otherwise may strip the eighth bit of what
// it is sent.
func evalInSubshell(line string) string {
	ascii := true
	for i := 0; i < len(line); i++ {
		ascii = ascii && line[i] < 0x80
	}
	if ascii {
		return "(eval " + transport.Quote(line) + ")"
	}
	var b strings.Builder
	b.WriteString(`(_l=$(printf '%b_' '`)
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\0%03o`, c)
		}
	}
	b.WriteString(`'); eval "${_l%_}")`)
	return b.String()
}

// skipThrough consumes output up to and including a match of re.
func skipThrough(re *regexp.Regexp) func([]byte, bool) (int, bool) {
	return func(buf []byte, _ bool) (int, bool) {
		if loc := re.FindIndex(buf); loc != nil {
			return loc[1], true
		}
		return 0, false
	}
}

// failed turns a Run error into what Run returns: an interrupted command is
// stopped with Ctrl-C and the session kept if its prompt comes back; a lost
// session makes the host unreachable.
func (c *Conn) failed(ctx context.Context, err error) error {
	if errors.Is(err, errGarbled) {
		return fmt.Errorf("telnet %s: %w", c.cfg.Name, err)
	}
	if ctx.Err() != nil || errors.Is(err, expect.ErrTimeout) {
		if rerr := c.recover(); rerr != nil {
			c.broken = fmt.Errorf("session given up after an interrupted command: %w", rerr)
			c.Close()
		}
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return fmt.Errorf("telnet %s: %w", c.cfg.Name, err)
	}
	c.broken = err
	c.Close()
	return c.unreachable("%w", err)
}

// recover interrupts the running command and waits for the prompt.
func (c *Conn) recover() error {
	if err := c.st.interrupt(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), recoverTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if err := c.sess.Scan(ctx, deadline, skipThrough(regexp.MustCompile(c.cfg.Prompt))); err != nil {
		return c.waitErr("the prompt after Ctrl-C", err)
	}
	if c.cfg.NoExitStatus {
		return nil
	}
	return c.sync()
}

// syncTries is how many times sync types its marker line.
const syncTries = 3

// sync makes sure the shell reads whole lines again after an interrupt: it
// types an echo of a marker until the marker comes back, so that a late
// SIGINT, which throws away the line being read, hits the marker line and
// not the next command.
func (c *Conn) sync() error {
	var err error
	for range syncTries {
		id := markerID()
		if err = c.sess.SendLine("echo __DROVER_"+id+"_S''__", false); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), recoverTimeout)
		deadline, _ := ctx.Deadline()
		err = c.sess.Scan(ctx, deadline, skipThrough(regexp.MustCompile(`__DROVER_`+id+`_S__\r?\n`)))
		if err == nil {
			err = c.sess.Scan(ctx, deadline, skipThrough(regexp.MustCompile(c.cfg.Prompt)))
		}
		cancel()
		if err == nil {
			return nil
		}
	}
	return c.waitErr("the shell to echo a marker after Ctrl-C", err)
}

// typeStdin types r on the terminal while the command runs; the returned
// function stops it, and nothing is typed after it returned.
func (c *Conn) typeStdin(r io.Reader) func() {
	if r == nil {
		return func() {}
	}
	var mu sync.Mutex
	stopped := false
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			mu.Lock()
			if stopped {
				mu.Unlock()
				return
			}
			if n > 0 {
				_ = c.sess.Send(string(buf[:n]), false)
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
	}
}

// markerID is a random word for one command's markers.
func markerID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lfWriter passes output on with CR LF turned into LF; a CR that ends one
// write waits for the next.
type lfWriter struct {
	w       io.Writer
	pending bool
	err     error
}

func (l *lfWriter) Write(p []byte) (int, error) {
	n := len(p)
	if n == 0 || l.err != nil {
		return n, nil
	}
	out := make([]byte, 0, len(p)+1)
	if l.pending {
		l.pending = false
		if p[0] != '\n' {
			out = append(out, '\r')
		}
	}
	if p[len(p)-1] == '\r' {
		l.pending = true
		p = p[:len(p)-1]
	}
	out = append(out, bytes.ReplaceAll(p, []byte("\r\n"), []byte("\n"))...)
	if _, err := l.w.Write(out); err != nil {
		l.err = err
	}
	return n, nil
}

func (l *lfWriter) flush() {
	if l.pending && l.err == nil {
		l.pending = false
		_, l.err = l.w.Write([]byte{'\r'})
	}
}
