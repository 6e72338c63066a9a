package probe

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"time"
)

// Duration is a time.Duration that appears in JSON as seconds (a number
// with microsecond precision), as Ansible's registered values report times.
type Duration time.Duration

// MarshalJSON writes d as seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(math.Round(time.Duration(d).Seconds()*1e6) / 1e6)
}

// UnmarshalJSON reads seconds back.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*d = Duration(time.Duration(s * float64(time.Second)))
	return nil
}

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// lineError is an error whose message is one line; it keeps the cause for
// errors.Is and errors.As.
type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }

func (e *lineError) Unwrap() error { return e.err }

// fail turns err into the one-line error a probe returns. When ctx ran out of
// time the message says so.
func fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	msg := oneLine(err.Error())
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded)
	if timedOut && !strings.Contains(msg, "timed out") {
		msg = "timed out: " + msg
	}
	return &lineError{msg: msg, err: err}
}

// oneLine folds s onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// firstLine is the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
