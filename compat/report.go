package compat

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Result is one target's runs: Ansible's (the oracle; nil when it was not
// run) and drover's (nil when it was not run).
type Result struct {
	Target  string   `json:"target"`
	Kind    Kind     `json:"kind"`
	Ansible *Outcome `json:"ansible,omitempty"`
	Drover  *Outcome `json:"drover,omitempty"`
}

// Verdict is the result's cell in the table: pass or FAIL when Ansible
// passes the target, "not counted" when it fails it here.
func (r Result) Verdict() string {
	switch {
	case r.Ansible != nil && !r.Ansible.Passed():
		return "not counted (fails under Ansible)"
	case r.Drover == nil:
		return "-"
	case r.Drover.Passed():
		return "pass"
	}
	return "FAIL"
}

// counted reports whether the target counts: Ansible passes it here.
func (r Result) counted() bool { return r.Ansible.Passed() }

// Report is a harness run: what ran, what was skipped.
type Report struct {
	Started time.Time     `json:"started"`
	Drover  string        `json:"drover"` // the drover binary and its revision
	Timeout time.Duration `json:"timeout"`
	// OracleFrom names the reports Ansible's results were taken from; "" when
	// Ansible ran in this run.
	OracleFrom string      `json:"oracle_from,omitempty"`
	Results    []Result    `json:"results"`
	Skipped    []SkipEntry `json:"skipped"`
}

// SkipEntry is a skipped target in a report.
type SkipEntry struct {
	Target string `json:"target"`
	Kind   Kind   `json:"kind"`
	Reason string `json:"reason"`
}

// Tally counts, for one kind of target (or all), the targets Ansible
// passes here and those of them drover passes.
type Tally struct {
	Passed, Counted int
}

func (t Tally) String() string {
	pct := 0.0
	if t.Counted > 0 {
		pct = 100 * float64(t.Passed) / float64(t.Counted)
	}
	return fmt.Sprintf("%d / %d (%.0f %%)", t.Passed, t.Counted, pct)
}

// Summary tallies the report overall and per kind.
func (rep *Report) Summary() (all Tally, byKind map[Kind]Tally) {
	byKind = map[Kind]Tally{Role: {}, Runme: {}}
	for _, r := range rep.Results {
		if !r.counted() {
			continue
		}
		k := byKind[r.Kind]
		all.Counted++
		k.Counted++
		if r.Drover.Passed() {
			all.Passed++
			k.Passed++
		}
		byKind[r.Kind] = k
	}
	return all, byKind
}

// Markdown writes the report: the summary, the table of targets Ansible
// passes, those it fails here, and the skipped ones with their reasons.
func (rep *Report) Markdown(w io.Writer) error {
	all, byKind := rep.Summary()
	p := &printer{w: w}
	p.f("# drover on ansible-core 2.14's integration targets\n\n")
	p.f("Run %s, drover %s, %s per target and runner.\n\n", rep.Started.Format(time.RFC3339), rep.Drover, rep.Timeout)
	if rep.OracleFrom != "" {
		p.f("Ansible's results are those of earlier runs: %s.\n\n", rep.OracleFrom)
	}
	p.f("drover passes / Ansible passes here: **%s** overall; role targets %s; runme targets %s.\n", all, byKind[Role], byKind[Runme])
	p.f("%d targets run (drover passes %d of them), %d fail under Ansible here (not counted), %d skipped.",
		len(rep.Results), rep.droverPasses(), rep.notCounted(), len(rep.Skipped))
	p.f(" %d of drover's passes never ran ansible-playbook (the runme.sh tests other tools).\n\n", rep.passesWithoutCalls())
	p.f("## Targets Ansible passes here (or not run under Ansible)\n\n")
	p.f("calls: how many times the target ran ansible-playbook (drover) in drover's run.\n\n")
	p.f("| target | kind | ansible | drover | result | calls | drover's error | ansible time | drover time |\n")
	p.f("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rep.Results {
		if r.Ansible == nil || r.counted() {
			p.f("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Target, r.Kind, exitCell(r.Ansible), exitCell(r.Drover),
				r.Verdict(), callsCell(r.Drover), cell(errorOf(r.Drover)), timeCell(r.Ansible), timeCell(r.Drover))
		}
	}
	p.f("\n## Targets that fail under Ansible here (not counted)\n\n")
	p.f("| target | kind | ansible | drover | ansible's error |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range rep.Results {
		if r.Ansible != nil && !r.counted() {
			p.f("| %s | %s | %s | %s | %s |\n", r.Target, r.Kind, exitCell(r.Ansible), exitCell(r.Drover), cell(errorOf(r.Ansible)))
		}
	}
	p.f("\n## Skipped targets\n\n| target | kind | reason |\n| --- | --- | --- |\n")
	for _, s := range rep.Skipped {
		p.f("| %s | %s | %s |\n", s.Target, s.Kind, cell(s.Reason))
	}
	return p.err
}

// droverPasses counts the targets drover passed, counted or not.
func (rep *Report) droverPasses() int {
	n := 0
	for _, r := range rep.Results {
		if r.Drover.Passed() {
			n++
		}
	}
	return n
}

// passesWithoutCalls counts the counted targets drover passed without
// running ansible-playbook.
func (rep *Report) passesWithoutCalls() int {
	n := 0
	for _, r := range rep.Results {
		if r.counted() && r.Drover.Passed() && r.Drover.Calls == 0 {
			n++
		}
	}
	return n
}

func callsCell(o *Outcome) string {
	if o == nil {
		return "-"
	}
	return fmt.Sprint(o.Calls)
}

func (rep *Report) notCounted() int {
	n := 0
	for _, r := range rep.Results {
		if r.Ansible != nil && !r.counted() {
			n++
		}
	}
	return n
}

// printer writes formatted text, keeping the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func exitCell(o *Outcome) string {
	switch {
	case o == nil:
		return "-"
	case o.TimedOut:
		return "timeout"
	}
	return fmt.Sprint(o.Exit)
}

func timeCell(o *Outcome) string {
	if o == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", o.Seconds)
}

func errorOf(o *Outcome) string {
	if o == nil || o.Passed() {
		return ""
	}
	return o.Error
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// RefreshErrors takes each failed run's error line afresh from its log,
// where the log is still there.
func (rep *Report) RefreshErrors() {
	for _, r := range rep.Results {
		for _, o := range []*Outcome{r.Ansible, r.Drover} {
			if o == nil || o.Passed() || o.TimedOut || strings.HasPrefix(o.Error, "harness: ") {
				continue
			}
			if _, err := os.Stat(o.Log); err == nil {
				o.Error = errorLineOf(o.Log)
			}
		}
	}
}

// Sort orders the results and skipped targets by name.
func (rep *Report) Sort() {
	sort.Slice(rep.Results, func(i, j int) bool { return rep.Results[i].Target < rep.Results[j].Target })
	sort.Slice(rep.Skipped, func(i, j int) bool { return rep.Skipped[i].Target < rep.Skipped[j].Target })
}

// SaveJSON writes the report as JSON to path.
func (rep *Report) SaveJSON(path string) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// LoadReport reads a report SaveJSON wrote.
func LoadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	if err := json.Unmarshal(data, rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// Oracle returns the Ansible outcome of each target in the report.
func (rep *Report) Oracle() map[string]*Outcome {
	out := map[string]*Outcome{}
	for _, r := range rep.Results {
		if r.Ansible != nil {
			out[r.Target] = r.Ansible
		}
	}
	return out
}

// writeFileAtomic writes data to a temporary file beside path, then
// renames it over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
