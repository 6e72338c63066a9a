package sftpfs

import (
	"context"
	"fmt"
	"path"
	"syscall"
)

// stReadOnly is statvfs's flag for a file system mounted read-only.
const stReadOnly = 1

// fullBelow is the free space under which a file system counts as full.
const fullBelow = 1 << 20

// explainFailure says what the SFTP server's bare "Failure" about p
// (SSH_FX_FAILURE, which OpenSSH's sftp-server sends for ENOSPC, EROFS,
// EDQUOT and every other error version 3 of the protocol has no code for)
// most likely was, from the state of the file system holding p
// (statvfs@openssh.com); err as it is when that cannot be told.
func (f *FS) explainFailure(p string, err error) error {
	cl, cerr := f.h.Client(context.Background())
	if cerr != nil {
		return err
	}
	dir := path.Dir(p)
	st, serr := cl.StatVFS(dir)
	switch {
	case serr != nil:
		return err
	case st.Flag&stReadOnly != 0:
		return fmt.Errorf("%w (the file system holding %s is mounted read-only)", syscall.EROFS, dir)
	case st.Bavail*st.Frsize < fullBelow:
		return fmt.Errorf("%w (the file system holding %s is full: %d KiB free)", syscall.ENOSPC, dir, st.Bavail*st.Frsize>>10)
	case st.Files > 0 && st.Favail == 0:
		return fmt.Errorf("%w (the file system holding %s has no free inodes)", syscall.ENOSPC, dir)
	}
	return fmt.Errorf("the host refused it without saying why (SFTP \"Failure\": a disk quota exceeded, or an error SFTP has no name for); %s has %d MiB free", dir, st.Bavail*st.Frsize>>20)
}
