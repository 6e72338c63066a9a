package expect

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// script is an in-memory peer for engine tests: it hands out its chunks one
// read at a time (each write to it may release more), then ends or blocks.
type script struct {
	mu     sync.Mutex
	cond   *sync.Cond
	chunks [][]byte
	end    bool // after the chunks: io.EOF instead of blocking
	closed bool
	sent   bytes.Buffer
	// onSend, when set, returns chunks to add after each write.
	onSend func(sent string) []string
}

func newScript(end bool, chunks ...string) *script {
	s := &script{end: end}
	s.cond = sync.NewCond(&s.mu)
	for _, c := range chunks {
		s.chunks = append(s.chunks, []byte(c))
	}
	return s
}

func (s *script) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.chunks) == 0 && !s.end && !s.closed {
		s.cond.Wait()
	}
	if len(s.chunks) == 0 || string(s.chunks[0]) == eofChunk {
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	s.chunks[0] = s.chunks[0][n:]
	if len(s.chunks[0]) == 0 {
		s.chunks = s.chunks[1:]
	}
	return n, nil
}

func (s *script) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent.Write(p)
	if s.onSend != nil {
		for _, c := range s.onSend(string(p)) {
			s.chunks = append(s.chunks, []byte(c))
		}
	}
	s.cond.Broadcast()
	return len(p), nil
}

func (s *script) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
	return nil
}

func (s *script) Sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent.String()
}

// eofChunk, as a chunk of a script, ends its output there.
const eofChunk = "\x00EOF"

// session starts a Session over sc, closed at the end of the test.
func session(t *testing.T, sc *script, opts Options) *Session {
	t.Helper()
	s := NewSession(sc, sc, opts)
	t.Cleanup(func() {
		s.Close()
		sc.Close()
	})
	return s
}

func re(p string, answers ...string) Alternative {
	return Alternative{Kind: Regexp, Pattern: p, Answers: answers}
}

func lit(p string, answers ...string) Alternative {
	return Alternative{Kind: Literal, Pattern: p, Answers: answers}
}

func step(name string, alts ...Alternative) Step { return Step{Name: name, Alternatives: alts} }
