package telnet

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"time"

	"github.com/drover/drover/transport"
)

// noFiles is the error of every file operation.
func (c *Conn) noFiles(op, path string) error {
	return fmt.Errorf("telnet %s: %s %s: file transfer is not possible over telnet: %w", c.cfg.Name, op, path, transport.ErrNotSupported)
}

// Put is not possible over telnet.
func (c *Conn) Put(_ context.Context, path string, _ io.Reader, _ transport.PutOptions) error {
	return c.noFiles("put", path)
}

// Get is not possible over telnet.
func (c *Conn) Get(_ context.Context, path string, _ io.Writer) error {
	return c.noFiles("get", path)
}

// Checksum is not possible over telnet.
func (c *Conn) Checksum(_ context.Context, path string) (string, error) {
	return "", c.noFiles("checksum", path)
}

// Stat is not possible over telnet.
func (c *Conn) Stat(_ context.Context, path string) (transport.FileInfo, error) {
	return transport.FileInfo{}, c.noFiles("stat", path)
}

// Lstat is not possible over telnet.
func (c *Conn) Lstat(_ context.Context, path string) (transport.FileInfo, error) {
	return transport.FileInfo{}, c.noFiles("lstat", path)
}

// ReadDir is not possible over telnet.
func (c *Conn) ReadDir(_ context.Context, path string) ([]transport.FileInfo, error) {
	return nil, c.noFiles("readdir", path)
}

// Readlink is not possible over telnet.
func (c *Conn) Readlink(_ context.Context, path string) (string, error) {
	return "", c.noFiles("readlink", path)
}

// Mkdir is not possible over telnet.
func (c *Conn) Mkdir(_ context.Context, path string, _ fs.FileMode) error {
	return c.noFiles("mkdir", path)
}

// Chmod is not possible over telnet.
func (c *Conn) Chmod(_ context.Context, path string, _ fs.FileMode) error {
	return c.noFiles("chmod", path)
}

// Chown is not possible over telnet.
func (c *Conn) Chown(_ context.Context, path string, _, _ int) error {
	return c.noFiles("chown", path)
}

// Chtimes is not possible over telnet.
func (c *Conn) Chtimes(_ context.Context, path string, _, _ time.Time) error {
	return c.noFiles("chtimes", path)
}

// Symlink is not possible over telnet.
func (c *Conn) Symlink(_ context.Context, _, path string) error {
	return c.noFiles("symlink", path)
}

// Link is not possible over telnet.
func (c *Conn) Link(_ context.Context, _, path string) error { return c.noFiles("link", path) }

// Rename is not possible over telnet.
func (c *Conn) Rename(_ context.Context, oldpath, _ string) error {
	return c.noFiles("rename", oldpath)
}

// Remove is not possible over telnet.
func (c *Conn) Remove(_ context.Context, path string) error { return c.noFiles("remove", path) }

// Dial is not possible over telnet: the host cannot open connections for
// drover without something installed on it.
func (c *Conn) Dial(_ context.Context, network, addr string) (net.Conn, error) {
	return nil, fmt.Errorf("telnet %s: dial %s %s: opening connections from the host is not possible over telnet: %w",
		c.cfg.Name, network, addr, transport.ErrNotSupported)
}
