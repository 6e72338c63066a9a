package become

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/pkg/sftp"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/internal/sftpfs"
)

// noSFTPServer is what the file session says on a host without
// OpenSSH's sftp-server.
const noSFTPServer = "no sftp-server on the host (install openssh-sftp-server) for file operations"

// sftpPaths are where distributions install OpenSSH's sftp-server.
var sftpPaths = []string{"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
	"/usr/lib/ssh/sftp-server", "/usr/libexec/sftp-server", "/usr/lib/sftp-server"}

// sftpScript finds sftp-server, announces success and becomes it, in the
// become user's home so that relative paths are the user's.
func (c *Conn) sftpScript() string {
	return "for p in " + transport.QuoteArgv(sftpPaths) + `; do if [ -x "$p" ]; then cd "$HOME" 2>/dev/null; ` +
		"echo " + c.marker() + " $$; echo " + c.marker() + ` $$ >&2; exec "$p"; fi; done; ` +
		"echo " + transport.Quote(noSFTPServer) + " >&2; exit 127"
}

// fileHooks are what the connection's file operations (sftpfs) need of
// it.
func (c *Conn) fileHooks() sftpfs.Hooks {
	return sftpfs.Hooks{Host: hostOf(c.conn), Account: accountOf(c.conn) + " as " + c.opts.Method + ":" + c.opts.User,
		Client: c.client, Lost: c.filesLost, Run: c.Run}
}

// accountOf names the user and host conn logs in as, when it says (as the
// ssh transport does); "local" when it does not.
func accountOf(conn transport.Conn) string {
	if a, ok := conn.(interface{ Account() string }); ok {
		return a.Account()
	}
	return "local"
}

// hostOf is the name of the host conn reaches, for trace events, when it
// says (as the ssh transport does); "become" when it does not.
func hostOf(conn transport.Conn) string {
	if n, ok := conn.(interface{ Host() string }); ok {
		return n.Host()
	}
	return "become"
}

// client returns the SFTP client speaking to sftp-server running as the
// become user, starting it on first use and again after it ended.
func (c *Conn) client(ctx context.Context) (*sftp.Client, error) {
	if err := c.authFailed(); err != nil {
		return nil, err
	}
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.closed {
		return nil, errors.New("become: connection closed")
	}
	if s := c.files; s != nil {
		select {
		case <-s.done:
			s.close()
			c.files = nil
		default:
			return s.client, nil
		}
	}
	s, err := c.startFiles(ctx)
	if err != nil {
		return nil, err
	}
	c.files = s
	return s.client, nil
}

// startFiles runs sftp-server as the become user over one command of the
// wrapped connection, answering the password prompt on its standard input
// first (sudo -S and su read exactly one line).
func (c *Conn) startFiles(ctx context.Context) (*filesSession, error) {
	h, err := newHandshake(c.marker(), c.opts.Password, c.promptFunc())
	if err != nil {
		return nil, err
	}
	fromR, fromW := io.Pipe()
	cmd := c.outer(c.sftpScript())
	cmd.Stdin = h.stdinR
	cmd.Stdout, cmd.Stderr = &cutter{h: h, dst: fromW, stdout: true}, &cutter{h: h, dst: io.Discard, watch: true}
	sctx, cancel := context.WithCancel(c.ctx)
	s := &filesSession{cancel: cancel, done: make(chan struct{})}
	go h.feed(func(*os.File) {})
	go func() {
		res, err := c.conn.Run(sctx, cmd)
		h.end()
		if err == nil && !h.succeeded() {
			err = c.becomeError(h, res)
		}
		if err == nil {
			err = fmt.Errorf("become %s: sftp-server ended (exit %d)", c.opts.User, res.ExitCode)
		}
		s.err = err
		_ = fromW.CloseWithError(err)
		close(s.done)
	}()
	select {
	case <-h.ready:
	case <-s.done:
		cancel()
		if errors.Is(s.err, errNeedsTTY) {
			return nil, fmt.Errorf("%w; file operations need it without one (sudoers: Defaults:LOGIN_USER !requiretty)", s.err)
		}
		return nil, s.err
	case <-ctx.Done():
		h.stdinW.Close()
		cancel()
		<-s.done
		return nil, ctx.Err()
	}
	cl, err := sftpfs.NewClient(fromR, h.stdinW)
	if err != nil {
		h.stdinW.Close()
		cancel()
		<-s.done
		return nil, fmt.Errorf("become %s: start sftp-server: %v", c.opts.User, err)
	}
	s.client = cl
	return s, nil
}

// filesLost is the failure of the connection that ended the file session
// when err, an SFTP error that is no status, says its stream broke.
func (c *Conn) filesLost(err error) error {
	if brokenStream(err) {
		return c.sessionLost()
	}
	return nil
}

// brokenStream reports whether err says the SFTP stream to sftp-server
// broke: its output ended or its input was closed, which happens only as
// its command ends.
func brokenStream(err error) bool {
	return errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)
}

// sessionLost waits for the file session, whose SFTP stream broke, to
// end, and returns the failure of the connection that ended it, if that is
// how it ended.
func (c *Conn) sessionLost() error {
	c.sftpMu.Lock()
	s := c.files
	c.sftpMu.Unlock()
	if s == nil {
		return nil
	}
	<-s.done
	if transport.IsUnreachable(s.err) {
		return s.err
	}
	return nil
}
