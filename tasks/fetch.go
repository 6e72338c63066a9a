package tasks

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	Register(&Spec{
		Name: "fetch",
		Args: []Arg{
			{Name: "src", Type: Str, Required: true},
			{Name: "dest", Type: Str, Required: true},
			{Name: "flat", Type: Bool, Default: false},
			{Name: "fail_on_missing", Type: Bool, Default: true},
			{Name: "validate_checksum", Type: Bool, Default: true},
		},
		Run: runFetch,
	})
}

// runFetch copies a host file to the controller as the fetch action does:
// into dest/HOSTNAME/PATH, or dest itself with flat; nothing is copied
// when the controller's copy already has the host file's checksum.
func runFetch(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true, Msg: "check mode not (yet) supported for this module"}, nil
	}
	src, err := ExpandUser(ctx, c.Conn, c.Args.Str("src"))
	if err != nil {
		return nil, err
	}
	failOnMissing := c.Args.Bool("fail_on_missing")
	fi, err := c.Conn.Stat(ctx, src)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return fetchMissing(src, failOnMissing, err), nil
	}
	if fi.IsDir() {
		if !failOnMissing {
			return &Result{Msg: "remote file is a directory, fetch cannot work on directories, not transferring, ignored"}, nil
		}
		return Failf("remote file is a directory, fetch cannot work on directories"), nil
	}
	remoteSum, err := c.Conn.Checksum(ctx, src)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return fetchMissing(src, failOnMissing, err), nil
	}
	dest, failure := fetchDest(c, src)
	if failure != nil {
		return failure, nil
	}
	return fetchTo(ctx, c, src, dest, remoteSum, fetchMode(dest, fi.Mode))
}

// fetchMode is the mode the controller's copy gets: the mode of the file
// it replaces, else the host file's permission bits with the owner's write
// bit, less the umask (what OpenSSH's sftp download, Ansible's way, gives).
func fetchMode(dest string, remote fs.FileMode) fs.FileMode {
	if fi, err := os.Stat(dest); err == nil && fi.Mode().IsRegular() {
		return fi.Mode().Perm()
	}
	return (remote.Perm() | 0o200) &^ fs.FileMode(controllerUmask())
}

// fetchMissing is fetch's answer for a source it cannot read.
func fetchMissing(src string, failOnMissing bool, err error) *Result {
	msg := "the remote file does not exist, not transferring, ignored"
	if errors.Is(err, fs.ErrPermission) {
		msg = "file is not readable: " + src
	}
	if !failOnMissing {
		return OK().Set("file", src).Set("msg", msg)
	}
	return Failf("%s", msg)
}

// fetchDest is where the file goes on the controller.
func fetchDest(c *Call, src string) (string, *Result) {
	dest := c.Args.Str("dest")
	base := ""
	if v, ok := c.Var("playbook_dir"); ok {
		base, _ = ToStr(v)
	}
	dwim := func(p string) string {
		if strings.HasPrefix(p, "~") {
			if home, err := os.UserHomeDir(); err == nil {
				p = home + p[1:]
			}
		}
		if filepath.IsAbs(p) || base == "" {
			return p
		}
		return filepath.Join(base, p)
	}
	if c.Args.Bool("flat") {
		if fi, err := os.Stat(dest); err == nil && fi.IsDir() && !strings.HasSuffix(dest, "/") {
			return "", Failf("dest is an existing directory, use a trailing slash if you want to fetch src into that directory")
		}
		if strings.HasSuffix(dest, "/") {
			dest += path.Base(src)
		}
		if !strings.HasPrefix(dest, "/") {
			dest = dwim(dest)
		}
		return filepath.Clean(dest), nil
	}
	return filepath.Clean(fmt.Sprintf("%s/%s/%s", dwim(dest), c.Host, src)), nil
}

// localSums hashes a controller file; ok is false when it is missing.
func localFileSums(p string) (sha, md string, ok bool) {
	f, err := os.Open(p)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	h1, h5 := sha1.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(h1, h5), f); err != nil {
		return "", "", false
	}
	return hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h5.Sum(nil)), true
}

func fetchTo(ctx context.Context, c *Call, src, dest, remoteSum string, mode fs.FileMode) (*Result, error) {
	localSum, localMD5, ok := localFileSums(dest)
	if ok && localSum == remoteSum {
		return OK().Set("md5sum", localMD5).Set("file", src).Set("dest", dest).Set("checksum", localSum), nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o777); err != nil {
		return Failf("Failed to fetch the file: %v", err), nil
	}
	if err := fetchWrite(ctx, c, src, dest, mode); err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("Failed to fetch the file: %v", err), nil
	}
	newSum, newMD5, _ := localFileSums(dest)
	if c.Args.Bool("validate_checksum") && newSum != remoteSum {
		r := Failf("checksum mismatch").Set("md5sum", newMD5).Set("file", src).Set("dest", dest)
		return r.Set("remote_md5sum", nil).Set("checksum", newSum).Set("remote_checksum", remoteSum), nil
	}
	r := Changed().Set("md5sum", newMD5).Set("dest", dest).Set("remote_md5sum", nil)
	return r.Set("checksum", newSum).Set("remote_checksum", remoteSum), nil
}

// fetchWrite streams the host file into a temporary file beside dest,
// readable by its owner only until it is complete, and renames it into
// place with mode.
func fetchWrite(ctx context.Context, c *Call, src, dest string, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".drover-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = c.Conn.Get(ctx, src, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// controllerUmask reads this process's umask without changing it.
func controllerUmask() uint32 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return uint32(n)
				}
			}
		}
	}
	return 0o022
}
