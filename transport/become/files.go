package become

import (
	"bytes"
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
	"time"

	"github.com/pkg/sftp"

	"github.com/drover/drover/transport"
)

// sftpServer finds OpenSSH's sftp-server on the host and runs it.
const sftpServer = `for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/lib/ssh/sftp-server /usr/libexec/sftp-server /usr/lib/sftp-server; do [ -x "$p" ] && exec "$p"; done; echo "no sftp-server found on this host" >&2; exit 127`

// files returns the SFTP client speaking to sftp-server running as the
// become user, starting it on first use.
func (c *Conn) files() (*sftp.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sftp != nil || c.sftpErr != nil {
		return c.sftp, c.sftpErr
	}
	c.sftp, c.sftpErr = c.startFiles()
	return c.sftp, c.sftpErr
}

func (c *Conn) startFiles() (*sftp.Client, error) {
	w := c.wrap("", sftpServer)
	if w.cmd.PTY != nil {
		// su reads its password from a terminal: make the terminal pass
		// the SFTP bytes untouched before the marker lets them flow.
		w = c.wrap("stty raw -echo 2>/dev/null; ", sftpServer)
	}
	toServerR, toServerW := io.Pipe()
	fromServerR, fromServerW := io.Pipe()
	var stderr bytes.Buffer
	s := newSession(w, c.opts.Password, toServerR, fromServerW, &lockedBuffer{b: &stderr})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := c.base.Run(ctx, s.command())
		_, err = s.finish(res, err)
		if err == nil {
			err = fmt.Errorf("sftp-server ended (exit %d)", res.ExitCode)
		}
		_ = fromServerW.CloseWithError(err)
		_ = toServerR.CloseWithError(err)
	}()
	cl, err := sftp.NewClientPipe(fromServerR, toServerW)
	if err != nil {
		cancel()
		<-done
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(s.startErr, ErrPassword) || strings.Contains(msg, "password") {
			return nil, fmt.Errorf("%w: %s", ErrPassword, msg)
		}
		return nil, fmt.Errorf("become %s: start sftp-server: %v %s", c.opts.User, err, msg)
	}
	c.stop, c.done = cancel, done
	return cl, nil
}

// lockedBuffer is a bytes.Buffer safe for one writer and a later reader.
type lockedBuffer struct{ b *bytes.Buffer }

func (l *lockedBuffer) Write(p []byte) (int, error) { return l.b.Write(p) }

// fsErr maps SFTP errors onto io/fs errors.
func fsErr(op, p string, err error) error {
	if err == nil {
		return nil
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
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return &fs.PathError{Op: op, Path: p, Err: err}
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
}

// Put writes r to a temporary file beside dst and renames it over dst.
func (c *Conn) Put(ctx context.Context, dst string, r io.Reader, opts transport.PutOptions) error {
	cl, err := c.files()
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(dst), "."+path.Base(dst)+".drover-"+randomToken())
	err = writeTemp(ctx, cl, tmp, r, opts)
	if err == nil {
		err = fsErr("rename", dst, cl.PosixRename(tmp, dst))
	}
	if err != nil {
		_ = cl.Remove(tmp)
	}
	return err
}

func writeTemp(ctx context.Context, cl *sftp.Client, tmp string, r io.Reader, opts transport.PutOptions) error {
	f, err := cl.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fsErr("create", tmp, err)
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
	return fsErr("write", tmp, err)
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
	cl, err := c.files()
	if err != nil {
		return err
	}
	f, err := cl.Open(p)
	if err != nil {
		return fsErr("open", p, err)
	}
	defer f.Close()
	_, err = io.Copy(w, ctxReader{ctx, f})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fsErr("read", p, err)
}

// Checksum hashes the file here, read as the become user.
func (c *Conn) Checksum(ctx context.Context, p string) (string, error) {
	h := sha1.New()
	if err := c.Get(ctx, p, h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Stat describes p, following links.
func (c *Conn) Stat(_ context.Context, p string) (transport.FileInfo, error) {
	return c.stat("stat", p, (*sftp.Client).Stat)
}

// Lstat describes p itself.
func (c *Conn) Lstat(_ context.Context, p string) (transport.FileInfo, error) {
	return c.stat("lstat", p, (*sftp.Client).Lstat)
}

func (c *Conn) stat(op, p string, f func(*sftp.Client, string) (os.FileInfo, error)) (transport.FileInfo, error) {
	cl, err := c.files()
	if err != nil {
		return transport.FileInfo{}, err
	}
	fi, err := f(cl, p)
	if err != nil {
		return transport.FileInfo{}, fsErr(op, p, err)
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
	cl, err := c.files()
	if err != nil {
		return nil, err
	}
	list, err := cl.ReadDirContext(ctx, p)
	if err != nil {
		return nil, fsErr("readdir", p, err)
	}
	out := make([]transport.FileInfo, 0, len(list))
	for _, fi := range list {
		out = append(out, info(fi))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// op runs one SFTP operation on path p.
func (c *Conn) op(name, p string, f func(cl *sftp.Client) error) error {
	cl, err := c.files()
	if err != nil {
		return err
	}
	return fsErr(name, p, f(cl))
}

// Readlink returns the target of the link at p.
func (c *Conn) Readlink(_ context.Context, p string) (string, error) {
	var target string
	err := c.op("readlink", p, func(cl *sftp.Client) error {
		var err error
		target, err = cl.ReadLink(p)
		return err
	})
	return target, err
}

// Mkdir creates one directory with exactly mode.
func (c *Conn) Mkdir(_ context.Context, p string, mode fs.FileMode) error {
	return c.op("mkdir", p, func(cl *sftp.Client) error {
		if err := cl.Mkdir(p); err != nil {
			return err
		}
		return cl.Chmod(p, mode)
	})
}

// Chmod sets the mode of p.
func (c *Conn) Chmod(_ context.Context, p string, mode fs.FileMode) error {
	return c.op("chmod", p, func(cl *sftp.Client) error { return cl.Chmod(p, mode) })
}

// Chown sets the owner and group of p; -1 keeps one.
func (c *Conn) Chown(_ context.Context, p string, uid, gid int) error {
	return c.op("chown", p, func(cl *sftp.Client) error {
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
func (c *Conn) Chtimes(_ context.Context, p string, atime, mtime time.Time) error {
	return c.op("chtimes", p, func(cl *sftp.Client) error { return cl.Chtimes(p, atime, mtime) })
}

// Symlink creates a symbolic link at p pointing to target.
func (c *Conn) Symlink(_ context.Context, target, p string) error {
	return c.op("symlink", p, func(cl *sftp.Client) error { return cl.Symlink(target, p) })
}

// Link creates a hard link at p to target.
func (c *Conn) Link(_ context.Context, target, p string) error {
	return c.op("link", p, func(cl *sftp.Client) error { return cl.Link(target, p) })
}

// Rename moves oldpath to newpath, replacing it.
func (c *Conn) Rename(_ context.Context, oldpath, newpath string) error {
	return c.op("rename", newpath, func(cl *sftp.Client) error { return cl.PosixRename(oldpath, newpath) })
}

// Remove deletes a file, link or empty directory.
func (c *Conn) Remove(_ context.Context, p string) error {
	return c.op("remove", p, func(cl *sftp.Client) error { return cl.Remove(p) })
}
