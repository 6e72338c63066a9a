package expect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	goexpect "github.com/Netflix/go-expect"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Process is a running program the engine talks to: its terminal output is
// read, answers are written to its terminal.
type Process interface {
	io.Reader
	io.Writer
	// Wait waits for the program to end and returns its exit status, -1 when
	// a signal killed it. Call it after the output ended.
	Wait(ctx context.Context) (int, error)
	// Kill ends the program at once.
	Kill() error
}

// LocalCommand is a program to start on a local pseudo-terminal.
type LocalCommand struct {
	Argv []string // program (looked up in PATH) and arguments
	Dir  string   // working directory; the current one when empty
	Env  []string // "K=V" added to the environment
	Term string   // TERM; "xterm" when empty
	Rows int      // terminal size; 24x80 when zero
	Cols int
	// Cooked keeps the terminal's line discipline, as pexpect (and so
	// Ansible's expect) has it: output newlines arrive as CR LF, Ctrl-C is a
	// signal. Otherwise the terminal is raw: bytes pass unchanged both ways.
	Cooked bool
	// Echo has the terminal echo what is sent, so answers show in the
	// output (secret ones masked).
	Echo bool
}

// ErrNotFound is returned by StartLocal for a program that is not in PATH or
// not executable; its message is pexpect's.
var ErrNotFound = errors.New("command not found")

// Local is a program running on a local pseudo-terminal held by a
// github.com/Netflix/go-expect Console.
type Local struct {
	console *goexpect.Console
	cmd     *exec.Cmd
	out     *coalescer
	done    chan struct{}
	waitErr error
}

// StartLocal starts c on a new pseudo-terminal.
func StartLocal(c LocalCommand) (*Local, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("no command given")
	}
	path, err := exec.LookPath(c.Argv[0])
	if err != nil {
		return nil, fmt.Errorf("%w: The command was not found or was not executable: %s.", ErrNotFound, c.Argv[0])
	}
	console, err := goexpect.NewConsole()
	if err != nil {
		return nil, err
	}
	l := &Local{console: console, out: newCoalescer(), done: make(chan struct{})}
	if err := setupTerminal(console.Tty(), c); err != nil {
		console.Close()
		return nil, err
	}
	l.cmd = localCmd(path, c, console.Tty())
	if err := l.cmd.Start(); err != nil {
		console.Close()
		return nil, err
	}
	// Only the child holds the terminal now, so its end is the output's end.
	console.Tty().Close()
	go l.readConsole()
	go func() {
		l.waitErr = l.cmd.Wait()
		close(l.done)
	}()
	return l, nil
}

func localCmd(path string, c LocalCommand, tty *os.File) *exec.Cmd {
	cmd := exec.Command(path, c.Argv[1:]...)
	cmd.Args[0] = c.Argv[0]
	cmd.Dir = c.Dir
	term := c.Term
	if term == "" {
		term = "xterm"
	}
	cmd.Env = append(append(os.Environ(), "TERM="+term), c.Env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	return cmd
}

// setupTerminal sizes the terminal and sets its mode.
func setupTerminal(tty *os.File, c LocalCommand) error {
	rows, cols := c.Rows, c.Cols
	if rows <= 0 || cols <= 0 {
		rows, cols = 24, 80
	}
	if err := pty.Setsize(tty, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)}); err != nil {
		return err
	}
	fd := int(tty.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	if !c.Cooked {
		makeRaw(t)
	}
	if c.Echo {
		t.Lflag |= unix.ECHO
	} else {
		t.Lflag &^= unix.ECHO
	}
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// makeRaw is cfmakeraw(3).
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
}

// readConsole moves the console's output into l.out through go-expect's
// Expect, one character per call, until the terminal closes.
func (l *Local) readConsole() {
	for {
		m := &anyOutput{}
		s, _ := l.console.Expect(func(o *goexpect.ExpectOpts) error {
			o.Matchers = append(o.Matchers, m)
			return nil
		})
		if s != "" {
			l.out.put([]byte(s))
		}
		if m.err != nil {
			if errors.Is(m.err, syscall.EIO) || errors.Is(m.err, os.ErrClosed) {
				m.err = io.EOF
			}
			l.out.fail(m.err)
			return
		}
	}
}

// anyOutput is a go-expect matcher satisfied by any output or any error.
type anyOutput struct{ err error }

func (a *anyOutput) Match(v any) bool {
	switch v := v.(type) {
	case error:
		a.err = v
		return true
	case interface{ Len() int }:
		return v.Len() > 0
	}
	return false
}

func (a *anyOutput) Criteria() any { return "any output" }

// Read reads the program's terminal output.
func (l *Local) Read(p []byte) (int, error) { return l.out.Read(p) }

// Write types p on the program's terminal.
func (l *Local) Write(p []byte) (int, error) { return l.console.Write(p) }

// Wait waits for the program to end.
func (l *Local) Wait(ctx context.Context) (int, error) {
	select {
	case <-l.done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	l.console.Close()
	var ee *exec.ExitError
	switch {
	case l.waitErr == nil:
		return 0, nil
	case errors.As(l.waitErr, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, nil
		}
		return ee.ExitCode(), nil
	}
	return -1, l.waitErr
}

// Kill kills the program and everything it started on its terminal.
func (l *Local) Kill() error {
	err := syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
	<-l.done
	l.console.Close()
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// coalescer hands bytes from one goroutine to a reader, joining everything
// that arrived since the last read.
type coalescer struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	err  error
}

func newCoalescer() *coalescer {
	c := &coalescer{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *coalescer) put(p []byte) {
	c.mu.Lock()
	c.buf = append(c.buf, p...)
	c.mu.Unlock()
	c.cond.Signal()
}

func (c *coalescer) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	c.cond.Broadcast()
}

func (c *coalescer) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.buf) == 0 && c.err == nil {
		c.cond.Wait()
	}
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return 0, c.err
}
