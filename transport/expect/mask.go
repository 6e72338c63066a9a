package expect

import (
	"bytes"
	"io"
	"sort"
	"sync"
)

// Mask is what every secret value is replaced with.
const Mask = "********"

// Redactor hides registered secret values in text. *Masker implements it; a
// drover-wide redactor with the same two methods can be passed in Options so
// that it learns the secrets an expect program sends.
type Redactor interface {
	// Add registers a secret value; empty values are ignored.
	Add(secret string)
	// String returns s with every registered secret replaced by Mask.
	String(s string) string
}

// Masker is a Redactor that also masks streams, holding back the end of the
// stream that could be the start of a secret split across two writes.
type Masker struct {
	mu      sync.RWMutex
	secrets [][]byte
	longest int
}

// NewMasker returns a Masker that knows secrets.
func NewMasker(secrets ...string) *Masker {
	m := &Masker{}
	for _, s := range secrets {
		m.Add(s)
	}
	return m
}

// Add registers secret.
func (m *Masker) Add(secret string) {
	if secret == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.secrets {
		if string(s) == secret {
			return
		}
	}
	m.secrets = append(m.secrets, []byte(secret))
	sort.SliceStable(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
	m.longest = max(m.longest, len(secret))
}

// String masks every secret in s.
func (m *Masker) String(s string) string { return string(m.Bytes([]byte(s))) }

// Bytes masks every secret in b, returning a new slice.
func (m *Masker) Bytes(b []byte) []byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return replaceSpans(b, findSpans(b, m.secrets))
}

// Tail masks b like Bytes and also masks an incomplete secret at its very
// end (at least three bytes, or all of a shorter secret), for showing output
// that may stop in the middle of an echoed secret.
func (m *Masker) Tail(b []byte) []byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	spans := findSpans(b, m.secrets)
	end := len(b)
	if n := len(spans); n > 0 {
		end = len(b) - spans[n-1].end
	}
	if cut := partialSecretAtEnd(b[len(b)-end:], m.secrets); cut > 0 {
		spans = append(spans, span{len(b) - cut, len(b)})
	}
	return replaceSpans(b, spans)
}

// partialSecretAtEnd returns the length of the longest proper prefix of a
// secret that b ends with, counting only prefixes of at least three bytes (or
// a whole-but-short secret's every byte but none).
func partialSecretAtEnd(b []byte, secrets [][]byte) int {
	best := 0
	for _, s := range secrets {
		for n := min(len(s)-1, len(b)); n > best; n-- {
			if n < 3 && n < len(s)-1 {
				break
			}
			if bytes.HasSuffix(b, s[:n]) {
				best = n
				break
			}
		}
	}
	return best
}

type span struct{ start, end int }

// findSpans returns the non-overlapping occurrences of secrets in b, left to
// right, preferring the longest secret where several start at one place.
func findSpans(b []byte, secrets [][]byte) []span {
	var all []span
	for _, s := range secrets {
		for off := 0; off < len(b); {
			i := bytes.Index(b[off:], s)
			if i < 0 {
				break
			}
			all = append(all, span{off + i, off + i + len(s)})
			off += i + 1
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return all[i].end > all[j].end
	})
	var out []span
	for _, sp := range all {
		if n := len(out); n > 0 && sp.start < out[n-1].end {
			if sp.end > out[n-1].end {
				out[n-1].end = sp.end
			}
			continue
		}
		out = append(out, sp)
	}
	return out
}

func replaceSpans(b []byte, spans []span) []byte {
	out := make([]byte, 0, len(b))
	prev := 0
	for _, sp := range spans {
		out = append(out, b[prev:sp.start]...)
		out = append(out, Mask...)
		prev = sp.end
	}
	return append(out, b[prev:]...)
}

// Writer returns a writer that masks what it passes on to w. Secrets split
// across writes are still masked: up to the longest secret's length minus one
// byte is held back until the next write or Flush.
func (m *Masker) Writer(w io.Writer) *MaskWriter { return &MaskWriter{m: m, w: w} }

// MaskWriter is the masking stream returned by Masker.Writer.
type MaskWriter struct {
	mu      sync.Mutex
	m       *Masker
	w       io.Writer
	pending []byte
}

// Write masks p and passes on all of it that cannot be part of a secret
// completed by a later write.
func (mw *MaskWriter) Write(p []byte) (int, error) {
	mw.mu.Lock()
	defer mw.mu.Unlock()
	mw.pending = append(mw.pending, p...)
	mw.m.mu.RLock()
	spans := findSpans(mw.pending, mw.m.secrets)
	cut := len(mw.pending) - max(mw.m.longest-1, 0)
	mw.m.mu.RUnlock()
	if cut <= 0 {
		return len(p), nil
	}
	var emit []span
	for _, sp := range spans {
		if sp.start >= cut {
			break
		}
		cut = max(cut, sp.end)
		emit = append(emit, sp)
	}
	out := replaceSpans(mw.pending[:cut], emit)
	mw.pending = append(mw.pending[:0], mw.pending[cut:]...)
	if _, err := mw.w.Write(out); err != nil {
		return len(p), err
	}
	return len(p), nil
}

// Flush masks and passes on everything held back.
func (mw *MaskWriter) Flush() error {
	mw.mu.Lock()
	defer mw.mu.Unlock()
	if len(mw.pending) == 0 {
		return nil
	}
	out := mw.m.Tail(mw.pending)
	mw.pending = mw.pending[:0]
	_, err := mw.w.Write(out)
	return err
}
