package expect

import (
	"fmt"
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

// recorder collects a program's output and events as they happened.
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

func (r *recorder) add(kind EventKind, step int, text string) {
	r.events = append(r.events, rawEvent{kind: kind, step: step, text: text})
}

// finish fills res with the recorded output and events, unmasked: they are
// the registered value, and masking is for what is shown (the session's
// secrets are registered with its Redactor for that).
func (r *recorder) finish(res *Result) {
	for _, e := range r.events {
		ev := Event{Kind: e.kind, Step: e.step, Text: e.text}
		if e.kind == Output {
			ev.Text = string(r.raw[e.start:e.end])
		}
		if ev.Kind != Output || ev.Text != "" {
			res.Events = append(res.Events, ev)
		}
	}
	res.Output = r.raw
}
