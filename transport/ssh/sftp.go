package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pkg/sftp"

	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/internal/sftpfs"
)

// fileHooks are what the connection's file operations (sftpfs) need of
// it.
func (c *Conn) fileHooks() sftpfs.Hooks {
	return sftpfs.Hooks{Host: c.cfg.Host, Account: c.Account(), Client: c.files, Lost: c.filesLost, Run: c.Run}
}

// files returns the connection's SFTP client, starting it on first use.
func (c *Conn) files(ctx context.Context) (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		return c.sftp, nil
	}
	if !c.Alive() {
		return nil, c.lost(errors.New("connection closed"))
	}
	end := trace.Start(ctx, c.cfg.Host, "sftp-start", "")
	cl, err := c.startSFTP()
	end(err)
	if err != nil {
		return nil, c.lost(fmt.Errorf("start sftp: %w", err))
	}
	c.sftp = cl
	return cl, nil
}

// startSFTP starts the SFTP subsystem in a session of its own.
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
				return sftpfs.NewClient(r, w)
			}
		}
	}
	s.Close()
	return nil, err
}

// filesLost is the connection's failure when err, an SFTP error that is no
// status, came from the connection ending; a client whose stream broke
// while the connection lives is dropped so that the next use starts
// another.
func (c *Conn) filesLost(err error) error {
	if lost := c.lost(err); transport.IsUnreachable(lost) {
		return lost
	}
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) {
		c.resetFiles()
	}
	return nil
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
