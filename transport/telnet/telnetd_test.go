package telnet

import (
	"context"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
)

const telnetdPath = testlab.TelnetdPath

type telnetd = testlab.Telnetd

type testUser = testlab.User

func startTelnetd(t testing.TB) *telnetd { t.Helper(); return testlab.StartTelnetd(t) }

func addUser(t testing.TB) testUser { t.Helper(); return testlab.AddUser(t) }

// dialTelnetd logs in to d as u.
func dialTelnetd(t testing.TB, d *telnetd, cfg Config) *Conn {
	t.Helper()
	cfg.Host, cfg.Port = d.Addr, d.Port
	c, err := Dial(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testCtx bounds a test's dials and commands: a server that stops answering
// fails the test with the last output it sent instead of hanging the
// package until go test's timeout.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
