// Package become runs commands and file operations on a host as another
// user (Ansible's become): a transport.Conn wrapped by Wrap works as
// Options.User through sudo or su. Cache keeps one wrapped connection per
// connection and settings for a run.
//
// # Commands
//
// Every command runs as
//
//	exec sudo -H -S -n -p PROMPT -u USER /bin/sh -c 'echo MARKER $$; echo MARKER $$ >&2; …command…'
//
// (or exec su USER -c '/bin/sh -c …', without "-", as Ansible runs su), with
// Env, Dir and Argv/Shell rendered by transport.ShellLine inside the inner
// shell, so that sudo's env_reset cannot drop them. Without a Dir the
// command starts in the become user's home, its login directory. The
// marker, a random key printed by the inner shell once sudo or su let it
// run, tells that become succeeded; everything before it is the become
// program's own output and is cut. Exit statuses and signals are the
// command's. A cancelled command is killed with everything it started: the
// wrapped connection's cancel kills only sudo, which cannot pass SIGKILL on,
// so the inner shell's process tree is killed as the become user afterwards.
//
// # Passwords
//
// The password is never on a command line, in an environment variable or in
// a file on the host. sudo runs with -S and a unique prompt
// ('[sudo via drover, key=…] password:'); when that prompt appears on the
// command's stderr the password is written, once, to the command's standard
// input, and the caller's input follows only after the marker, so sudo never
// reads it. su (util-linux) reads its password from standard input the same
// way; its prompt is recognised in the languages Ansible knows. A second
// prompt, or sudo's "Sorry, try again", means the password was wrong: the
// input is closed, the call fails with an error matching ErrPassword that
// does not contain the password, and the connection fails every later call
// the same way instead of trying again (each try counts against the
// account's lock-out). Options.Redact registers the password as a secret.
//
// Unlike Ansible, which answers the prompt on a pseudo-terminal, stdout and
// stderr stay separate and standard input keeps its end of file, also with
// a password (with a PTY the two streams merge and input has no end). A
// terminal is used only when the caller asks for one
// (transport.Command.PTY), where the prompt is answered on it, or when sudo
// refuses to run without one (requiretty), which the connection learns from
// the first refusal; stderr then arrives merged into stdout.
//
// Every command authenticates anew: Debian's sudo keeps its timestamp per
// terminal (timestamp_type=tty, or per parent process without one), so an
// authentication never carries over to the next SSH session. With a
// password this costs the host's password hashing on each command.
//
// # Files
//
// File operations go through OpenSSH's sftp-server, started as the become
// user by the same sudo or su command line and spoken to with
// github.com/pkg/sftp over that command's standard input and output: one
// such session per wrapped connection, started on first use (the password
// answers the prompt on the session's own standard input before any SFTP
// byte flows; sudo -S and su read exactly one line), restarted if it ends,
// and stopped by Close. Put is atomic (temporary name, then rename) and
// errors satisfy fs.ErrNotExist, fs.ErrPermission and fs.ErrExist as
// transport.Conn requires. A host without sftp-server, or whose sudo
// requires a terminal, fails file operations with an error saying so.
//
// Dial is the wrapped connection's: the host's network is the same.
package become

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/pkg/sftp"

	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/internal/sftpfs"
)

// Options say whom to become and how.
type Options struct {
	// Method is "sudo" (the default) or "su".
	Method string
	// User is the user to become; "root" when empty.
	User string
	// Password answers the become program's password prompt; empty when none
	// is needed.
	Password string
	// Exe is the become program when it is not the method's name (for
	// example /usr/local/bin/sudo).
	Exe string
	// Flags are the become program's flags (become_flags); for sudo "-H -S -n"
	// when empty, as in Ansible (-n is dropped when a password is given).
	Flags string
	// Redact, when set, is given the password once so that it can be
	// registered as a secret and masked in every output.
	Redact func(secret string)
}

// Conn is a transport.Conn whose commands and file operations run as the
// become user. It does not own the wrapped connection: Close ends only what
// Conn started on it.
type Conn struct {
	*fileOps // the file operations, over the file session's SFTP client

	conn  transport.Conn
	opts  Options
	flags []string
	key   string // random, unique to this Conn: the marker and sudo prompt

	ctx    context.Context // ends when Close is called
	cancel context.CancelFunc

	mu      sync.Mutex
	authErr error // a definitive authentication failure, returned from then on
	tty     bool  // the become program insists on a terminal (requiretty)

	sftpMu sync.Mutex
	files  *filesSession
	closed bool
}

var _ transport.Conn = (*Conn)(nil)

// fileOps are a connection's file operations, embedded under a name of
// the package's own.
type fileOps = sftpfs.FS

// Wrap returns a connection that works on conn's host as opts.User.
func Wrap(conn transport.Conn, opts Options) (transport.Conn, error) {
	if opts.Method == "" {
		opts.Method = "sudo"
	}
	if opts.User == "" {
		opts.User = "root"
	}
	if opts.Method != "sudo" && opts.Method != "su" {
		return nil, fmt.Errorf("become method %q is not supported (sudo, su)", opts.Method)
	}
	if strings.ContainsAny(opts.Password, "\n\r") {
		return nil, errors.New("the become password contains a line break, which sudo and su cannot read")
	}
	flags, err := shlex.Split(opts.Flags)
	if err != nil {
		return nil, fmt.Errorf("become_flags %q: %v", opts.Flags, err)
	}
	if opts.Password != "" && opts.Redact != nil {
		opts.Redact(opts.Password)
	}
	c := &Conn{conn: conn, opts: opts, key: randomKey()}
	c.flags = c.methodFlags(flags, opts.Flags == "")
	c.fileOps = sftpfs.New(c.fileHooks())
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// methodFlags are the flags given to the become program: Ansible's sudo
// defaults when none were set, without -n but with -S when a password must
// be read from standard input.
func (c *Conn) methodFlags(flags []string, defaults bool) []string {
	if c.opts.Method != "sudo" {
		return flags
	}
	if defaults {
		flags = []string{"-H", "-S", "-n"}
	}
	if c.opts.Password == "" {
		return flags
	}
	flags = slices.DeleteFunc(slices.Clone(flags), func(f string) bool { return f == "-n" || f == "--non-interactive" })
	if !slices.Contains(flags, "-S") && !slices.Contains(flags, "--stdin") {
		flags = append(flags, "-S")
	}
	return flags
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Options are the settings the connection was made with (the password
// included).
func (c *Conn) Options() Options { return c.opts }

// Unwrap is the wrapped connection.
func (c *Conn) Unwrap() transport.Conn { return c.conn }

// marker is the line the inner shell prints once become succeeded.
func (c *Conn) marker() string { return "BECOME-SUCCESS-drover-" + c.key }

// sudoPrompt is the unique prompt sudo is told to print.
func (c *Conn) sudoPrompt() string { return "[sudo via drover, key=" + c.key + "] password:" }

// outer is the command that runs the shell script inner as the become
// user. The login shell execs the become program, so that a signal that
// kills the command (which sudo passes on to itself) is the result's.
func (c *Conn) outer(inner string) transport.Command {
	return transport.Command{Shell: "exec " + transport.QuoteArgv(c.argv(inner))}
}

// argv is the command line that runs the shell script inner as the become
// user.
func (c *Conn) argv(inner string) []string {
	exe := c.opts.Exe
	if exe == "" {
		exe = c.opts.Method
	}
	argv := append([]string{exe}, c.flags...)
	if c.opts.Method == "su" {
		return append(argv, c.opts.User, "-c", "/bin/sh -c "+transport.Quote(inner))
	}
	return append(argv, "-p", c.sudoPrompt(), "-u", c.opts.User, "/bin/sh", "-c", inner)
}

// script is the inner shell script that announces success on stdout (and
// on stderr when both) and then runs cmd.
func (c *Conn) script(cmd transport.Command, stderrMarker bool) string {
	s := "echo " + c.marker() + " $$; "
	if stderrMarker {
		s += "echo " + c.marker() + " $$ >&2; "
	}
	if cmd.Dir == "" {
		s += `cd "$HOME" 2>/dev/null; `
	}
	return s + "eval " + transport.Quote(transport.ShellLine(cmd))
}

// Dial opens a connection from the host, as the wrapped connection does.
func (c *Conn) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.conn.Dial(ctx, network, addr)
}

// Close ends the file session and every command still running as the
// become user. The wrapped connection stays open.
func (c *Conn) Close() error {
	c.cancel()
	c.sftpMu.Lock()
	s := c.files
	c.files, c.closed = nil, true
	c.sftpMu.Unlock()
	if s != nil {
		s.close()
	}
	return nil
}

// failAuth remembers a definitive authentication failure.
func (c *Conn) failAuth(err error) {
	c.mu.Lock()
	if c.authErr == nil {
		c.authErr = err
	}
	c.mu.Unlock()
}

// authFailed is the remembered authentication failure, if any.
func (c *Conn) authFailed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authErr
}

// filesSession is a running sftp-server as the become user and the client
// speaking to it.
type filesSession struct {
	client *sftp.Client
	cancel context.CancelFunc
	done   chan struct{} // closed when the server's command ended
	err    error         // how it ended, once done is closed
}

func (s *filesSession) close() {
	s.client.Close()
	s.cancel()
	<-s.done
}
