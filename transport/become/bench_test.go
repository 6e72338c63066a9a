package become_test

import (
	"context"
	"testing"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
)

// BenchmarkRun compares one command on a real sshd host run plainly, as
// root through sudo without a password, and through sudo with one.
func BenchmarkRun(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	conns := []struct {
		name string
		conn func() transport.Conn
	}{
		{"plain", func() transport.Conn { return f.dial(b, f.free) }},
		{"sudo", func() transport.Conn { return wrap(b, f.dial(b, f.free), become.Options{}) }},
		{"sudo-password", func() transport.Conn {
			return wrap(b, f.dial(b, f.guarded), become.Options{Password: f.guardedPw})
		}},
	}
	for _, c := range conns {
		b.Run(c.name, func(b *testing.B) {
			conn := c.conn()
			for b.Loop() {
				if res, err := conn.Run(ctx, transport.Command{Argv: []string{"true"}}); err != nil || res.ExitCode != 0 {
					b.Fatal(res.ExitCode, err)
				}
			}
		})
	}
}

// BenchmarkStat compares a file operation plainly (SFTP over the SSH
// connection) and through the become file session (sftp-server under sudo).
func BenchmarkStat(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		conn transport.Conn
	}{
		{"plain", f.dial(b, f.free)},
		{"sudo-password", wrap(b, f.dial(b, f.guarded), become.Options{Password: f.guardedPw})},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.conn.Stat(ctx, "/etc/hostname"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
