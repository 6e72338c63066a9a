package ssh_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"strings"
	"syscall"
	"testing"

	"github.com/drover/drover/transport"
)

// mountTmpfs mounts a tmpfs with opts at a new directory under dir,
// owned by owner, unmounted when the test ends.
func mountTmpfs(t *testing.T, dir, owner, opts string) string {
	t.Helper()
	u, err := user.Lookup(owner)
	if err != nil {
		t.Fatal(err)
	}
	mnt, err := os.MkdirTemp(dir, "fs-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts+",uid="+u.Uid+",gid="+u.Gid+",mode=0755", "tmpfs", mnt).CombinedOutput()
	if err != nil {
		t.Fatalf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	return mnt
}

// TestPutExplainsFailure writes to a real sshd host's full and read-only
// file systems: where SFTP says only "Failure", the error says which it
// was (and matches ENOSPC or EROFS).
func TestPutExplainsFailure(t *testing.T) {
	lab := shared(t)
	h := lab.Hosts[0]
	c := dial(t, hostConfig(lab, h))
	full := mountTmpfs(t, h.Dir, h.User, "size=256k")
	readOnly := mountTmpfs(t, h.Dir, h.User, "ro,size=64k")
	for _, tc := range []struct {
		name, dir, want string
		errno           error
	}{
		{"disk full", full, "is full", syscall.ENOSPC},
		{"read-only", readOnly, "mounted read-only", syscall.EROFS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Put(context.Background(), tc.dir+"/big", bytes.NewReader(make([]byte, 1<<20)), transport.PutOptions{})
			if err == nil || !errors.Is(err, tc.errno) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("put: %v, want %v saying %q", err, tc.errno, tc.want)
			}
			if names, _ := os.ReadDir(tc.dir); len(names) != 0 {
				t.Errorf("left behind: %v", names)
			}
		})
	}
}
