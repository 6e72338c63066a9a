// Package transport runs commands and moves files on one host.
//
// Every way drover reaches a host (ssh, local, telnet) implements Conn, and the
// conformance suite in transport/transporttest runs the same cases against each.
package transport

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"time"
)

// Conn is an open connection to one host. It is safe for concurrent use: many
// commands and file operations may run over one Conn at once.
//
// Paths are the host's absolute paths. Errors for missing files satisfy
// errors.Is(err, fs.ErrNotExist); errors for denied access satisfy
// errors.Is(err, fs.ErrPermission). A failure of the connection itself (the host
// went away, authentication failed) is an *UnreachableError.
type Conn interface {
	// Run executes cmd and waits for it to end. A command that ran and exited
	// non-zero is not an error: its status is in Result.ExitCode. ctx cancels
	// the command (the remote process is signalled and the session closed).
	Run(ctx context.Context, cmd Command) (Result, error)

	// Put writes everything read from r to path, atomically: the content goes to
	// a temporary name in the same directory which is renamed over path only when
	// complete, so a failure leaves path as it was. The content is streamed, never
	// held whole in memory.
	Put(ctx context.Context, path string, r io.Reader, opts PutOptions) error
	// Get streams the content of the file at path into w.
	Get(ctx context.Context, path string, w io.Writer) error
	// Checksum returns the lower-case hex SHA-1 of the file at path, computed
	// on the host (the checksum Ansible reports for files).
	Checksum(ctx context.Context, path string) (string, error)

	// Stat describes path, following symbolic links.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// Lstat describes path itself, not following a final symbolic link.
	Lstat(ctx context.Context, path string) (FileInfo, error)
	// ReadDir lists the directory at path, sorted by name.
	ReadDir(ctx context.Context, path string) ([]FileInfo, error)
	// Readlink returns the target of the symbolic link at path.
	Readlink(ctx context.Context, path string) (string, error)
	// Mkdir creates one directory whose permission bits are exactly mode (no
	// umask applies). Its parent must exist.
	Mkdir(ctx context.Context, path string, mode fs.FileMode) error
	// Chmod sets the permission bits (and setuid, setgid, sticky) of path.
	Chmod(ctx context.Context, path string, mode fs.FileMode) error
	// Chown sets the numeric owner and group of path; -1 leaves one unchanged.
	Chown(ctx context.Context, path string, uid, gid int) error
	// Chtimes sets the access and modification times of path.
	Chtimes(ctx context.Context, path string, atime, mtime time.Time) error
	// Symlink creates a symbolic link at path pointing to target.
	Symlink(ctx context.Context, target, path string) error
	// Link creates a hard link at path to the existing file target.
	Link(ctx context.Context, target, path string) error
	// Rename moves oldpath to newpath, replacing newpath if it exists.
	Rename(ctx context.Context, oldpath, newpath string) error
	// Remove deletes a file, a symbolic link or an empty directory.
	Remove(ctx context.Context, path string) error

	// Dial opens a connection from the host to addr ("tcp" only), so that the
	// host's view of the network can be probed. Nothing is installed on the host.
	Dial(ctx context.Context, network, addr string) (net.Conn, error)

	// Close ends the connection and every command still running over it.
	Close() error
}

// Command is one program to run on a host.
type Command struct {
	// Argv runs a program directly, each element one argument. The remote side
	// receives it quoted for a POSIX shell, so no expansion happens.
	Argv []string
	// Shell is a command line for the host's shell; used when Argv is empty.
	Shell string
	// Env adds variables to the command's environment.
	Env map[string]string
	// Dir is the working directory; empty means the connection's own: the
	// login directory on a remote host, drover's working directory on the
	// local one (as Ansible's local connection), which is also where
	// relative paths given to file operations resolve.
	Dir string
	// Stdin feeds the command's standard input; nil means empty input.
	Stdin io.Reader
	// Stdout and Stderr receive output as it arrives. When nil the output is
	// collected into Result.Stdout and Result.Stderr.
	Stdout, Stderr io.Writer
	// PTY, when set, runs the command on a pseudo-terminal; stderr then
	// arrives merged into stdout.
	PTY *PTY
}

// PTY describes a pseudo-terminal requested for a command.
type PTY struct {
	Term       string // TERM value; "xterm" when empty
	Rows, Cols int    // 24x80 when zero
}

// Result is what a finished command left.
type Result struct {
	ExitCode int    // -1 when the command was killed by a signal
	Signal   string // the signal name (e.g. "KILL") when killed by one
	Stdout   []byte // collected output, when Command.Stdout was nil
	Stderr   []byte // collected output, when Command.Stderr was nil
}

// PutOptions are the attributes a file written by Put ends with.
type PutOptions struct {
	Mode    fs.FileMode // permission bits; 0644 when zero
	ModTime time.Time   // modification (and access) time; when zero, the time it was written, by the host's clock
}

// FileInfo describes one file on a host.
type FileInfo struct {
	Name    string      // base name
	Size    int64       // bytes
	Mode    fs.FileMode // type and permission bits, as io/fs defines them
	ModTime time.Time
	UID     int
	GID     int
}

// IsDir reports whether the file is a directory.
func (fi FileInfo) IsDir() bool { return fi.Mode.IsDir() }

// ErrNotSupported is returned by operations a transport cannot do (for
// example file transfer over telnet).
var ErrNotSupported = errors.New("not supported by this transport")

// UnreachableError means the host could not be reached or the connection to
// it failed: refused, timed out, authentication failed, host key rejected.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return e.Host + ": " + e.Err.Error() }

func (e *UnreachableError) Unwrap() error { return e.Err }

// UnknownConnectionError means a host asks for a connection there is no
// plugin for: the task fails, as in Ansible; the host is not unreachable.
type UnknownConnectionError struct{ Msg string }

func (e *UnknownConnectionError) Error() string { return e.Msg }

// IsUnknownConnection reports whether err is an *UnknownConnectionError.
func IsUnknownConnection(err error) bool {
	var u *UnknownConnectionError
	return errors.As(err, &u)
}

// IsUnreachable reports whether err means the host could not be reached.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}
