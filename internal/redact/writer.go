package redact

import (
	"errors"
	"io"
	"sync"
)

// ErrClosed is returned by a Write after Close.
var ErrClosed = errors.New("redact: write after close")

// Writer masks secrets in a stream before passing it on. A secret split
// across Write calls is still masked: the Writer holds back the shortest
// tail that could be the start of a secret (at most the longest secret's
// length minus one byte) until the next Write, Flush or Close tells it
// more. It is safe for concurrent use; its output is what String would
// make of everything written, as long as no secret is added meanwhile.
type Writer struct {
	r       *Redactor
	w       io.Writer
	mu      sync.Mutex
	pending []byte
	closed  bool
}

// Writer returns a Writer masking r's secrets on their way to w. Close
// flushes it and does not close w.
func (r *Redactor) Writer(w io.Writer) *Writer {
	return &Writer{r: r, w: w}
}

// Write masks p, writes all that is safe to write and holds the rest. It
// reports len(p) when nothing failed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	buf := append(w.pending, p...)
	m := w.r.matcher()
	if m == nil {
		w.pending = w.pending[:0]
		if _, err := w.w.Write(buf); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	out, end := m.replaceUpTo(buf, len(buf)-m.heldTail(buf))
	if len(out) > 0 {
		if _, err := w.w.Write(out); err != nil {
			w.pending = w.pending[:0]
			return 0, err
		}
	}
	w.pending = append(w.pending[:0:0], buf[end:]...)
	return len(p), nil
}

// Flush masks and writes the held tail.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flush()
}

func (w *Writer) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	out := w.r.Bytes(w.pending)
	w.pending = nil
	_, err := w.w.Write(out)
	return err
}

// Close flushes the held tail; later Writes fail with ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.flush()
}
