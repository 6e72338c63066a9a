package tasks

import (
	"archive/zip"
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// openZip reads the zip's directory: from the controller file, or from
// the host file read over the connection.
func (a *archive) openZip(ctx context.Context, c *Call) (*zip.Reader, error) {
	if a.plain != nil {
		return zip.NewReader(bytes.NewReader(a.plain), int64(len(a.plain)))
	}
	if a.local != "" {
		f, err := os.Open(a.local)
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		return zip.NewReader(f, fi.Size())
	}
	var buf bytes.Buffer
	if err := c.Conn.Get(ctx, a.remote, &buf); err != nil {
		return nil, err
	}
	return zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
}

// zipMembers are the members Ansible's ZipArchive considers: those
// matching include, or not matching exclude.
func zipMembers(c *Call, zr *zip.Reader) []*zip.File {
	var out []*zip.File
	includes, excludes := c.Args.Strings("include"), c.Args.Strings("exclude")
	for _, f := range zr.File {
		if len(includes) > 0 {
			for _, inc := range includes {
				if fnMatch(f.Name, inc) {
					out = append(out, f)
				}
			}
			continue
		}
		if !excluded(f.Name, excludes) {
			out = append(out, f)
		}
	}
	return out
}

func (a *archive) listZip(ctx context.Context, c *Call) ([]string, error) {
	zr, err := a.openZip(ctx, c)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range zipMembers(c, zr) {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return names, nil
}

// zipUnarchived compares every member with what dest holds: type, size,
// modification time (the zip's local time), CRC-32 and permissions.
func zipUnarchived(ctx context.Context, c *Call, a *archive, dest string) (bool, error) {
	zr, err := a.openZip(ctx, c)
	if err != nil {
		return false, err
	}
	id, err := hostIdentity(ctx, c.Conn)
	if err != nil {
		return false, err
	}
	for _, f := range zipMembers(c, zr) {
		same, err := zipMemberSame(ctx, c, f, path.Join(dest, f.Name), id)
		if err != nil || !same {
			return false, err
		}
	}
	return true, nil
}

func zipMemberSame(ctx context.Context, c *Call, f *zip.File, p string, id Identity) (bool, error) {
	st, err := c.Conn.Lstat(ctx, p)
	if err != nil {
		return false, hostOnly(err)
	}
	isDir := strings.HasSuffix(f.Name, "/")
	if isDir != st.IsDir() || (!isDir && !st.Mode.IsRegular()) {
		return false, nil
	}
	if !c.Args.Bool("keep_newer") && !isDir && zipLocalTime(f).Unix() != st.ModTime.Unix() {
		return false, nil
	}
	if !isDir {
		if uint64(st.Size) != f.UncompressedSize64 {
			return false, nil
		}
		h := crc32.NewIEEE()
		if err := c.Conn.Get(ctx, p, h); err != nil {
			return false, hostOnly(err)
		}
		if h.Sum32() != f.CRC32 {
			return false, nil
		}
	}
	if !c.Args.Has("mode") && unixPerm(st.Mode) != zipMemberPerm(f, isDir, id.Umask) {
		return false, nil
	}
	return true, nil
}

// zipLocalTime is a member's time as unzip restores it: the extended
// timestamp when there is one, else the MS-DOS date and time as local time.
func zipLocalTime(f *zip.File) time.Time {
	if hasExtendedTime(f.Extra) {
		return f.Modified
	}
	d, t := f.ModifiedDate, f.ModifiedTime
	return time.Date(int(d>>9)+1980, time.Month(d>>5&0xf), int(d&0x1f), int(t>>11), int(t>>5&0x3f), int(t&0x1f)*2, 0, time.Local)
}

// hasExtendedTime reports an extended timestamp field (0x5455), which
// unzip restores instead of the MS-DOS time.
func hasExtendedTime(extra []byte) bool {
	for len(extra) >= 4 {
		id, size := int(extra[0])|int(extra[1])<<8, int(extra[2])|int(extra[3])<<8
		if id == 0x5455 {
			return true
		}
		if 4+size > len(extra) {
			return false
		}
		extra = extra[4+size:]
	}
	return false
}

// zipMemberPerm is the mode unzip gives a member: the Unix mode stored in
// the archive, or the default under the umask.
func zipMemberPerm(f *zip.File, isDir bool, umask uint32) uint32 {
	if f.CreatorVersion>>8 == 3 {
		if m := f.ExternalAttrs >> 16 & permBits; m != 0 {
			return m
		}
	}
	if isDir {
		return 0o777 &^ umask
	}
	return defaultPerm &^ umask
}

// extractZip runs unzip on the host. A controller archive is put next to
// dest first (unzip needs a file it can seek in) and removed after.
func (a *archive) extractZip(ctx context.Context, c *Call, dest string) (transport.Result, []any, error) {
	src := a.remote
	if a.local != "" {
		src = path.Join(dest, ".drover-unarchive-"+randomHex()+".zip")
		f, err := a.openLocal()
		if err != nil {
			return transport.Result{}, nil, err
		}
		err = c.Conn.Put(ctx, src, f, transport.PutOptions{Mode: fs.FileMode(0o600)})
		f.Close()
		if err != nil {
			return transport.Result{}, nil, err
		}
		defer c.Conn.Remove(context.WithoutCancel(ctx), src)
	}
	argv := append([]string{"unzip", "-o"}, c.Args.Strings("extra_opts")...)
	argv = append(argv, src)
	if ex := c.Args.Strings("exclude"); len(ex) > 0 {
		argv = append(append(argv, "-x"), ex...)
	}
	argv = append(append(argv, c.Args.Strings("include")...), "-d", dest)
	res, err := c.Run(ctx, transport.Command{Argv: argv})
	cmd := make([]any, len(argv))
	for i, s := range argv {
		cmd[i] = s
	}
	if a.local != "" {
		cmd[len(c.Args.Strings("extra_opts"))+2] = a.local
	}
	return res, cmd, err
}
