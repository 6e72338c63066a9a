package become_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/transporttest"
)

// needRootSudo skips (or fails under CI=true) unless the test runs as root
// with sudo installed.
func needRootSudo(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("become tests create users and sudoers rules: run as root")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sudo is missing (apt-get install sudo)")
		}
		t.Skip("sudo is missing")
	}
}

// TestConformanceLocalRoot runs the transport conformance suite through
// sudo on the local connection.
func TestConformanceLocalRoot(t *testing.T) {
	needRootSudo(t)
	transporttest.Run(t, func(t *testing.T) (transport.Conn, string) {
		c, err := become.Wrap(local.New(), become.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, t.TempDir()
	})
}
