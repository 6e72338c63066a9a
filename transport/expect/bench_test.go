package expect

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// BenchmarkFind measures one matching pass of three alternatives over 64 KiB
// of output with no match, the engine's work per read in a long wait.
func BenchmarkFind(b *testing.B) {
	buf := bytes.Repeat([]byte("building module 42 of 300 ... ok\r\n"), 64<<10/36)
	alts := []Alternative{re(`(?i)password:\s*$`), lit("Continue? [y/N]"), re(`\$ $`)}
	for i := range alts {
		if err := alts[i].compile(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := find(buf, 0, alts); ok {
			b.Fatal("matched")
		}
	}
}

// BenchmarkSessionOutput streams 1 MiB of output through a session to its
// end, in 32 KiB reads, matching after each.
func BenchmarkSessionOutput(b *testing.B) {
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	b.SetBytes(32 * int64(len(chunk)))
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < 32; i++ {
				pw.Write(chunk)
			}
			pw.Close()
		}()
		s := NewSession(pr, io.Discard, Options{})
		_, err := s.Run(context.Background(), &Program{Steps: []Step{step("end", lit("never"), Alternative{Kind: EOF})}})
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}
