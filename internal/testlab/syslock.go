package testlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Machine-wide locks for tests that change shared system state. go test
// runs packages as parallel processes; tests that add users while another
// compares the ids useradd hands out, or that install packages at once,
// take turns on a lock file instead.

// Accounts is the lock on the user and group databases.
const Accounts = "accounts"

// Lock holds the machine-wide lock name until t ends.
func Lock(t testing.TB, name string) {
	t.Helper()
	unlock, err := lock(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}

// lock waits for the lock name and returns its release.
func lock(name string) (func(), error) {
	p := filepath.Join(os.TempDir(), "drover-test-"+name+".lock")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("testlab: lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("testlab: lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil
}

// AccountsCmd runs a user-database command (useradd, userdel, usermod,
// chpasswd…) with stdin as its input, holding the Accounts lock.
func AccountsCmd(stdin, name string, args ...string) ([]byte, error) {
	unlock, err := lock(Accounts)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	return cmd.CombinedOutput()
}
