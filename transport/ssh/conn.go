package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/internal/sftpfs"
)

// maxSessions bounds the commands running at once over one connection:
// OpenSSH's sshd allows 10 sessions per connection by default (MaxSessions)
// and the SFTP subsystem takes one.
const maxSessions = 8

// Conn is an authenticated SSH connection to one host. It implements
// transport.Conn.
type Conn struct {
	*fileOps // the file operations, over the connection's SFTP client

	cfg    Config
	client *ssh.Client
	owned  *Conn      // jump connection closed with this one
	proxy  *proxyConn // the proxy command the connection runs over, if any
	slots  chan struct{}

	sftpMu sync.Mutex
	sftp   *sftp.Client

	closeOnce sync.Once
	closed    chan struct{}
	mu        sync.Mutex
	cause     error // why the connection ended, when it was not Close

	alive keepalive
}

// fileOps are a connection's file operations, embedded under a name of
// the package's own.
type fileOps = sftpfs.FS

// keepalive is the state of a connection's keepalive probes.
type keepalive struct {
	mu       sync.Mutex
	timer    *time.Timer
	interval time.Duration
	countMax int
	pending  bool // a probe awaits its answer
	missed   int  // probes sent while one was pending
}

var _ transport.Conn = (*Conn)(nil)

// newConn makes the Conn of an authenticated connection; chans and reqs
// are what the host opens and asks on its own.
func newConn(rc Config, conn ssh.Conn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request, proxy *proxyConn) *Conn {
	// One goroutine serves what ssh.NewClient serves with three (and the
	// watch for the end of the connection would be a fourth): with a
	// thousand hosts, each goroutine less is a few MiB of stacks less.
	// Remote forwarding, which needs NewClient's, is not used.
	client := &ssh.Client{Conn: conn}
	c := &Conn{cfg: rc, client: client, proxy: proxy, slots: make(chan struct{}, maxSessions), closed: make(chan struct{})}
	c.fileOps = sftpfs.New(c.fileHooks())
	go c.serve(chans, reqs)
	if rc.ServerAliveInterval > 0 {
		c.alive.interval, c.alive.countMax = rc.ServerAliveInterval, rc.ServerAliveCountMax
		c.alive.mu.Lock()
		c.alive.timer = time.AfterFunc(rc.ServerAliveInterval, c.probe)
		c.alive.mu.Unlock()
	}
	return c
}

// Config is the resolved configuration the connection was made with.
func (c *Conn) Config() Config { return c.cfg }

// Host is the name of the host the connection reaches (Config.Host).
func (c *Conn) Host() string { return c.cfg.Host }

// Account is the user and host the connection logs in as, "user@host:port":
// whom the files it writes belong to.
func (c *Conn) Account() string { return c.cfg.User + "@" + c.cfg.Addr() }

// Client is the underlying SSH client.
func (c *Conn) Client() *ssh.Client { return c.client }

// serve refuses the requests and channels the host sends on its own (as
// OpenSSH's client and ssh.Client do) until the connection ends, then
// records why it ended.
func (c *Conn) serve(chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	for chans != nil || reqs != nil {
		select {
		case r, ok := <-reqs:
			if !ok {
				reqs = nil
			} else {
				_ = r.Reply(false, nil)
			}
		case ch, ok := <-chans:
			if !ok {
				chans = nil
			} else {
				_ = ch.Reject(ssh.UnknownChannelType, "unknown channel type: "+ch.ChannelType())
			}
		}
	}
	err := c.client.Wait()
	if err == nil {
		err = io.EOF
	}
	if c.proxy != nil && c.Alive() {
		c.proxy.Close()
		err = c.proxy.explain(err)
	}
	c.fail(fmt.Errorf("connection lost: %w", err))
}

// fail closes the connection for a reason other than Close.
func (c *Conn) fail(cause error) {
	c.mu.Lock()
	if c.cause == nil {
		select {
		case <-c.closed:
		default:
			c.cause = cause
		}
	}
	c.mu.Unlock()
	c.shutdown()
}

// probe runs every keepalive interval (on a timer, not a goroutine of its
// own): it sends a keepalive unless one still awaits its answer, and closes
// the connection when countMax intervals passed without one.
func (c *Conn) probe() {
	k := &c.alive
	k.mu.Lock()
	if !c.Alive() {
		k.mu.Unlock()
		return
	}
	k.timer.Reset(k.interval)
	if k.pending {
		k.missed++
		gone := k.missed >= k.countMax
		k.mu.Unlock()
		if gone {
			c.fail(fmt.Errorf("no answer to %d keepalives %s apart: host is gone", k.countMax, k.interval))
		}
		return
	}
	k.pending = true
	k.mu.Unlock()
	if _, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil); err == nil {
		k.mu.Lock()
		k.pending, k.missed = false, 0
		k.mu.Unlock()
	}
}

// check asks the server whether the connection still works (a session
// that ended oddly may mean it does not) and closes it when it does not.
func (c *Conn) check() bool {
	answered := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			c.fail(fmt.Errorf("connection lost: %w", err))
		}
	case <-c.closed:
	case <-time.After(c.cfg.ConnectTimeout):
		c.fail(fmt.Errorf("no answer from the host within %s", c.cfg.ConnectTimeout))
	}
	return c.Alive()
}

// Close ends the connection, every command still running over it and any
// jump connection it owns.
func (c *Conn) Close() error {
	c.shutdown()
	return nil
}

func (c *Conn) shutdown() {
	c.closeOnce.Do(func() {
		defer trace.Start(context.Background(), c.cfg.Host, "close", "")(nil)
		close(c.closed)
		c.alive.mu.Lock()
		if c.alive.timer != nil {
			c.alive.timer.Stop()
		}
		c.alive.mu.Unlock()
		// The connection goes first: closing the SFTP client alone waits a
		// round trip for the server to end the subsystem.
		c.client.Close()
		c.sftpMu.Lock()
		if c.sftp != nil {
			c.sftp.Close()
		}
		c.sftpMu.Unlock()
		if c.owned != nil {
			c.owned.Close()
		}
	})
}

// Alive reports whether the connection is still open.
func (c *Conn) Alive() bool {
	select {
	case <-c.closed:
		return false
	default:
		return true
	}
}

// lost converts err into an UnreachableError when the connection has
// ended.
func (c *Conn) lost(err error) error {
	if err == nil || (c.Alive() && c.check()) {
		return err
	}
	c.mu.Lock()
	cause := c.cause
	c.mu.Unlock()
	if cause == nil {
		cause = errors.New("connection closed")
	}
	return &transport.UnreachableError{Host: c.cfg.Host, Err: cause}
}

// acquire takes a session slot, or fails when ctx ends first.
func (c *Conn) acquire(ctx context.Context) error {
	select {
	case c.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return c.lost(errors.New("connection closed"))
	}
}

func (c *Conn) release() { <-c.slots }

// errNUL is the error of a command line holding a NUL byte.
var errNUL = errors.New("the command line contains a NUL byte, which no shell can run")

// Run executes cmd in a session of its own.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (res transport.Result, err error) {
	line := transport.ShellLine(cmd)
	defer trace.Start(ctx, c.cfg.Host, "run", line)(err)
	if strings.IndexByte(line, 0) >= 0 {
		return transport.Result{}, errNUL // sshd would drop the connection
	}
	if err := c.acquire(ctx); err != nil {
		return transport.Result{}, err
	}
	defer c.release()
	sess, err := c.client.NewSession()
	if err != nil {
		return transport.Result{}, c.lost(fmt.Errorf("open session: %w", err))
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	out, errw := &gate{w: pick(cmd.Stdout, &stdout)}, &gate{w: pick(cmd.Stderr, &stderr)}
	if cmd.Stdout != nil && sameWriter(cmd.Stdout, cmd.Stderr) {
		errw = out
	}
	start, lead := line, c.leaderFor(cmd)
	if lead != nil {
		start, errw = leaderLine+line, &gate{w: errw, lead: lead}
	}
	sess.Stdout, sess.Stderr = out, errw
	if err := c.setup(sess, cmd); err != nil {
		return transport.Result{}, c.lost(err)
	}
	res, err = c.wait(ctx, sess, start, cmd.Stdin, lead)
	out.shut()
	errw.shut()
	res.Stdout, res.Stderr = collected(cmd.Stdout, &stdout), collected(cmd.Stderr, &stderr)
	return res, err
}

// setup requests the pseudo-terminal a command asks for.
func (c *Conn) setup(sess *ssh.Session, cmd transport.Command) error {
	if cmd.PTY == nil {
		return nil
	}
	rows, cols, term := cmd.PTY.Rows, cmd.PTY.Cols, cmd.PTY.Term
	if rows == 0 || cols == 0 {
		rows, cols = 24, 80
	}
	if term == "" {
		term = "xterm"
	}
	return sess.RequestPty(term, rows, cols, ssh.TerminalModes{})
}

// wait starts line, feeds stdin and waits for the exit status; ctx ending
// sends KILL to the command and closes the session, and kills the
// command's process group through lead where sshd does not pass signals
// on.
func (c *Conn) wait(ctx context.Context, sess *ssh.Session, line string, stdin io.Reader, lead *leader) (transport.Result, error) {
	in, err := sess.StdinPipe()
	if err != nil {
		return transport.Result{}, err
	}
	if err := sess.Start(line); err != nil {
		return transport.Result{}, c.lost(fmt.Errorf("start command: %w", err))
	}
	if stdin == nil {
		in.Close()
	} else {
		go feed(in, stdin)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		c.reap(lead, done)
		sess.Close()
		return transport.Result{ExitCode: -1, Signal: "KILL"}, ctx.Err()
	case <-c.closed:
		return transport.Result{ExitCode: -1}, c.lost(errors.New("connection closed"))
	}
	return c.status(err)
}

// feed copies stdin to the command and closes its input at the end.
func feed(in io.WriteCloser, stdin io.Reader) {
	_, _ = io.Copy(in, stdin)
	in.Close()
}

// status turns the session's end into a Result.
func (c *Conn) status(err error) (transport.Result, error) {
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return transport.Result{}, nil
	case errors.As(err, &exit):
		if exit.Signal() != "" {
			return transport.Result{ExitCode: -1, Signal: exit.Signal()}, nil
		}
		return transport.Result{ExitCode: exit.ExitStatus()}, nil
	}
	if !c.check() {
		return transport.Result{ExitCode: -1}, c.lost(err)
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return transport.Result{ExitCode: -1}, fmt.Errorf("%s: command ended without an exit status", c.cfg.Host)
	}
	return transport.Result{ExitCode: -1}, err
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

// gate serialises writes to w (stdout and stderr may share it) and drops
// those that arrive after Run returned, when a cancelled session's output
// is still draining.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
	lead   *leader // reads the leader line first, when the command prints one
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	if g.lead != nil && !g.lead.read() {
		n := len(p)
		if p = g.lead.take(p); len(p) == 0 {
			return n, nil
		}
		_, err := g.w.Write(p)
		return n, err
	}
	return g.w.Write(p)
}

// ReadFrom copies r to the gate. The session's output goes through here:
// the buffer starts small and grows only while reads fill it, so the many
// commands whose output is a few lines do not each hold 64 KiB (what
// io.Copy takes for stdout and stderr) while they run.
func (g *gate) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 512)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			total += int64(n)
			if _, werr := g.Write(buf[:n]); werr != nil {
				return total, werr
			}
			if n == len(buf) && len(buf) < maxOutputRead {
				buf = make([]byte, 2*len(buf))
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// maxOutputRead is the largest read of a command's output: a channel
// packet.
const maxOutputRead = 32 << 10

// shut stops all further writes.
func (g *gate) shut() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// Dial opens a TCP connection from the host to addr (direct-tcpip): the
// host resolves and connects.
func (c *Conn) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil, fmt.Errorf("dial %s %s: only tcp: %w", network, addr, transport.ErrNotSupported)
	}
	nc, err := c.client.DialContext(ctx, network, addr)
	if err != nil {
		return nil, c.lost(fmt.Errorf("dial %s from %s: %w", addr, c.cfg.Host, err))
	}
	return nc, nil
}
