package tasks

import (
	"context"
	"testing"
)

// benchModule runs a module b.N times on a real sshd host; the first run
// (outside the timer) puts the host in the state the benchmark measures.
func benchModule(b *testing.B, module string, args func(dir string) map[string]any) {
	conn, h := labConnB(b)
	a := args(h.Dir)
	s, ok := Lookup(module)
	if !ok {
		b.Fatal(module)
	}
	prepared, err := s.Prepare(a)
	if err != nil {
		b.Fatal(err)
	}
	c := &Call{Module: module, Args: prepared, Conn: conn, Find: func(_, n string) (string, error) { return n, nil }}
	if _, err := s.Run(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := s.Run(context.Background(), c)
		if err != nil || r.Failed || r.Changed {
			b.Fatalf("run %d: %v %v", i, err, r.Registered())
		}
	}
}

// BenchmarkCopyUnchanged is an idempotent copy of content over ssh.
func BenchmarkCopyUnchanged(b *testing.B) {
	benchModule(b, "copy", func(dir string) map[string]any {
		return map[string]any{"content": "host=a\nkernel=6\n", "dest": dir + "/app.conf", "mode": "0644"}
	})
}

// BenchmarkLineinfileUnchanged is an idempotent lineinfile over ssh.
func BenchmarkLineinfileUnchanged(b *testing.B) {
	benchModule(b, "lineinfile", func(dir string) map[string]any {
		return map[string]any{"path": dir + "/li.conf", "line": "debug=false", "create": true}
	})
}

// BenchmarkDirectoryUnchanged is file state=directory on an existing one.
func BenchmarkDirectoryUnchanged(b *testing.B) {
	benchModule(b, "file", func(dir string) map[string]any {
		return map[string]any{"path": dir + "/data", "state": "directory", "mode": "0755"}
	})
}
