package ui

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the progress timer's writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lastLine is the line last drawn.
func (b *syncBuffer) lastLine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	parts := strings.Split(b.buf.String(), "\r\x1b[2K")
	return parts[len(parts)-1]
}

// TestProgressNeverStale: hosts that finish in a burst (faster than the
// line is drawn) are counted on the next redraw, without waiting for
// another host; the line names the hosts still pending and the time spent.
func TestProgressNeverStale(t *testing.T) {
	var errOut syncBuffer
	p := &Printer{Out: &bytes.Buffer{}, Err: &errOut, Live: true}
	g := p.NewProgress("TASK [x]", []string{"h1", "h2", "h3", "h4", "h5"})
	defer g.Stop()
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		g.Done(h, StatusOK)
	}
	g.Done("h5", StatusFailed)
	g = p.NewProgress("TASK [y]", []string{"h1", "h2", "h3", "h4", "h5"})
	defer g.Stop()
	g.Done("h1", StatusOK)
	g.Done("h2", StatusFailed)
	g.Done("h3", StatusOK)
	g.Done("h4", StatusUnreachable)
	want := "[4/5] TASK [y] · 1 failed · 1 unreachable · waiting for h5 · "
	for deadline := time.Now().Add(10 * time.Second); !strings.HasPrefix(errOut.lastLine(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("last line drawn %q, want it to start with %q", errOut.lastLine(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasSuffix(errOut.lastLine(), "s") {
		t.Errorf("line %q lacks the elapsed time", errOut.lastLine())
	}
}

// TestProgressLine: pending names fold, repeated names count once per
// item, and the line is cut to the terminal's width.
func TestProgressLine(t *testing.T) {
	p := &Printer{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	names := []string{"web01", "web02", "web03", "web04", "db1", "db1"}
	g := p.NewProgress("certs", names)
	g.Done("web02", StatusOK)
	g.Done("db1", StatusOK)
	if got, want := g.Line(), "[2/6] certs · waiting for db1,web[01,03-04] · "; !strings.HasPrefix(got, want) {
		t.Errorf("line %q, want prefix %q", got, want)
	}
	var errOut bytes.Buffer
	p = &Printer{Out: &bytes.Buffer{}, Err: &errOut, Live: true, Width: 20}
	g = p.NewProgress("a long label that does not fit", []string{"h1"})
	g.Done("h1", StatusOK)
	g.Stop()
	for _, l := range strings.Split(errOut.String(), "\r\x1b[2K") {
		if n := len([]rune(l)); n > 19 {
			t.Errorf("line %q is %d wide, more than 19", l, n)
		}
	}
}
