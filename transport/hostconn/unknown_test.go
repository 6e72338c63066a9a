package hostconn

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/drover/drover/transport"
)

// TestUnknownKind: a connection drover has no transport for fails the
// task, unless it is the user's Python plugin, which drover cannot run:
// then the host is unreachable, as when Ansible's plugin cannot connect.
func TestUnknownKind(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fake_conn.py"), []byte("# plugin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANSIBLE_CONNECTION_PLUGINS", dir)
	cases := []struct {
		kind        string
		unreachable bool
	}{
		{"fake_conn", true},
		{"no_such_conn", false},
		{"winrm", false},
	}
	for _, c := range cases {
		err := unknownKind("h1", c.kind)
		if got := transport.IsUnreachable(err); got != c.unreachable {
			t.Errorf("%s: unreachable = %v (%v), want %v", c.kind, got, err, c.unreachable)
		}
		if !c.unreachable && !transport.IsUnknownConnection(err) {
			t.Errorf("%s: %v is not an unknown connection", c.kind, err)
		}
	}
}
