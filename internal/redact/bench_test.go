package redact

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// manySecrets is a Redactor holding n secrets that share their first
// bytes, the worst case for its per-first-byte index.
func manySecrets(n int) *Redactor {
	r := New()
	for i := range n {
		r.Add(fmt.Sprintf("value-%05d-secret", i))
	}
	return r
}

// benchText is 1 MiB of log-like text with a secret every few lines.
var benchText = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "TASK [line %d] ok: host%d => {\"value\": \"value-%05d-secret\", \"other\": \"validation passed\"}\n", i, i%50, i%3000)
	}
	return b.String()
}()

func BenchmarkString2000Secrets(b *testing.B) {
	r := manySecrets(2000)
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		r.String(benchText)
	}
}

func BenchmarkWriter2000Secrets(b *testing.B) {
	r := manySecrets(2000)
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		w := r.Writer(io.Discard)
		for i := 0; i < len(benchText); i += 4096 {
			w.Write([]byte(benchText[i:min(i+4096, len(benchText))]))
		}
		w.Close()
	}
}
