// Package trace records when each connection, command, file operation and
// task starts and ends, for finding where a run's time goes. It is off
// unless the environment variable DROVER_TRACE names a file; then every
// event appends one line to it:
//
//	START_MS DURATION_MS HOST WHAT [DETAIL] [error: ...]
//
// with START_MS counted from the moment the process started tracing.
// Sorting the file (sort -n) gives each host's timeline. Tracing costs one
// nil check when off. The file is readable by its owner only, and the
// details and errors of events under a context marked by Hide (a no_log
// task's) are masked.
package trace

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// tracer is the open trace file; nil when tracing is off.
var tracer = open(os.Getenv("DROVER_TRACE"))

type file struct {
	mu sync.Mutex
	f  *os.File
	t0 time.Time
}

func open(path string) *file {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err == nil {
		err = private(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "drover: DROVER_TRACE:", err)
		return nil
	}
	return &file{f: f, t0: time.Now()}
}

// private takes group and other access away from a trace file that
// existed before, as a new one is created without it.
func private(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return err
	}
	if err := f.Chmod(fi.Mode().Perm() &^ 0o077); err != nil {
		f.Close()
		return err
	}
	return nil
}

// hidden is the context key Hide sets.
type hidden struct{}

// Hide marks what is done under the returned context as secret: its
// events keep their host, kind and duration, but their detail and error
// are masked.
func Hide(ctx context.Context) context.Context { return context.WithValue(ctx, hidden{}, true) }

// masked is what a hidden event's detail and error show.
const masked = "********"

// redact masks secrets in each line before it is written; see SetRedact.
var redact atomic.Pointer[func(string) string]

// SetRedact makes every later line pass through mask (the run's redactor:
// vault values and passwords in a traced command line are masked in the
// file too). Nil writes lines as they are.
func SetRedact(mask func(string) string) {
	if mask == nil {
		redact.Store(nil)
		return
	}
	redact.Store(&mask)
}

// Start begins an event of host; the returned function ends it with an
// optional error. With tracing off it does nothing.
func Start(ctx context.Context, host, what, detail string) func(err error) {
	if tracer == nil {
		return noop
	}
	start := time.Now()
	if ctx.Value(hidden{}) != nil {
		if detail != "" {
			detail = masked
		}
		return func(err error) {
			if err != nil {
				err = hiddenError{}
			}
			tracer.write(start, host, what, detail, err)
		}
	}
	return func(err error) { tracer.write(start, host, what, detail, err) }
}

// hiddenError stands for the error of a hidden event.
type hiddenError struct{}

func (hiddenError) Error() string { return masked }

func noop(error) {}

func (t *file) write(start time.Time, host, what, detail string, err error) {
	line := fmt.Sprintf("%9.3f %8.3f %s %s", ms(start.Sub(t.t0)), ms(time.Since(start)), host, what)
	if detail != "" {
		line += " " + detail
	}
	if err != nil {
		line += " error: " + err.Error()
	}
	if mask := redact.Load(); mask != nil {
		line = (*mask)(line)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = t.f.WriteString(line + "\n")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
