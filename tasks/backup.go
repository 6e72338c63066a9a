package tasks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/drover/drover/transport"
)

// backupName is the name Ansible's backup_local gives a backup of p:
// p.PID.YYYY-MM-DD@HH:MM:SS~ (drover's process id, the controller's local
// time).
func backupName(p string, now time.Time) string {
	return fmt.Sprintf("%s.%d.%s", p, os.Getpid(), now.Format("2006-01-02@15:04:05~"))
}

// backupFile keeps a copy of the file at p before a module replaces it, with
// its content, mode, owner and times, and returns the backup's name. The
// copy is a hard link to the current file (one round trip, nothing copied:
// modules replace files by renaming a new one over them, so the link keeps
// the old content); where the host refuses the link the content is copied.
func backupFile(ctx context.Context, conn transport.Conn, p string) (string, error) {
	name := backupName(p, time.Now())
	err := conn.Link(ctx, p, name)
	if err == nil || hostErr(err) {
		return name, err
	}
	fi, err := conn.Stat(ctx, p)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := conn.Get(ctx, p, &buf); err != nil {
		return "", err
	}
	if err := conn.Put(ctx, name, &buf, transport.PutOptions{Mode: fi.Mode.Perm() | fi.Mode&(modeSpecial), ModTime: fi.ModTime}); err != nil {
		return "", err
	}
	if err := conn.Chown(ctx, name, fi.UID, fi.GID); err != nil && hostErr(err) {
		return "", err
	}
	return name, nil
}

// backupContent is backupFile for a file whose content the module already
// read: when the hard link is refused, the content is written again
// without reading the file a second time.
func backupContent(ctx context.Context, conn transport.Conn, p string, content []byte, fi transport.FileInfo) (string, error) {
	name := backupName(p, time.Now())
	err := conn.Link(ctx, p, name)
	if err == nil || hostErr(err) {
		return name, err
	}
	if err := conn.Put(ctx, name, bytes.NewReader(content), transport.PutOptions{Mode: fi.Mode.Perm() | fi.Mode&modeSpecial, ModTime: fi.ModTime}); err != nil {
		return "", err
	}
	if err := conn.Chown(ctx, name, fi.UID, fi.GID); err != nil && hostErr(err) {
		return "", err
	}
	return name, nil
}
