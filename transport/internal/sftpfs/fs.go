package sftpfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/pkg/sftp"

	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/transport"
)

// Hooks are what a transport gives an FS.
type Hooks struct {
	// Host names the host in trace events.
	Host string
	// Account names the user on the host whom the files belong to
	// ("user@host:port", plus the become user): temporary files left by a
	// connection that ended are removed by the next one to the account.
	Account string
	// Client returns the SFTP client, starting it when there is none.
	Client func(ctx context.Context) (*sftp.Client, error)
	// Lost is asked about an error that is no SFTP status (the stream
	// broke, the client was closed): it returns the failure of the
	// connection (an *UnreachableError) when that is what happened, nil
	// otherwise, and drops a client that cannot be used again.
	Lost func(err error) error
	// Run runs a command on the host, as the same user the SFTP server
	// runs as (Checksum hashes large files there).
	Run func(ctx context.Context, cmd transport.Command) (transport.Result, error)
}

// FS implements the file operations of transport.Conn over the SFTP
// client its Hooks give. Embedded in a transport's connection type it
// makes those methods the connection's.
type FS struct {
	h Hooks
}

// New returns the file operations over h.
func New(h Hooks) *FS { return &FS{h: h} }

// Stat describes p, following links.
func (f *FS) Stat(ctx context.Context, p string) (transport.FileInfo, error) {
	return f.stat(ctx, "stat", p, (*sftp.Client).Stat)
}

// Lstat describes p itself.
func (f *FS) Lstat(ctx context.Context, p string) (transport.FileInfo, error) {
	return f.stat(ctx, "lstat", p, (*sftp.Client).Lstat)
}

func (f *FS) stat(ctx context.Context, op, p string, st func(*sftp.Client, string) (os.FileInfo, error)) (fi transport.FileInfo, err error) {
	err = f.do(ctx, op, p, func(cl *sftp.Client) error {
		got, err := st(cl, p)
		if err == nil {
			fi = info(got)
		}
		return err
	})
	return fi, err
}

func info(fi fs.FileInfo) transport.FileInfo {
	out := transport.FileInfo{Name: fi.Name(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime(), UID: -1, GID: -1}
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		out.UID, out.GID = int(st.UID), int(st.GID)
	}
	return out
}

// ReadDir lists the directory at p, sorted by name.
func (f *FS) ReadDir(ctx context.Context, p string) (out []transport.FileInfo, err error) {
	err = f.do(ctx, "readdir", p, func(cl *sftp.Client) error {
		list, err := cl.ReadDirContext(ctx, p)
		for _, fi := range list {
			out = append(out, info(fi))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Readlink returns the target of the link at p.
func (f *FS) Readlink(ctx context.Context, p string) (target string, err error) {
	err = f.do(ctx, "readlink", p, func(cl *sftp.Client) error {
		target, err = cl.ReadLink(p)
		return err
	})
	return target, err
}

// Mkdir creates a directory and then sets its mode, since the server
// applies its umask on creation.
func (f *FS) Mkdir(ctx context.Context, p string, mode fs.FileMode) error {
	return f.do(ctx, "mkdir", p, func(cl *sftp.Client) error {
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
func (f *FS) Chmod(ctx context.Context, p string, mode fs.FileMode) error {
	return f.do(ctx, "chmod", p, func(cl *sftp.Client) error { return cl.Chmod(p, mode) })
}

// Chown sets the owner and group of p (of what it points to, as
// chown(2)); -1 keeps one.
func (f *FS) Chown(ctx context.Context, p string, uid, gid int) error {
	return f.do(ctx, "chown", p, func(cl *sftp.Client) error {
		if uid < 0 || gid < 0 {
			fi, err := cl.Stat(p)
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
func (f *FS) Chtimes(ctx context.Context, p string, atime, mtime time.Time) error {
	return f.do(ctx, "chtimes", p, func(cl *sftp.Client) error { return cl.Chtimes(p, atime, mtime) })
}

// Symlink creates a symbolic link at p pointing to target.
func (f *FS) Symlink(ctx context.Context, target, p string) error {
	return f.do(ctx, "symlink", p, func(cl *sftp.Client) error { return cl.Symlink(target, p) })
}

// Link creates a hard link at p to target (hardlink@openssh.com).
func (f *FS) Link(ctx context.Context, target, p string) error {
	return f.do(ctx, "link", p, func(cl *sftp.Client) error { return cl.Link(target, p) })
}

// Rename moves oldpath over newpath (posix-rename@openssh.com).
func (f *FS) Rename(ctx context.Context, oldpath, newpath string) error {
	return f.do(ctx, "rename", oldpath, func(cl *sftp.Client) error { return cl.PosixRename(oldpath, newpath) })
}

// Remove deletes a file, link or empty directory.
func (f *FS) Remove(ctx context.Context, p string) error {
	return f.do(ctx, "remove", p, func(cl *sftp.Client) error { return cl.Remove(p) })
}

// do runs one SFTP operation on p, traced, and maps its error.
func (f *FS) do(ctx context.Context, op, p string, fn func(*sftp.Client) error) (err error) {
	defer trace.Start(ctx, f.h.Host, op, p)(err)
	cl, err := f.client(ctx)
	if err != nil {
		return err
	}
	return f.fsErr(op, p, fn(cl))
}

// fsErr maps SFTP status codes onto io/fs errors (a bare "Failure"
// explained when the file system says why) and an error that means the
// connection ended onto its *UnreachableError; every other error is
// returned as an *fs.PathError for op on p.
func (f *FS) fsErr(op, p string, err error) error {
	if err == nil || transport.IsUnreachable(err) {
		return err
	}
	var st *sftp.StatusError
	if errors.As(err, &st) {
		switch st.FxCode() {
		case sftp.ErrSSHFxNoSuchFile:
			err = fs.ErrNotExist
		case sftp.ErrSSHFxPermissionDenied:
			err = fs.ErrPermission
		case sftp.ErrSSHFxFailure:
			err = f.explainFailure(p, err)
		}
	}
	known := errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist) || st != nil
	if !known {
		if lost := f.h.Lost(err); lost != nil {
			return lost
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}
