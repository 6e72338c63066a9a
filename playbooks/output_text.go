package playbooks

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/hostlist"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/tasks"
)

// TextOutput prints for people: a live progress line per task on a
// terminal, then the task's hosts folded by identical result (`ok h[1-50]`),
// failures in full, diffs with -D, every host's result with -v, and the
// PLAY RECAP.
type TextOutput struct {
	p         *ui.Printer
	verbosity int
	// Redact masks secrets in everything printed; nil prints as is.
	Redact func(string) string
	// PerHostRecap prints one recap line per host, Ansible's, instead of
	// hosts folded by identical counters.
	PerHostRecap bool
	// ShowCustomStats prints set_stats' statistics after the recap
	// (show_custom_stats).
	ShowCustomStats bool

	mu    sync.Mutex
	open  map[*TaskInfo]*taskRun
	start time.Time
	tasks int
}

type taskRun struct {
	info    *TaskInfo
	results []*HostResult
	prog    *ui.Progress
}

// NewTextOutput prints through p. A result's diff is shown whenever it has
// one (diff mode, from -D or the task's diff keyword).
func NewTextOutput(p *ui.Printer, verbosity int) *TextOutput {
	return &TextOutput{p: p, verbosity: verbosity, open: map[*TaskInfo]*taskRun{}, start: time.Now()}
}

func (o *TextOutput) show(s string) string {
	if o.Redact != nil {
		return o.Redact(s)
	}
	return s
}

func (o *TextOutput) println(s string) { fmt.Fprintln(o.p.Out, o.show(s)) }

// PlayStart prints the play's header.
func (o *TextOutput) PlayStart(pl *PlayInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	head := fmt.Sprintf("PLAY [%s]", pl.Name)
	n := len(pl.Hosts)
	o.println("")
	o.println(o.p.Paint(ui.Bold, head) + o.p.Paint(ui.Dim, fmt.Sprintf(" · %d host%s", n, plural(n))))
	if n == 0 {
		fmt.Fprintln(o.p.Err, o.p.Paint(ui.Yellow, "[WARNING]: no hosts matched (or all of them failed in an earlier play): skipping the play"))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// TaskStart starts the task's progress line.
func (o *TextOutput) TaskStart(t *TaskInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t.start = time.Now()
	tr := &taskRun{info: t}
	if o.p.Live {
		tr.prog = o.p.NewProgress(o.show(taskTitle(t)), t.HostNames)
	}
	o.open[t] = tr
	o.tasks++
}

func taskTitle(t *TaskInfo) string {
	if t.Handler {
		return "RUNNING HANDLER [" + t.Name + "]"
	}
	return "TASK [" + t.Name + "]"
}

// HostDone counts a finished host on the progress line.
func (o *TextOutput) HostDone(t *TaskInfo, r *HostResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tr := o.open[t]
	if tr == nil {
		return
	}
	tr.results = append(tr.results, r)
	if tr.prog != nil {
		tr.prog.Done(r.Host, uiStatus(r.Status))
	}
}

func uiStatus(s Status) ui.Status {
	switch s {
	case statusChanged:
		return ui.StatusChanged
	case statusFailed:
		return ui.StatusFailed
	case statusSkipped:
		return ui.StatusSkipped
	case statusUnreachable:
		return ui.StatusUnreachable
	}
	return ui.StatusOK
}

// TaskEnd prints the task's folded results.
func (o *TextOutput) TaskEnd(t *TaskInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tr := o.open[t]
	delete(o.open, t)
	if tr == nil {
		return
	}
	if tr.prog != nil {
		tr.prog.Stop()
	}
	o.printTask(tr)
}

// line is one folded group of hosts with what is shown for them.
type line struct {
	label  string
	colour ui.Colour
	hosts  []string
	detail string
	rank   int
}

func (o *TextOutput) printTask(tr *taskRun) {
	sort.SliceStable(tr.results, func(i, j int) bool { return naturalLess(tr.results[i].Host, tr.results[j].Host) })
	groups := map[string]*line{}
	var order []*line
	for _, r := range tr.results {
		l := o.describe(tr.info, r)
		key := l.label + "\x00" + l.detail
		g, ok := groups[key]
		if !ok {
			g = l
			groups[key] = g
			order = append(order, g)
		}
		g.hosts = append(g.hosts, hostLabel(r))
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].rank < order[j].rank })
	title := o.p.Paint(ui.Bold, taskTitle(tr.info))
	if len(order) == 1 && order[0].detail == "" {
		g := order[0]
		o.println(fmt.Sprintf("%s %s %s", title, o.p.Paint(g.colour, g.label), hostlist.Fold(g.hosts)))
		return
	}
	o.println(title)
	width := 0
	for _, g := range order {
		width = max(width, len(g.label))
	}
	for _, g := range order {
		o.println(fmt.Sprintf("  %s %s", o.p.Paint(g.colour, fmt.Sprintf("%-*s", width, g.label)), hostlist.Fold(g.hosts)))
		if g.detail != "" {
			o.println(indent(g.detail, "      "))
		}
	}
}

// naturalLess orders host names with their numbers compared as numbers:
// h2 before h10.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func hostLabel(r *HostResult) string {
	if r.Delegated != "" && r.Delegated != r.Host {
		return r.Host + " -> " + r.Delegated
	}
	return r.Host
}

var statusOrder = map[string]int{"ok": 0, "changed": 1, "included": 2, "skipped": 3, "ignored": 4, "failed": 5, "unreachable": 6,
	"interrupted": 7}

// describe decides how one host's result is shown: its label, colour and the
// detail lines (empty when the label says all).
func (o *TextOutput) describe(t *TaskInfo, r *HostResult) *line {
	l := &line{label: string(r.Status)}
	switch r.Status {
	case statusChanged:
		l.colour = ui.Yellow
	case statusFailed, statusUnreachable:
		l.colour = ui.Red
	case statusSkipped:
		l.colour = ui.Cyan
	case statusInterrupted:
		l.colour = ui.Red
		l.rank = statusOrder[l.label]
		return l // the label says all: the task did not finish there
	default:
		l.colour = ui.Green
	}
	if r.Ignored {
		l.label, l.colour = "ignored", ui.Cyan
	}
	if len(r.Included) > 0 {
		l.label = "included"
		l.detail = strings.Join(r.Included, "\n")
	}
	l.rank = statusOrder[l.label]
	// Values are masked before they are rendered as YAML, which may quote
	// or escape them (maskResult); diffs and warnings are masked line by
	// line when printed.
	var parts []string
	switch {
	case r.Result["censored"] != nil:
		parts = append(parts, fmt.Sprint(r.Result["censored"]))
	case o.verbosity > 0 && r.Status != statusSkipped:
		parts = append(parts, ui.Escape(toYAML(verboseResult(maskResult(o.Redact, r).Result))))
	case r.Status == statusFailed || r.Status == statusUnreachable:
		parts = append(parts, ui.Escape(failureDetail(maskResult(o.Redact, r))))
	case (t.Action == "debug" || t.Action == "assert") && r.Status == statusOK:
		parts = append(parts, ui.Escape(toYAML(debugShown(maskResult(o.Redact, r).Result))))
	}
	if t.Diff && r.Result["diff"] != nil {
		parts = append(parts, o.diffText(r.Result))
	}
	for _, w := range asList(r.Result["warnings"]) {
		parts = append(parts, o.p.Paint(ui.Yellow, "[WARNING]: "+ui.Escape(fmt.Sprint(w))))
	}
	for _, d := range asList(r.Result["deprecations"]) {
		parts = append(parts, o.p.Paint(ui.Yellow, "[DEPRECATION WARNING]: "+deprecationText(d)))
	}
	l.detail = strings.TrimRight(strings.Join(nonEmpty(parts), "\n"), "\n")
	return l
}

func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// deprecationText words one deprecation a module returned (msg, version,
// date, collection_name) as Ansible displays it.
func deprecationText(d any) string {
	m, ok := d.(map[string]any)
	if !ok {
		return fmt.Sprint(d)
	}
	msg := strings.TrimSpace(fmt.Sprint(m["msg"]))
	if msg != "" && !strings.ContainsAny(msg[len(msg)-1:], "!?.") {
		msg += "."
	}
	parts := []string{msg, "This feature will be removed"}
	if c, _ := m["collection_name"].(string); c != "" {
		parts = append(parts, "from "+c)
	}
	date, _ := m["date"].(string)
	version, _ := m["version"].(string)
	switch {
	case date != "":
		parts = append(parts, "in a release after "+date+".")
	case version != "":
		parts = append(parts, "in version "+version+".")
	default:
		parts = append(parts, "in a future release.")
	}
	return strings.Join(parts, " ")
}

// verboseResult hides the keys -v output needs not repeat.
func verboseResult(r map[string]any) map[string]any {
	out := make(map[string]any, len(r))
	for k, v := range r {
		switch k {
		case "stdout_lines", "stderr_lines", "invocation":
			continue
		}
		out[k] = v
	}
	return out
}

// debugShown is what debug prints: its msg or variable, without the
// bookkeeping keys.
func debugShown(r map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range r {
		switch k {
		case "changed", "failed", "skipped", "ansible_loop_var", "item", "results":
			continue
		}
		out[k] = v
	}
	if items, ok := r["results"].([]any); ok {
		var shown []any
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				shown = append(shown, debugShown(m))
			}
		}
		out["results"] = shown
	}
	return out
}

// failureDetail is the module's message and output for a failed host.
func failureDetail(r *HostResult) string {
	var b strings.Builder
	res := r.Result
	if len(r.Items) > 0 {
		for _, it := range r.Items {
			if it.Status == statusFailed || it.Status == statusUnreachable {
				fmt.Fprintf(&b, "item %s:\n%s\n", it.Label, indent(failureText(it.Result), "  "))
			}
		}
		return b.String()
	}
	return failureText(res)
}

func failureText(res map[string]any) string {
	var b strings.Builder
	for _, k := range []string{"msg", "message", "reason"} { // include_vars says message, a failed include reason
		if m, ok := res[k]; ok && m != "" {
			s, isStr := m.(string)
			if !isStr {
				s = strings.TrimRight(toYAML(m), "\n")
			}
			b.WriteString(s + "\n")
			break
		}
	}
	if c, ok := res["censored"]; ok {
		b.WriteString(fmt.Sprint(c) + "\n")
	}
	if a, ok := res["assertion"]; ok {
		fmt.Fprintf(&b, "assertion: %v\n", a)
	}
	if rc, ok := res["rc"]; ok && rc != nil {
		fmt.Fprintf(&b, "rc: %v\n", rc)
	}
	for _, k := range []string{"stdout", "stderr", "module_stdout", "module_stderr"} {
		if s, ok := res[k].(string); ok && s != "" {
			fmt.Fprintf(&b, "%s:\n%s\n", k, indent(strings.TrimRight(s, "\n"), "  "))
		}
	}
	return b.String()
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pre + l
		}
	}
	return strings.Join(lines, "\n")
}

// toYAML renders a value as YAML for people.
func toYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return tasks.PyRepr(v)
	}
	return strings.TrimRight(string(b), "\n")
}

// Connected shows each connection with -vvv: where to, as whom, how long
// it took.
func (o *TextOutput) Connected(host string, vars map[string]any, took time.Duration, err error) {
	if o.verbosity < 3 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	kind, _ := vars["ansible_connection"].(string)
	if kind == "" {
		kind = "ssh"
	}
	target := host
	if h, ok := vars["ansible_host"].(string); ok && h != "" {
		target = h
	}
	if p := vars["ansible_port"]; p != nil {
		target += fmt.Sprintf(":%v", p)
	}
	if u, ok := vars["ansible_user"].(string); ok && u != "" {
		target = u + "@" + target
	}
	line := fmt.Sprintf("<%s> %s connection to %s in %s", host, kind, target, took.Round(time.Millisecond))
	if err != nil {
		line += ": " + err.Error()
	}
	fmt.Fprintln(o.p.Err, o.show(o.p.Paint(ui.Dim, line)))
}

// Retry prints an until retry.
func (o *TextOutput) Retry(r *RetryInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.p.Live {
		return
	}
	o.println(o.p.Paint(ui.Dim, fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", r.Host, r.Task, r.Left)))
}

// Warn prints a warning.
func (o *TextOutput) Warn(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintln(o.p.Err, o.show(o.p.Paint(ui.Yellow, "[WARNING]: "+msg)))
}

// Recap prints the PLAY RECAP, hosts with identical counters folded.
func (o *TextOutput) Recap(s *Stats) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.println("")
	if s.Interrupted {
		o.println(o.p.Paint(ui.Red, "interrupted: the recap counts what finished"))
	}
	o.println(o.p.Paint(ui.Bold, "PLAY RECAP"))
	if o.PerHostRecap {
		for _, h := range sortedHosts(s) {
			o.println(AnsibleRecapLine(h, s.Host(h), o.p.Colour))
		}
	} else {
		o.foldedRecap(s)
	}
	o.println(o.p.Paint(ui.Dim, fmt.Sprintf("%d host%s · %d task%s · %s", len(s.Hosts()), plural(len(s.Hosts())),
		o.tasks, plural(o.tasks), time.Since(o.start).Round(time.Millisecond))))
	if lines := customStatsText(s); o.ShowCustomStats && lines != nil {
		o.println("")
		o.println(o.p.Paint(ui.Bold, "CUSTOM STATS"))
		for _, l := range lines {
			o.println(l)
		}
	}
}

// foldedRecap prints the recap's hosts folded by identical counters.
func (o *TextOutput) foldedRecap(s *Stats) {
	type group struct {
		st    HostStats
		hosts []string
	}
	var groups []*group
	index := map[HostStats]*group{}
	for _, h := range s.Hosts() {
		st := s.Host(h)
		g, ok := index[st]
		if !ok {
			g = &group{st: st}
			index[st] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, h)
	}
	width := 0
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = hostlist.Fold(g.hosts)
		width = max(width, len(names[i]))
	}
	for i, g := range groups {
		o.println(o.recapLine(names[i], width, g.st))
	}
}

func (o *TextOutput) recapLine(name string, width int, st HostStats) string {
	c := ui.Green
	switch {
	case st.Failed > 0 || st.Unreachable > 0:
		c = ui.Red
	case st.Changed > 0:
		c = ui.Yellow
	}
	counters := fmt.Sprintf("ok=%-4d changed=%-4d unreachable=%-4d failed=%-4d skipped=%-4d rescued=%-4d ignored=%d",
		st.OK, st.Changed, st.Unreachable, st.Failed, st.Skipped, st.Rescued, st.Ignored)
	return o.p.Paint(c, fmt.Sprintf("%-*s", width, name)) + " : " + counters
}
