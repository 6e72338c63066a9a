package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/pkg/sftp"

	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/transport"
)

// files returns the connection's SFTP client, starting it on first use.
func (c *Conn) files() (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		return c.sftp, nil
	}
	if !c.Alive() {
		return nil, c.lost(errors.New("connection closed"))
	}
	end := trace.Start(c.cfg.Host, "sftp-start", "")
	cl, err := c.startSFTP()
	end(err)
	if err != nil {
		return nil, c.lost(fmt.Errorf("start sftp: %w", err))
	}
	c.sftp = cl
	return cl, nil
}

// sftpData is the most file data one SFTP read or write request carries:
// with its header it fits a quarter of an SSH channel packet (32 KiB for
// OpenSSH), so that each request and each answer is one packet. Not a
// whole one: a connection keeps, as long as it lives, two buffers the size
// of the largest packet it sent (its channel's and its cipher's), and with
// a thousand hosts each KiB of them is 2 MiB.
const sftpData = 8<<10 - 64

// startSFTP starts the SFTP subsystem in a session of its own, its
// requests written through a packetWriter.
func (c *Conn) startSFTP() (*sftp.Client, error) {
	s, err := c.client.NewSession()
	if err != nil {
		return nil, err
	}
	w, err := s.StdinPipe()
	if err == nil {
		var r io.Reader
		if r, err = s.StdoutPipe(); err == nil {
			if err = s.RequestSubsystem("sftp"); err == nil {
				return sftp.NewClientPipe(r, &packetWriter{w: w}, sftp.UseConcurrentWrites(true),
					sftp.UseConcurrentReads(true), sftp.MaxConcurrentRequestsPerFile(maxInFlight), sftp.MaxPacket(sftpData))
			}
		}
	}
	s.Close()
	return nil, err
}

// packetWriter hands each SFTP packet to the channel in one Write. The
// SFTP client writes a request's header and its data separately, and every
// Write to a channel is an SSH packet (and a system call) of its own.
type packetWriter struct {
	w   io.WriteCloser
	buf *[]byte // the packet being assembled; nil between packets
}

// packetBufs are the buffers packets are assembled in, shared by all
// connections: a packet is assembled only while its request is sent.
var packetBufs = sync.Pool{New: func() any { b := make([]byte, 0, sftpData+64); return &b }}

func (p *packetWriter) Write(b []byte) (int, error) {
	if p.buf == nil && packetLen(b) == len(b) {
		return p.w.Write(b)
	}
	if p.buf == nil {
		p.buf = packetBufs.Get().(*[]byte)
	}
	*p.buf = append(*p.buf, b...)
	for n := packetLen(*p.buf); n > 0 && n <= len(*p.buf); n = packetLen(*p.buf) {
		if _, err := p.w.Write((*p.buf)[:n]); err != nil {
			return 0, err
		}
		*p.buf = append((*p.buf)[:0], (*p.buf)[n:]...)
	}
	if len(*p.buf) == 0 {
		packetBufs.Put(p.buf)
		p.buf = nil
	}
	return len(b), nil
}

// packetLen is the length of the SFTP packet b starts with (its uint32
// length and the bytes it counts); 0 when b is too short to say.
func packetLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	return 4 + int(binary.BigEndian.Uint32(b))
}

func (p *packetWriter) Close() error { return p.w.Close() }

// fsErr maps SFTP status codes onto io/fs errors, and a lost connection
// onto an UnreachableError.
func (c *Conn) fsErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var st *sftp.StatusError
	if errors.As(err, &st) {
		switch st.FxCode() {
		case sftp.ErrSSHFxNoSuchFile:
			err = fs.ErrNotExist
		case sftp.ErrSSHFxPermissionDenied:
			err = fs.ErrPermission
		}
	}
	known := errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist) || st != nil
	if !known {
		if lost := c.lost(err); transport.IsUnreachable(lost) {
			return lost
		}
		if errors.Is(err, sftp.ErrSSHFxConnectionLost) {
			c.resetFiles()
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// resetFiles drops a broken SFTP client so the next use starts another.
func (c *Conn) resetFiles() {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		c.sftp.Close()
		c.sftp = nil
	}
}

// Put streams r to a temporary file beside dst, sets its mode (and times,
// when opts give them) and renames it over dst (posix-rename@openssh.com).
// On failure or cancellation the temporary file is removed and dst is
// untouched. Without opts.ModTime the file keeps the time it was written.
func (c *Conn) Put(ctx context.Context, dst string, r io.Reader, opts transport.PutOptions) (err error) {
	defer trace.Start(c.cfg.Host, "put", dst)(err)
	cl, err := c.files()
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(dst), "."+path.Base(dst)+".drover-"+randomSuffix())
	err = c.writeTemp(ctx, cl, tmp, r, opts)
	if err == nil {
		err = c.fsErr("rename", dst, cl.PosixRename(tmp, dst))
	}
	if err != nil && c.Alive() {
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
	// The mode is set while the content is being written, saving a round
	// trip, unless it has setuid or setgid, which a write clears.
	chmod := make(chan error, 1)
	early := mode&(fs.ModeSetuid|fs.ModeSetgid) == 0
	if early {
		go func() { chmod <- cl.Chmod(tmp, mode) }()
	}
	err = writeContent(ctx, f, ctxReader{ctx, r}, sizeOf(r))
	if early {
		if cerr := <-chmod; err == nil {
			err = cerr
		}
	} else if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !opts.ModTime.IsZero() {
		err = cl.Chtimes(tmp, opts.ModTime, opts.ModTime)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.fsErr("write", tmp, err)
}

// writeContent writes everything r gives to the new file f. What fits
// one request is written with one, and no more goroutines; more is written
// with as many requests in flight as it needs, up to maxInFlight (for a
// stream of unknown size). The content in flight is taken from the budget sending
// first.
func writeContent(ctx context.Context, f *sftp.File, r io.Reader, size int64) error {
	held := int64(maxInFlight * sftpData)
	if size >= 0 {
		held = min(held, size+1)
	}
	if err := sending.take(ctx, held); err != nil {
		return err
	}
	defer sending.give(held)
	bp := packetBufs.Get().(*[]byte)
	defer packetBufs.Put(bp)
	first := (*bp)[:sftpData]
	n, err := io.ReadFull(r, first)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if n > 0 {
			_, err = f.Write(first[:n])
			return err
		}
		return nil
	}
	if err != nil {
		return err
	}
	inFlight := maxInFlight
	if size >= 0 {
		inFlight = int(min(maxInFlight, (size-int64(n))/sftpData+1))
	}
	_, err = f.ReadFromWithConcurrency(io.MultiReader(bytes.NewReader(first), r), inFlight)
	return err
}

// maxInFlight is the most requests reading or writing one file has in
// flight: 2 MiB.
const maxInFlight = 256

// sizeOf is the number of bytes r holds, -1 when it does not say.
func sizeOf(r io.Reader) int64 {
	switch x := r.(type) {
	case interface{ Len() int }:
		return int64(x.Len())
	case interface{ Size() int64 }:
		return x.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ctxReader stops a copy once ctx ends.
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

// ctxWriter stops a copy once ctx ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Get streams the file at p into w.
func (c *Conn) Get(ctx context.Context, p string, w io.Writer) (err error) {
	defer trace.Start(c.cfg.Host, "get", p)(err)
	cl, err := c.files()
	if err != nil {
		return err
	}
	f, err := cl.Open(p)
	if err != nil {
		return c.fsErr("open", p, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return c.fsErr("read", p, err)
	}
	if small(fi) {
		return c.fsErr("read", p, readWhole(ctx, f, fi.Size(), w))
	}
	defer f.Close()
	_, err = f.WriteTo(ctxWriter{ctx, w})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.fsErr("read", p, err)
}

// smallFile is the size up to which a file is read in one go (and, for
// Checksum, hashed here rather than on the host).
const smallFile = 256 << 10

// small reports whether fi is a regular file readWhole may read: not empty
// (files in /proc say 0 and have content) and at most smallFile bytes.
func small(fi fs.FileInfo) bool {
	return fi.Mode().IsRegular() && fi.Size() > 0 && fi.Size() <= smallFile
}

// readWhole reads the size bytes of f into w with all its read requests
// sent at once, and closes f without waiting for the answer: one round
// trip for a file up to 32 KiB, where reading up to EOF and closing take
// three. A file that grew since it was described is read as it was.
func readWhole(ctx context.Context, f *sftp.File, size int64, w io.Writer) error {
	defer func() { go f.Close() }()
	if err := ctx.Err(); err != nil {
		return err
	}
	buf := make([]byte, size)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	_, err = w.Write(buf[:n])
	return err
}

// Stat describes p, following links.
func (c *Conn) Stat(ctx context.Context, p string) (transport.FileInfo, error) {
	return c.stat(ctx, "stat", p, (*sftp.Client).Stat)
}

// Lstat describes p itself.
func (c *Conn) Lstat(ctx context.Context, p string) (transport.FileInfo, error) {
	return c.stat(ctx, "lstat", p, (*sftp.Client).Lstat)
}

func (c *Conn) stat(_ context.Context, op, p string, f func(*sftp.Client, string) (os.FileInfo, error)) (_ transport.FileInfo, err error) {
	defer trace.Start(c.cfg.Host, op, p)(err)
	cl, err := c.files()
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
func (c *Conn) ReadDir(ctx context.Context, p string) (_ []transport.FileInfo, err error) {
	defer trace.Start(c.cfg.Host, "readdir", p)(err)
	cl, err := c.files()
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

// Readlink returns the target of the link at p.
func (c *Conn) Readlink(_ context.Context, p string) (_ string, err error) {
	defer trace.Start(c.cfg.Host, "readlink", p)(err)
	cl, err := c.files()
	if err != nil {
		return "", err
	}
	t, err := cl.ReadLink(p)
	return t, c.fsErr("readlink", p, err)
}

// Mkdir creates a directory and then sets its mode, since the server
// applies its umask on creation.
func (c *Conn) Mkdir(_ context.Context, p string, mode fs.FileMode) (err error) {
	defer trace.Start(c.cfg.Host, "mkdir", p)(err)
	cl, err := c.files()
	if err != nil {
		return err
	}
	if err := cl.Mkdir(p); err != nil {
		if _, serr := cl.Lstat(p); serr == nil {
			return &fs.PathError{Op: "mkdir", Path: p, Err: fs.ErrExist}
		}
		return c.fsErr("mkdir", p, err)
	}
	return c.fsErr("chmod", p, cl.Chmod(p, mode))
}

// Chmod sets the mode of p.
func (c *Conn) Chmod(_ context.Context, p string, mode fs.FileMode) error {
	return c.do("chmod", p, func(cl *sftp.Client) error { return cl.Chmod(p, mode) })
}

// Chown sets the owner and group of p; -1 keeps one.
func (c *Conn) Chown(_ context.Context, p string, uid, gid int) error {
	return c.do("chown", p, func(cl *sftp.Client) error {
		if uid < 0 || gid < 0 {
			fi, err := cl.Stat(p)
			if err != nil {
				return err
			}
			st := fi.Sys().(*sftp.FileStat)
			if uid < 0 {
				uid = int(st.UID)
			}
			if gid < 0 {
				gid = int(st.GID)
			}
		}
		return cl.Chown(p, uid, gid)
	})
}

// Chtimes sets the times of p.
func (c *Conn) Chtimes(_ context.Context, p string, atime, mtime time.Time) error {
	return c.do("chtimes", p, func(cl *sftp.Client) error { return cl.Chtimes(p, atime, mtime) })
}

// Symlink creates a symbolic link at p pointing to target.
func (c *Conn) Symlink(_ context.Context, target, p string) error {
	return c.do("symlink", p, func(cl *sftp.Client) error { return cl.Symlink(target, p) })
}

// Link creates a hard link at p to target (hardlink@openssh.com).
func (c *Conn) Link(_ context.Context, target, p string) error {
	return c.do("link", p, func(cl *sftp.Client) error { return cl.Link(target, p) })
}

// Rename moves oldpath over newpath (posix-rename@openssh.com).
func (c *Conn) Rename(_ context.Context, oldpath, newpath string) error {
	return c.do("rename", oldpath, func(cl *sftp.Client) error { return cl.PosixRename(oldpath, newpath) })
}

// Remove deletes a file, link or empty directory.
func (c *Conn) Remove(_ context.Context, p string) error {
	return c.do("remove", p, func(cl *sftp.Client) error { return cl.Remove(p) })
}

// do runs one SFTP operation and maps its error.
func (c *Conn) do(op, p string, f func(*sftp.Client) error) (err error) {
	defer trace.Start(c.cfg.Host, op, p)(err)
	cl, err := c.files()
	if err != nil {
		return err
	}
	return c.fsErr(op, p, f(cl))
}
