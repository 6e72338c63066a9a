package telnet

import (
	"bytes"
	"context"
	"testing"

	"github.com/drover/drover/transport"
)

// BenchmarkDecode measures the protocol parser on output with a command
// every 256 bytes and doubled IACs.
func BenchmarkDecode(b *testing.B) {
	var in []byte
	for i := 0; i < 4096; i++ {
		in = append(in, bytes.Repeat([]byte("data\r\n"), 42)...)
		in = append(in, cmdIAC, cmdNOP, cmdIAC, cmdIAC, 'x', '\r', 0)
	}
	out := make([]byte, 0, len(in))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		out = newDecoder().decode(out[:0], in)
	}
}

// BenchmarkTelnetdRun measures one short command round trip over a
// logged-in session with a real telnetd.
func BenchmarkTelnetdRun(b *testing.B) {
	d := startTelnetd(b)
	u := addUser(b)
	c := dialTelnetd(b, d, Config{User: u.Name, Password: u.Password})
	for b.Loop() {
		res, err := c.Run(context.Background(), transport.Command{Shell: "echo hi"})
		if err != nil || string(res.Stdout) != "hi\n" {
			b.Fatalf("%v %q", err, res.Stdout)
		}
	}
}
