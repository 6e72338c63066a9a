package become

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/sftp"

	"github.com/drover/drover/transport"
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
	cl, err := sftp.NewClientPipe(fromR, h.stdinW, sftp.UseConcurrentWrites(true), sftp.UseConcurrentReads(true),
		sftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		h.stdinW.Close()
		cancel()
		<-s.done
		return nil, fmt.Errorf("become %s: start sftp-server: %v", c.opts.User, err)
	}
	s.client = cl
	return s, nil
}

// fsErr maps SFTP errors onto io/fs errors, and an error of a file
// session that ended because the connection failed onto that failure (an
// *UnreachableError).
func (c *Conn) fsErr(op, p string, err error) error {
	if err == nil || transport.IsUnreachable(err) {
		return err
	}
	if brokenStream(err) {
		if lost := c.sessionLost(); lost != nil {
			return lost
		}
	}
	var se *sftp.StatusError
	if errors.As(err, &se) {
		switch se.FxCode() {
		case sftp.ErrSSHFxNoSuchFile:
			return &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
		case sftp.ErrSSHFxPermissionDenied:
			return &fs.PathError{Op: op, Path: p, Err: fs.ErrPermission}
		}
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist) {
		return &fs.PathError{Op: op, Path: p, Err: err}
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
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

// Put writes r to a temporary file beside dst and renames it over dst.
func (c *Conn) Put(ctx context.Context, dst string, r io.Reader, opts transport.PutOptions) error {
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(dst), "."+path.Base(dst)+".drover-"+randomKey()[:12])
	err = c.writeTemp(ctx, cl, tmp, r, opts)
	if err == nil {
		err = c.fsErr("rename", dst, cl.PosixRename(tmp, dst))
	}
	if err != nil {
		_ = cl.Remove(tmp)
	}
	return err
}

func (c *Conn) writeTemp(ctx context.Context, cl *sftp.Client, tmp string, r io.Reader, opts transport.PutOptions) error {
	f, err := cl.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return c.fsErr("create", tmp, err)
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
	}
	_, err = io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		mt := opts.ModTime
		if mt.IsZero() {
			mt = time.Now()
		}
		err = cl.Chtimes(tmp, mt, mt)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.fsErr("write", tmp, err)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Get streams the file at p into w.
func (c *Conn) Get(ctx context.Context, p string, w io.Writer) error {
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	f, err := cl.Open(p)
	if err != nil {
		return c.fsErr("open", p, err)
	}
	defer f.Close()
	_, err = io.Copy(w, ctxReader{ctx, f})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.fsErr("read", p, err)
}

// smallFile is the size up to which Checksum reads the file over SFTP and
// hashes it here; larger files are hashed on the host, as the ssh
// transport does.
const smallFile = 256 << 10

// checksumScript hashes "$1" with the first SHA-1 tool the host has.
const checksumScript = `if command -v sha1sum >/dev/null 2>&1; then sha1sum < "$1"
elif command -v shasum >/dev/null 2>&1; then shasum -a 1 < "$1"
else openssl sha1 -r < "$1"; fi`

// Checksum returns the SHA-1 of the file at p, read as the become user.
func (c *Conn) Checksum(ctx context.Context, p string) (string, error) {
	fi, err := c.Stat(ctx, p)
	if err != nil {
		return "", err
	}
	if !fi.Mode.IsRegular() || fi.Size <= smallFile {
		h := sha1.New()
		if err := c.Get(ctx, p, h); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"sh", "-c", checksumScript, "sh", p}})
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(res.Stdout))
	if res.ExitCode != 0 || len(fields) == 0 || len(fields[0]) != 40 {
		return "", fmt.Errorf("checksum %s: exit %d: %s", p, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return strings.ToLower(fields[0]), nil
}

// Stat describes p, following links.
func (c *Conn) Stat(ctx context.Context, p string) (transport.FileInfo, error) {
	return c.stat(ctx, "stat", p, (*sftp.Client).Stat)
}

// Lstat describes p itself.
func (c *Conn) Lstat(ctx context.Context, p string) (transport.FileInfo, error) {
	return c.stat(ctx, "lstat", p, (*sftp.Client).Lstat)
}

func (c *Conn) stat(ctx context.Context, op, p string, f func(*sftp.Client, string) (os.FileInfo, error)) (transport.FileInfo, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return transport.FileInfo{}, err
	}
	fi, err := f(cl, p)
	if err != nil {
		return transport.FileInfo{}, c.fsErr(op, p, err)
	}
	return info(fi), nil
}

func info(fi fs.FileInfo) transport.FileInfo {
	out := transport.FileInfo{Name: fi.Name(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime(), UID: -1, GID: -1}
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		out.UID, out.GID = int(st.UID), int(st.GID)
	}
	return out
}

// ReadDir lists the directory at p, sorted by name.
func (c *Conn) ReadDir(ctx context.Context, p string) ([]transport.FileInfo, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return nil, err
	}
	list, err := cl.ReadDirContext(ctx, p)
	if err != nil {
		return nil, c.fsErr("readdir", p, err)
	}
	out := make([]transport.FileInfo, 0, len(list))
	for _, fi := range list {
		out = append(out, info(fi))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// op runs one SFTP operation on path p.
func (c *Conn) op(ctx context.Context, name, p string, f func(cl *sftp.Client) error) error {
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	return c.fsErr(name, p, f(cl))
}

// Readlink returns the target of the link at p.
func (c *Conn) Readlink(ctx context.Context, p string) (string, error) {
	var target string
	err := c.op(ctx, "readlink", p, func(cl *sftp.Client) error {
		var err error
		target, err = cl.ReadLink(p)
		return err
	})
	return target, err
}

// Mkdir creates one directory with exactly mode.
func (c *Conn) Mkdir(ctx context.Context, p string, mode fs.FileMode) error {
	return c.op(ctx, "mkdir", p, func(cl *sftp.Client) error {
		if err := cl.Mkdir(p); err != nil {
			if _, serr := cl.Lstat(p); serr == nil {
				return fs.ErrExist
			}
			return err
		}
		return cl.Chmod(p, mode)
	})
}

// Chmod sets the mode of p.
func (c *Conn) Chmod(ctx context.Context, p string, mode fs.FileMode) error {
	return c.op(ctx, "chmod", p, func(cl *sftp.Client) error { return cl.Chmod(p, mode) })
}

// Chown sets the owner and group of p; -1 keeps one.
func (c *Conn) Chown(ctx context.Context, p string, uid, gid int) error {
	return c.op(ctx, "chown", p, func(cl *sftp.Client) error {
		if uid < 0 || gid < 0 {
			fi, err := cl.Lstat(p)
			if err != nil {
				return err
			}
			st := info(fi)
			if uid < 0 {
				uid = st.UID
			}
			if gid < 0 {
				gid = st.GID
			}
		}
		return cl.Chown(p, uid, gid)
	})
}

// Chtimes sets the times of p.
func (c *Conn) Chtimes(ctx context.Context, p string, atime, mtime time.Time) error {
	return c.op(ctx, "chtimes", p, func(cl *sftp.Client) error { return cl.Chtimes(p, atime, mtime) })
}

// Symlink creates a symbolic link at p pointing to target.
func (c *Conn) Symlink(ctx context.Context, target, p string) error {
	return c.op(ctx, "symlink", p, func(cl *sftp.Client) error { return cl.Symlink(target, p) })
}

// Link creates a hard link at p to target.
func (c *Conn) Link(ctx context.Context, target, p string) error {
	return c.op(ctx, "link", p, func(cl *sftp.Client) error { return cl.Link(target, p) })
}

// Rename moves oldpath to newpath, replacing it.
func (c *Conn) Rename(ctx context.Context, oldpath, newpath string) error {
	return c.op(ctx, "rename", newpath, func(cl *sftp.Client) error { return cl.PosixRename(oldpath, newpath) })
}

// Remove deletes a file, link or empty directory.
func (c *Conn) Remove(ctx context.Context, p string) error {
	return c.op(ctx, "remove", p, func(cl *sftp.Client) error { return cl.Remove(p) })
}
