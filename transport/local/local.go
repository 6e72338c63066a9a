// Package local implements transport.Conn on the controller itself, for
// localhost and ansible_connection=local.
package local

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/creack/pty"

	"github.com/drover/drover/transport"
)

// Conn runs commands and touches files on the machine drover runs on.
type Conn struct{}

// New returns a connection to the local machine.
func New() *Conn { return &Conn{} }

var _ transport.Conn = (*Conn)(nil)

// Run executes cmd as a child process in its own process group, so that
// cancelling ctx ends the command and everything it started.
func (c *Conn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	ec := command(cmd)
	var res transport.Result
	var stdout, stderr bytes.Buffer
	ec.Stdout, ec.Stderr = pick(cmd.Stdout, &stdout), pick(cmd.Stderr, &stderr)
	var err error
	if cmd.PTY != nil {
		err = runPTY(ctx, ec, cmd)
	} else {
		ec.Stdin = cmd.Stdin
		err = runPlain(ctx, ec)
	}
	res.Stdout, res.Stderr = collected(cmd.Stdout, &stdout), collected(cmd.Stderr, &stderr)
	return finish(ctx, ec, res, err)
}

func command(cmd transport.Command) *exec.Cmd {
	var ec *exec.Cmd
	if len(cmd.Argv) > 0 {
		ec = exec.Command(cmd.Argv[0], cmd.Argv[1:]...)
	} else {
		ec = exec.Command("/bin/sh", "-c", cmd.Shell)
	}
	ec.Dir = cmd.Dir // empty: drover's own working directory, as Ansible's local connection
	ec.Env = os.Environ()
	keys := make([]string, 0, len(cmd.Env))
	for k := range cmd.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ec.Env = append(ec.Env, k+"="+cmd.Env[k])
	}
	return ec
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

func runPlain(ctx context.Context, ec *exec.Cmd) error {
	ec.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ec.Start(); err != nil {
		return err
	}
	return waitOrKill(ctx, ec, nil)
}

// waitOrKill waits for ec, killing its process group when ctx ends. done, if
// set, is closed once the process has exited.
func waitOrKill(ctx context.Context, ec *exec.Cmd, done chan struct{}) error {
	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-ec.Process.Pid, syscall.SIGKILL)
		case <-exited:
		}
	}()
	err := ec.Wait()
	close(exited)
	if done != nil {
		close(done)
	}
	return err
}

func runPTY(ctx context.Context, ec *exec.Cmd, cmd transport.Command) error {
	rows, cols := cmd.PTY.Rows, cmd.PTY.Cols
	if rows == 0 || cols == 0 {
		rows, cols = 24, 80
	}
	term := cmd.PTY.Term
	if term == "" {
		term = "xterm"
	}
	ec.Env = append(ec.Env, "TERM="+term)
	out := ec.Stdout
	ec.Stdout, ec.Stderr = nil, nil
	f, err := pty.StartWithSize(ec, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		return err
	}
	defer f.Close()
	if cmd.Stdin != nil {
		go func() { _, _ = io.Copy(f, cmd.Stdin) }()
	}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, f)
		close(copied)
	}()
	err = waitOrKill(ctx, ec, nil)
	select {
	case <-copied:
	case <-time.After(200 * time.Millisecond):
	}
	return err
}

func finish(ctx context.Context, ec *exec.Cmd, res transport.Result, err error) (transport.Result, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &ee):
		ws, _ := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			res.ExitCode, res.Signal = -1, signalName(ws.Signal())
		} else {
			res.ExitCode = ee.ExitCode()
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, nil
	case ec.Process == nil:
		res.ExitCode = notFound(err)
		res.Stderr = append(res.Stderr, []byte(err.Error()+"\n")...)
		return res, nil
	}
	return res, err
}

// notFound maps a failure to start a program to the shell's exit status.
func notFound(err error) int {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, exec.ErrNotFound) {
		return 127
	}
	return 126
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGKILL: "KILL", syscall.SIGTERM: "TERM", syscall.SIGINT: "INT",
		syscall.SIGHUP: "HUP", syscall.SIGQUIT: "QUIT", syscall.SIGSEGV: "SEGV",
		syscall.SIGPIPE: "PIPE", syscall.SIGABRT: "ABRT", syscall.SIGUSR1: "USR1", syscall.SIGUSR2: "USR2",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return s.String()
}

// Put writes r to a temporary file beside path, sets its mode and times, and
// renames it over path.
func (c *Conn) Put(ctx context.Context, path string, r io.Reader, opts transport.PutOptions) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".drover-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = writeAll(ctx, f, r, opts)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func writeAll(ctx context.Context, f *os.File, r io.Reader, opts transport.PutOptions) error {
	_, err := io.Copy(f, ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
	}
	if err := os.Chmod(f.Name(), mode); err != nil {
		return err
	}
	mt := opts.ModTime
	if mt.IsZero() {
		mt = time.Now()
	}
	return os.Chtimes(f.Name(), mt, mt)
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

// Get copies the file at path into w.
func (c *Conn) Get(ctx context.Context, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, ctxReader{ctx, f})
	return err
}

// Checksum hashes the file at path.
func (c *Conn) Checksum(ctx context.Context, path string) (string, error) {
	h := sha1.New()
	if err := c.Get(ctx, path, h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Stat describes path, following links.
func (c *Conn) Stat(_ context.Context, path string) (transport.FileInfo, error) {
	fi, err := os.Stat(path)
	return info(fi), err
}

// Lstat describes path itself.
func (c *Conn) Lstat(_ context.Context, path string) (transport.FileInfo, error) {
	fi, err := os.Lstat(path)
	return info(fi), err
}

func info(fi fs.FileInfo) transport.FileInfo {
	if fi == nil {
		return transport.FileInfo{}
	}
	out := transport.FileInfo{Name: fi.Name(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime(), UID: -1, GID: -1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		out.UID, out.GID = int(st.Uid), int(st.Gid)
	}
	return out
}

// ReadDir lists the directory at path.
func (c *Conn) ReadDir(_ context.Context, path string) ([]transport.FileInfo, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	out := make([]transport.FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, info(fi))
	}
	return out, nil
}

// Readlink returns the target of the link at path.
func (c *Conn) Readlink(_ context.Context, path string) (string, error) { return os.Readlink(path) }

// Mkdir creates a directory with exactly mode.
func (c *Conn) Mkdir(_ context.Context, path string, mode fs.FileMode) error {
	if err := os.Mkdir(path, mode); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// Chmod sets the mode of path.
func (c *Conn) Chmod(_ context.Context, path string, mode fs.FileMode) error {
	return os.Chmod(path, mode)
}

// Chown sets the owner and group of path.
func (c *Conn) Chown(_ context.Context, path string, uid, gid int) error {
	return os.Chown(path, uid, gid)
}

// Chtimes sets the times of path.
func (c *Conn) Chtimes(_ context.Context, path string, atime, mtime time.Time) error {
	return os.Chtimes(path, atime, mtime)
}

// Symlink creates a symbolic link.
func (c *Conn) Symlink(_ context.Context, target, path string) error {
	return os.Symlink(target, path)
}

// Link creates a hard link.
func (c *Conn) Link(_ context.Context, target, path string) error { return os.Link(target, path) }

// Rename moves a file.
func (c *Conn) Rename(_ context.Context, oldpath, newpath string) error {
	return os.Rename(oldpath, newpath)
}

// Remove deletes a file or empty directory.
func (c *Conn) Remove(_ context.Context, path string) error { return os.Remove(path) }

// Dial connects from the controller.
func (c *Conn) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Close does nothing: the local machine stays reachable.
func (c *Conn) Close() error { return nil }
