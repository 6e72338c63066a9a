package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestRunOverTelnet runs a command on a real telnetd host given with
// ansible_connection: telnet, and a host with a wrong password beside it:
// that one is UNREACHABLE (exit 3) and its password shows nowhere.
func TestRunOverTelnet(t *testing.T) {
	d := testlab.StartTelnetd(t)
	u := testlab.AddUser(t)
	wrong := "Wrong-" + u.Password
	inv := fmt.Sprintf(`all:
  vars: {ansible_connection: telnet, ansible_host: %s, ansible_port: %d, ansible_user: %s}
  hosts:
    good: {ansible_password: %q}
    bad: {ansible_password: %q}
`, d.Addr, d.Port, u.Name, u.Password, wrong)
	path := filepath.Join(t.TempDir(), "telnet.yml")
	if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	r := execDrover(t, nil, "run", "-i", path, "all", "-T", "20", "--", "id -un; exit 4")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2 (good fails with 4, bad unreachable):\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "── good (1) FAILED rc=4 ──\n"+u.Name+"\n") {
		t.Errorf("good host output:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "── bad (1) UNREACHABLE ──\n") || !strings.Contains(r.stdout, "authentication failed") {
		t.Errorf("bad host output:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, wrong) {
		t.Errorf("the password was printed:\n%s%s", r.stdout, r.stderr)
	}
}
