package expect

import (
	"bytes"

	"fmt"
	"github.com/drover/drover/internal/redact"
	"strings"
)

// Result is what a program left: the output it read, the matches of its
// steps and a transcript. Every text in it is masked.
type Result struct {
	// Output is everything read while the program ran.
	Output []byte
	// Matches has one entry per satisfied wait, in order.
	Matches []Match
	// Events interleave output, sends and matches, in order.
	Events []Event
}

// Match is one satisfied wait.
type Match struct {
	Step     int    // index of the step in Program.Steps
	StepName string // the step's name, or "step N"
	Index    int    // index of the alternative that matched
	Kind     Kind
	Text     string            // the matched text
	Before   string            // output between the previous match and this one
	Captures []string          // capture groups 1..n, empty when a group took no part
	Named    map[string]string // named capture groups
}

// EventKind says what an Event records.
type EventKind int

// The kinds of event.
const (
	Output  EventKind = iota // output read from the stream
	Sent                     // text written to the stream
	Matched                  // a step's wait ended
)

// Event is one entry of a transcript.
type Event struct {
	Kind EventKind
	Step int    // index of the step that was running
	Text string // output, text sent, or a description of the match
}

// Transcript renders the events for a person: output lines start with "< ",
// sent text with "> ", matches with "= ".
func (r *Result) Transcript() string {
	var b strings.Builder
	for _, e := range r.Events {
		prefix := map[EventKind]string{Output: "< ", Sent: "> ", Matched: "= "}[e.Kind]
		text := strings.ReplaceAll(e.Text, "\r\n", "\n")
		text = strings.TrimSuffix(text, "\n")
		for _, line := range strings.Split(text, "\n") {
			b.WriteString(prefix)
			b.WriteString(strings.TrimRight(line, "\r"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// describeMatch is the transcript text of a match.
func describeMatch(m Match, alt *Alternative) string {
	return fmt.Sprintf("%s: alternative %d (%s)", m.StepName, m.Index+1, alt.Describe())
}

// recorder collects a program's output and events with raw text; finish
// masks them once every secret of the run is known, so that a secret split
// across two reads is masked whole.
type recorder struct {
	raw    []byte
	events []rawEvent
	limit  int
}

type rawEvent struct {
	kind       EventKind
	step       int
	start, end int    // output: span of raw
	text       string // sends and matches
	secret     bool
}

func (r *recorder) output(step int, p []byte) {
	if len(r.raw)+len(p) > r.limit {
		return
	}
	start := len(r.raw)
	r.raw = append(r.raw, p...)
	if n := len(r.events); n > 0 && r.events[n-1].kind == Output && r.events[n-1].step == step {
		r.events[n-1].end = len(r.raw)
		return
	}
	r.events = append(r.events, rawEvent{kind: Output, step: step, start: start, end: len(r.raw)})
}

func (r *recorder) add(kind EventKind, step int, text string, secret bool) {
	r.events = append(r.events, rawEvent{kind: kind, step: step, text: text, secret: secret})
}

// finish masks the recorded output and events with m. Output goes through
// a masking stream, so a secret split across two reads is masked whole; the
// start of a possible secret moves to the next output event.
func (r *recorder) finish(m *redact.Redactor, res *Result) {
	var out bytes.Buffer
	w := m.Writer(&out)
	last := -1
	for _, e := range r.events {
		ev := Event{Kind: e.kind, Step: e.step}
		switch {
		case e.kind == Output:
			from := out.Len()
			_, _ = w.Write(r.raw[e.start:e.end])
			ev.Text = out.String()[from:]
			last = len(res.Events)
		case e.secret:
			ev.Text = Mask
		default:
			ev.Text = m.String(e.text)
		}
		res.Events = append(res.Events, ev)
	}
	from := out.Len()
	_ = w.Close()
	if last >= 0 {
		res.Events[last].Text += out.String()[from:]
	}
	res.Output = out.Bytes()
	kept := res.Events[:0]
	for _, ev := range res.Events {
		if ev.Kind != Output || ev.Text != "" {
			kept = append(kept, ev)
		}
	}
	res.Events = kept
}
