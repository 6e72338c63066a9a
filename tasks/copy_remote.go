package tasks

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/drover/drover/transport"
)

// runRemoteCopy is copy with remote_src: the source is on the host. A file
// is streamed from the host through the controller back to its new name
// (Put keeps the write atomic); a directory is copied file by file where
// the destination lacks or differs from it.
func runRemoteCopy(ctx context.Context, c *Call, dest string) (*Result, error) {
	src, err := ExpandUser(ctx, c.Conn, c.Args.Str("src"))
	if err != nil {
		return nil, err
	}
	fi, err := c.Conn.Stat(ctx, src)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("Source %s not found", src), nil
	}
	if fi.IsDir() {
		return remoteCopyDir(ctx, c, src, dest)
	}
	if !fi.Mode.IsRegular() {
		return Failf("Cannot copy invalid source '%s': not a file", src), nil
	}
	return remoteCopyFile(ctx, c, src, fi, dest)
}

// remoteChecksums hashes a file on the host (SHA-1 and MD5 in one read).
func remoteChecksums(ctx context.Context, conn transport.Conn, p string) (string, string, error) {
	h1, h5 := sha1.New(), md5.New()
	if err := conn.Get(ctx, p, io.MultiWriter(h1, h5)); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h5.Sum(nil)), nil
}

func remoteCopyFile(ctx context.Context, c *Call, src string, sfi transport.FileInfo, dest string) (*Result, error) {
	sha, md, err := remoteChecksums(ctx, c.Conn, src)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("Source %s not readable", src), nil
	}
	if !strings.Contains(dest, "/") {
		dest = "./" + dest
	}
	ds, err := statDest(ctx, c.Conn, dest, false, true)
	if err != nil {
		return nil, err
	}
	if ds.exists && ds.fi.IsDir() {
		dest = path.Join(dest, path.Base(src))
		if ds, err = statDest(ctx, c.Conn, dest, false, true); err != nil {
			return nil, err
		}
	}
	if ds.exists && c.Args.Bool("follow") && ds.fi.Mode&fs.ModeSymlink != 0 {
		if dest, err = realPath(ctx, c.Conn, dest); err != nil {
			return nil, err
		}
		if ds, err = statDest(ctx, c.Conn, dest, false, true); err != nil {
			return nil, err
		}
	}
	r := &Result{}
	r.Set("dest", dest).Set("src", src).Set("md5sum", md).Set("checksum", sha)
	if ds.exists && !c.Args.Bool("force") {
		return r.Set("msg", "file already exists"), nil
	}
	fa := fileArgsOf(c)
	if s, ok := fa.Mode.(string); ok && s == "preserve" {
		fa.Mode = octalMode(unixPerm(sfi.Mode))
	}
	if sha == ds.sum && ds.fi.Mode&fs.ModeSymlink == 0 {
		return remoteCopyAttrs(ctx, c, r, dest, ds.fi, fa)
	}
	var old *transport.FileInfo
	if ds.exists {
		old = &ds.fi
	}
	w := &FileWrite{Path: dest, Size: sfi.Size, Old: old, Args: fa, Backup: c.Args.Bool("backup"), Validate: c.Args.Str("validate"),
		Open: func() (io.ReadCloser, error) { return streamFrom(ctx, c.Conn, src), nil }}
	if failure := checkValidate(w.Validate); failure != nil {
		return failure, nil
	}
	wr, err := w.Write(ctx, c)
	if err != nil || wr.Failure != nil {
		if err != nil && !hostErr(err) {
			return copyWriteFailure(ctx, c, copySource{path: src}, dest, err), nil
		}
		return wr.Failure, err
	}
	if wr.Validate != nil && wr.Validate.ExitCode != 0 {
		f := Failf("failed to validate").Set("exit_status", wr.Validate.ExitCode)
		return f.Set("stdout", string(wr.Validate.Stdout)).Set("stderr", string(wr.Validate.Stderr)), nil
	}
	r.Changed = true
	if wr.BackupFile != "" {
		r.Set("backup_file", wr.BackupFile)
	}
	if !c.Check {
		_ = c.Conn.Chtimes(ctx, dest, sfi.ModTime, sfi.ModTime)
	}
	return r, setPathInfo(ctx, c, r, wr.Info, "file")
}

// remoteCopyAttrs finishes an unchanged remote copy: attributes only.
func remoteCopyAttrs(ctx context.Context, c *Call, r *Result, dest string, fi transport.FileInfo, fa FileArgs) (*Result, error) {
	ch, plan, err := setAttrs(ctx, c, dest, fa, stateOf(fi), nil)
	if err != nil {
		return failAttr(err, dest)
	}
	r.Changed = ch
	fi.Mode = fileModeOf(plan.Perm)
	fi.UID, fi.GID = plan.UID, plan.GID
	return r, setPathInfo(ctx, c, r, fi, "file")
}

// streamFrom reads a host file through a pipe, for Put to write it back.
func streamFrom(ctx context.Context, conn transport.Conn, p string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(conn.Get(ctx, p, pw)) }()
	return pr
}

// remoteCopyDir copies a host directory: "src/" copies its content into
// dest, "src" the directory itself into dest/src.
func remoteCopyDir(ctx context.Context, c *Call, src, dest string) (*Result, error) {
	target := dest
	if !strings.HasSuffix(src, "/") {
		target = path.Join(dest, path.Base(src))
	}
	r := &Result{}
	r.Set("dest", dest).Set("src", src).Set("md5sum", nil).Set("checksum", nil)
	changed, err := syncDir(ctx, c, strings.TrimSuffix(src, "/"), target)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("failed to copy: %s to %s: %s", src, dest, describeErr(err)), nil
	}
	fa := fileArgsOf(c)
	fa.Mode = c.Args["mode"]
	if fi, err := c.Conn.Lstat(ctx, dest); err == nil {
		ch, _, err := setAttrs(ctx, c, dest, fa, stateOf(fi), nil)
		if err != nil {
			return failAttr(err, dest)
		}
		changed = changed || ch
	} else if hostErr(err) {
		return nil, err
	}
	r.Changed = changed
	return r, finishPathInfoDest(ctx, c, r, dest)
}

func finishPathInfoDest(ctx context.Context, c *Call, r *Result, dest string) error {
	return pathInfo(ctx, c, r, dest, nil)
}

// syncDir makes dst hold what src holds: missing directories are created,
// missing or different files copied with their modes, links recreated;
// owner and group are applied to everything copied.
func syncDir(ctx context.Context, c *Call, src, dst string) (bool, error) {
	entries, err := c.Conn.ReadDir(ctx, src)
	if err != nil {
		return false, err
	}
	changed := false
	dfi, err := c.Conn.Lstat(ctx, dst)
	if err != nil {
		if hostErr(err) {
			return false, err
		}
		sfi, err := c.Conn.Stat(ctx, src)
		if err != nil {
			return false, err
		}
		changed = true
		if !c.Check {
			if err := c.Conn.Mkdir(ctx, dst, sfi.Mode.Perm()|sfi.Mode&modeSpecial); err != nil {
				return false, err
			}
			if err := ownCopied(ctx, c, dst); err != nil {
				return true, err
			}
		}
	} else if !dfi.IsDir() {
		return false, &fs.PathError{Op: "copy", Path: dst, Err: fs.ErrExist}
	}
	for _, e := range entries {
		ch, err := syncEntry(ctx, c, path.Join(src, e.Name), path.Join(dst, e.Name), e)
		if err != nil {
			return changed, err
		}
		changed = changed || ch
	}
	return changed, nil
}

func syncEntry(ctx context.Context, c *Call, s, d string, e transport.FileInfo) (bool, error) {
	switch {
	case e.IsDir():
		return syncDir(ctx, c, s, d)
	case e.Mode&fs.ModeSymlink != 0:
		if _, err := c.Conn.Lstat(ctx, d); err == nil {
			return false, nil
		}
		target, err := c.Conn.Readlink(ctx, s)
		if err != nil || c.Check {
			return err == nil, err
		}
		return true, c.Conn.Symlink(ctx, target, d)
	}
	ssum, err := c.Conn.Checksum(ctx, s)
	if err != nil {
		return false, err
	}
	if dsum, err := c.Conn.Checksum(ctx, d); err == nil && dsum == ssum {
		return false, nil
	}
	if c.Check {
		return true, nil
	}
	if err := c.Conn.Put(ctx, d, streamFrom(ctx, c.Conn, s), transport.PutOptions{Mode: e.Mode.Perm() | e.Mode&modeSpecial, ModTime: e.ModTime}); err != nil {
		return false, err
	}
	return true, ownCopied(ctx, c, d)
}

// ownCopied gives a copied file the owner and group arguments.
func ownCopied(ctx context.Context, c *Call, p string) error {
	if c.Args.Str("owner") == "" && c.Args.Str("group") == "" {
		return nil
	}
	fi, err := c.Conn.Lstat(ctx, p)
	if err != nil {
		return err
	}
	_, _, err = setAttrs(ctx, c, p, FileArgs{Owner: c.Args.Str("owner"), Group: c.Args.Str("group")}, stateOf(fi), nil)
	return err
}
