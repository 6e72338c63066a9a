package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/drover/drover/internal/hostlist"
)

// Status is how one host ended.
type Status string

// Statuses, in the order their groups are printed.
const (
	StatusOK          Status = "ok"
	StatusChanged     Status = "changed"
	StatusSkipped     Status = "skipped"
	StatusWarning     Status = "warning" // a probe passed with a warning (a certificate soon to expire)
	StatusFailed      Status = "failed"
	StatusUnreachable Status = "unreachable"
)

var statusRank = map[Status]int{StatusOK: 0, StatusChanged: 1, StatusSkipped: 2, StatusWarning: 3, StatusFailed: 4, StatusUnreachable: 5}

// HostResult is what one host returned for a command or probe.
type HostResult struct {
	Host   string `json:"host"`
	Status Status `json:"status"`
	RC     int    `json:"rc"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Msg    string `json:"msg,omitempty"`
	// Cause, when set, is Msg without what differs from host to host (its
	// address): folded output groups hosts by it, and shows it for a group
	// of several.
	Cause    string        `json:"-"`
	Duration time.Duration `json:"-"`
}

// shownMsg is the message folded output shows: the cause when known.
func (r HostResult) shownMsg() string {
	if r.Cause != "" {
		return r.Cause
	}
	return r.Msg
}

// group is the hosts that returned the same thing.
type group struct {
	first   int // index of its first result, for stable order
	results []HostResult
}

func (r HostResult) foldKey() string {
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s\x00%s", r.Status, r.RC, r.Stdout, r.Stderr, r.shownMsg())
}

// Fold groups results whose status, exit code, output and message (or
// cause) are all equal; successes come first, then failures, unreachable hosts last, larger
// groups before smaller ones within a status.
func fold(results []HostResult) []group {
	index := map[string]int{}
	var groups []group
	for i, r := range results {
		k := r.foldKey()
		if gi, ok := index[k]; ok {
			groups[gi].results = append(groups[gi].results, r)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, group{first: i, results: []HostResult{r}})
	}
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i].results[0], groups[j].results[0]
		if statusRank[a.Status] != statusRank[b.Status] {
			return statusRank[a.Status] < statusRank[b.Status]
		}
		if len(groups[i].results) != len(groups[j].results) {
			return len(groups[i].results) > len(groups[j].results)
		}
		return groups[i].first < groups[j].first
	})
	return groups
}

// PrintFolded writes results grouped by identical outcome, each group under a
// header naming its hosts in folded form: "h[1-40,42] (41)".
func (p *Printer) PrintFolded(results []HostResult) {
	for _, g := range fold(results) {
		p.printGroup(g)
	}
}

func (p *Printer) printGroup(g group) {
	r := g.results[0]
	hosts := make([]string, len(g.results))
	for i, hr := range g.results {
		hosts[i] = hr.Host
	}
	head := fmt.Sprintf("%s (%d)", hostlist.Fold(hosts), len(hosts))
	fmt.Fprintln(p.Out, p.Paint(statusColour(r.Status), "── "+head+statusNote(r)+" ──"))
	writeBlock(p, r.Stdout, "")
	// Without colours (piped to a file), stderr is set apart by a label.
	if r.Stderr != "" && !p.Colour {
		fmt.Fprintln(p.Out, "stderr:")
	}
	writeBlock(p, r.Stderr, Red)
	msg := r.Msg // a host alone keeps its own message
	if len(g.results) > 1 {
		msg = r.shownMsg()
	}
	writeBlock(p, msg, msgColour(r.Status))
}

// statusNote is what a group header says after its hosts.
func statusNote(r HostResult) string {
	switch r.Status {
	case StatusUnreachable:
		return " UNREACHABLE"
	case StatusWarning:
		return " WARN"
	case StatusFailed:
		if r.RC != 0 {
			return fmt.Sprintf(" FAILED rc=%d", r.RC)
		}
		return " FAILED"
	case StatusOK, StatusChanged, StatusSkipped:
		if r.RC != 0 {
			return fmt.Sprintf(" rc=%d", r.RC)
		}
	}
	return ""
}

func msgColour(s Status) Colour {
	switch s {
	case StatusFailed, StatusUnreachable:
		return Red
	case StatusWarning:
		return Yellow
	}
	return ""
}

func statusColour(s Status) Colour {
	switch s {
	case StatusChanged, StatusWarning:
		return Yellow
	case StatusFailed, StatusUnreachable:
		return Red
	case StatusSkipped:
		return Cyan
	}
	return Green
}

// writeBlock writes remote text, escaped (Escape), in colour c.
func writeBlock(p *Printer, text string, c Colour) {
	if text == "" {
		return
	}
	text = Escape(strings.TrimSuffix(text, "\n"))
	if c != "" {
		text = p.Paint(c, text)
	}
	fmt.Fprintln(p.Out, text)
}

// Summary writes one line counting results by status, with the wall time.
func (p *Printer) Summary(results []HostResult, wall time.Duration) {
	counts := map[Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	var parts []string
	for _, s := range []Status{StatusOK, StatusChanged, StatusSkipped, StatusWarning, StatusFailed, StatusUnreachable} {
		if counts[s] > 0 {
			parts = append(parts, p.Paint(statusColour(s), fmt.Sprintf("%d %s", counts[s], s)))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no hosts")
	}
	fmt.Fprintf(p.Out, "%s · %s\n", strings.Join(parts, " · "), wall.Round(time.Millisecond))
}
