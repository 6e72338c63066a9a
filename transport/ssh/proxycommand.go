package ssh

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// hasProxyCommand reports whether v names a proxy command ("" and "none"
// do not).
func hasProxyCommand(v string) bool {
	return v != "" && !strings.EqualFold(v, "none")
}

// hasJump reports whether v names jump hosts ("" and "none" do not).
func hasJump(v string) bool {
	return strings.TrimSpace(v) != "" && !strings.EqualFold(strings.TrimSpace(v), "none")
}

// proxyTokens are the letters of the tokens a ProxyCommand may hold, and
// proxyTokenList names them for messages.
const (
	proxyTokens    = "hprnkCLludi%"
	proxyTokenList = "%h %p %r %n %k %C %L %l %u %d %i %%"
)

// checkProxy refuses a ProxyCommand with an unknown token, and ProxyJump
// and ProxyCommand set together.
func (c *Config) checkProxy() error {
	if !hasProxyCommand(c.ProxyCommand) {
		return nil
	}
	if hasJump(c.ProxyJump) {
		return errors.New("ProxyJump and ProxyCommand are both set; they are exclusive (OpenSSH uses the first one given)")
	}
	return checkProxyTokens(c.ProxyCommand)
}

// checkProxyTokens reports the first % token of cmd a ProxyCommand may not
// hold.
func checkProxyTokens(cmd string) error {
	_, err := expandPercent(cmd, func(t byte) (string, bool) {
		return "", strings.IndexByte(proxyTokens, t) >= 0
	})
	return err
}

// proxyLine is ProxyCommand with its tokens expanded, or "none".
func (c *Config) proxyLine() (string, error) {
	if !hasProxyCommand(c.ProxyCommand) {
		return "none", nil
	}
	return expandPercent(c.ProxyCommand, c.proxyToken)
}

// proxyToken is the value of the ProxyCommand token %t: OpenSSH's (%h, %p,
// %r, %n, %k, %%) and those it allows in file names (%C, %L, %l, %u, %d,
// %i).
func (c *Config) proxyToken(t byte) (string, bool) {
	switch t {
	case '%':
		return "%", true
	case 'h':
		return c.HostName, true
	case 'p':
		return strconv.Itoa(c.Port), true
	case 'r':
		return c.User, true
	case 'n':
		return c.Host, true
	case 'k':
		if c.HostKeyAlias != "" {
			return c.HostKeyAlias, true
		}
		return c.Host, true
	case 'C':
		return connectionHash(localHostname(), c.HostName, strconv.Itoa(c.Port), c.User), true
	case 'L':
		short, _, _ := strings.Cut(localHostname(), ".")
		return short, true
	case 'l':
		return localHostname(), true
	case 'u':
		return localUser(), true
	case 'd':
		return homeDir(), true
	case 'i':
		return strconv.Itoa(os.Getuid()), true
	}
	return "", false
}

// connectionHash is OpenSSH's %C: the hex SHA-1 of %l%h%p%r.
func connectionHash(local, host, port, user string) string {
	sum := sha1.Sum([]byte(local + host + port + user))
	return hex.EncodeToString(sum[:])
}

func localHostname() string {
	h, _ := os.Hostname()
	return h
}

// expandPercent replaces every %t of s with value(t); an unknown token or
// a lone % at the end is an error, as in OpenSSH.
func expandPercent(s string, value func(byte) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("ProxyCommand %q ends with a lone %%; write %%%% for a literal %%", s)
		}
		v, ok := value(s[i+1])
		if !ok {
			r, _ := utf8.DecodeRuneInString(s[i+1:])
			return "", fmt.Errorf("ProxyCommand %q: unknown token %%%c (known: %s)", s, r, proxyTokenList)
		}
		b.WriteString(v)
		i++
	}
	return b.String(), nil
}

// proxyShell is the shell a proxy command runs with: $SHELL, else
// /bin/sh, as OpenSSH does.
func proxyShell() string {
	if sh := os.Getenv("SHELL"); sh != "" {
		return sh
	}
	return "/bin/sh"
}

// stderrTail is how much of a proxy command's standard error is kept, and
// stderrLines how many of its last lines a message quotes.
const (
	stderrTail  = 4 << 10
	stderrLines = 5
)

// stderrGrace bounds the wait for the rest of a dead proxy command's
// standard error, which a process that left its group may hold open.
const stderrGrace = 250 * time.Millisecond

// proxyConn is a net.Conn over the standard input and output of a proxy
// command. Closing it kills the command's process group and waits for the
// command.
type proxyConn struct {
	cmd  *exec.Cmd
	r    *os.File // the command's standard output
	w    *os.File // its standard input
	errR *os.File // its standard error

	tailMu  sync.Mutex
	tail    []byte        // the end of its standard error
	errDone chan struct{} // closed when errR reached its end

	closeOnce sync.Once
	state     *os.ProcessState
}

// startProxy runs rc's proxy command with its standard input and output on
// pipes, in a session of its own (no terminal to prompt on, a process group
// to kill).
func startProxy(ctx context.Context, rc *Config) (*proxyConn, error) {
	line, err := rc.proxyLine()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var pipes [3][2]*os.File // stdin, stdout, stderr: read and write ends
	for i := range pipes {
		if pipes[i][0], pipes[i][1], err = os.Pipe(); err != nil {
			closeAll(pipes[:i])
			return nil, fmt.Errorf("ProxyCommand: %w", err)
		}
	}
	cmd := exec.Command(proxyShell(), "-c", "exec "+line)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pipes[0][0], pipes[1][1], pipes[2][1]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	for _, f := range []*os.File{pipes[0][0], pipes[1][1], pipes[2][1]} {
		f.Close()
	}
	if err != nil {
		for _, f := range []*os.File{pipes[0][1], pipes[1][0], pipes[2][0]} {
			f.Close()
		}
		return nil, fmt.Errorf("start ProxyCommand: %w", err)
	}
	p := &proxyConn{cmd: cmd, r: pipes[1][0], w: pipes[0][1], errR: pipes[2][0], errDone: make(chan struct{})}
	go p.readStderr()
	return p, nil
}

func closeAll(pipes [][2]*os.File) {
	for _, p := range pipes {
		p[0].Close()
		p[1].Close()
	}
}

// readStderr keeps the last stderrTail bytes of the command's standard
// error.
func (p *proxyConn) readStderr() {
	defer close(p.errDone)
	buf := make([]byte, 1024)
	for {
		n, err := p.errR.Read(buf)
		p.tailMu.Lock()
		p.tail = append(p.tail, buf[:n]...)
		if len(p.tail) > stderrTail {
			p.tail = append(p.tail[:0], p.tail[len(p.tail)-stderrTail:]...)
		}
		p.tailMu.Unlock()
		if err != nil {
			return
		}
	}
}

func (p *proxyConn) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *proxyConn) Write(b []byte) (int, error) { return p.w.Write(b) }

// Close kills the command's process group (before reaping the command, so
// that its id cannot have been reused), closes the pipes and waits for the
// command.
func (p *proxyConn) Close() error {
	p.closeOnce.Do(func() {
		pid := p.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		p.r.Close()
		p.w.Close()
		_ = p.cmd.Wait()
		p.state = p.cmd.ProcessState
		timer := time.NewTimer(stderrGrace)
		select {
		case <-p.errDone:
		case <-timer.C:
		}
		timer.Stop()
		p.errR.Close()
		<-p.errDone
	})
	return nil
}

// explain adds to err how the proxy command ended and the last lines of
// its standard error. The connection must be closed.
func (p *proxyConn) explain(err error) error {
	var parts []string
	if st := p.state; st != nil {
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Exited() && ws.ExitStatus() != 0 {
			parts = append(parts, fmt.Sprintf("ProxyCommand exited with status %d", ws.ExitStatus()))
		} else if ok && ws.Signaled() && ws.Signal() != syscall.SIGKILL {
			parts = append(parts, fmt.Sprintf("ProxyCommand killed by signal %s", ws.Signal()))
		}
	}
	if lines := p.stderrLines(); lines != "" {
		parts = append(parts, "ProxyCommand stderr: "+lines)
	}
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(parts, "; "))
}

// stderrLines is the last non-empty lines of the command's standard
// error, joined with " | ".
func (p *proxyConn) stderrLines() string {
	p.tailMu.Lock()
	text := string(p.tail)
	p.tailMu.Unlock()
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > stderrLines {
		lines = lines[len(lines)-stderrLines:]
	}
	return strings.Join(lines, " | ")
}

func (p *proxyConn) LocalAddr() net.Addr  { return pipeAddr{} }
func (p *proxyConn) RemoteAddr() net.Addr { return pipeAddr{} }

func (p *proxyConn) SetDeadline(t time.Time) error {
	return errors.Join(p.r.SetReadDeadline(t), p.w.SetWriteDeadline(t))
}

func (p *proxyConn) SetReadDeadline(t time.Time) error  { return p.r.SetReadDeadline(t) }
func (p *proxyConn) SetWriteDeadline(t time.Time) error { return p.w.SetWriteDeadline(t) }

// pipeAddr is the address of both ends of a proxy command's pipes.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
