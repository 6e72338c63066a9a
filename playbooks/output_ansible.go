package playbooks

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// AnsibleOutput prints what ansible-playbook's default stdout callback
// prints, line for line, for scripts and CI jobs written against Ansible's
// output: PLAY and TASK banners padded with asterisks, one line per host
// (and per loop item) as results arrive, failures as Ansible's JSON,
// included files, diffs, warnings on stderr and the PLAY RECAP with one
// line per host.
type AnsibleOutput struct {
	out, err io.Writer
	opts     AnsibleOptions

	mu       sync.Mutex
	banner   *TaskInfo // the task whose banner was printed last
	started  bool
	warned   map[string]bool
	included map[*TaskInfo][]*HostResult
}

// AnsibleOptions are the settings of Ansible's default callback that
// AnsibleOutput honours; the zero value is Ansible's default.
type AnsibleOptions struct {
	// Colour paints lines as Ansible does (ANSIBLE_FORCE_COLOR, or a
	// terminal without ANSIBLE_NOCOLOR).
	Colour bool
	// Columns is the banner width (79 when zero, as off a terminal).
	Columns   int
	Verbosity int
	// Check is --check: with CheckModeMarkers, DRY RUN banners.
	Check bool
	// HideSkipped, HideOK, FailedToStderr, CheckModeMarkers and
	// ShowTaskPath are display_skipped_hosts=false, display_ok_hosts=false,
	// display_failed_stderr, check_mode_markers and
	// show_task_path_on_failure.
	HideSkipped, HideOK, FailedToStderr, CheckModeMarkers, ShowTaskPath bool
	// YAMLResults shows results as YAML (result_format=yaml) instead of
	// JSON; with PlainResults (pretty_results=false) stdout_lines and
	// stderr_lines are kept.
	YAMLResults, PlainResults bool
	// Redact masks secrets in everything printed; nil prints as is.
	Redact func(string) string
	// ShowCustomStats prints set_stats' statistics after the recap
	// (show_custom_stats).
	ShowCustomStats bool
}

// Ansible's colours (its COLOR_* defaults), as SGR parameters.
const (
	ansOK          = "0;32"
	ansChanged     = "0;33"
	ansError       = "0;31"
	ansSkip        = "0;36"
	ansUnreachable = "1;31"
	ansWarn        = "1;35"
	ansDebug       = "1;30"
	ansVerbose     = "0;34"
	ansDiffLines   = "0;36"
)

// NewAnsibleOutput prints results to out and warnings to errOut.
func NewAnsibleOutput(out, errOut io.Writer, opts AnsibleOptions) *AnsibleOutput {
	if opts.Columns < 79 {
		opts.Columns = 79
	}
	return &AnsibleOutput{out: out, err: errOut, opts: opts, warned: map[string]bool{}, included: map[*TaskInfo][]*HostResult{}}
}

// display writes msg (with a newline) in colour c to stdout, or to stderr.
func (a *AnsibleOutput) display(msg, c string, stderr bool) {
	if a.opts.Redact != nil {
		msg = a.opts.Redact(msg)
	}
	msg = strings.TrimSuffix(msg, "\n")
	if c != "" && a.opts.Colour {
		lines := strings.Split(msg, "\n")
		for i, l := range lines {
			lines[i] = "\x1b[" + c + "m" + l + "\x1b[0m"
		}
		msg = strings.Join(lines, "\n")
	}
	w := a.out
	if stderr {
		w = a.err
	}
	_, _ = io.WriteString(w, msg+"\n")
}

// bannerLine prints "\nTITLE ****" to the width of the screen.
func (a *AnsibleOutput) bannerLine(title string) {
	title = strings.TrimSpace(title)
	stars := max(3, a.opts.Columns-textWidth(title))
	a.display("\n"+title+" "+strings.Repeat("*", stars), "", false)
}

// PlaybookStart prints what ansible-playbook -vv prints when a playbook
// starts.
func (a *AnsibleOutput) PlaybookStart(path string, plays int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.opts.Verbosity > 1 {
		a.bannerLine("PLAYBOOK: " + filepath.Base(path))
	}
	if a.opts.Check && a.opts.CheckModeMarkers {
		a.bannerLine("DRY RUN")
	}
	a.started = true
	if a.opts.Verbosity > 1 {
		a.display(fmt.Sprintf("%d plays in %s", plays, path), "", false)
	}
}

// PlayStart prints the PLAY banner.
func (a *AnsibleOutput) PlayStart(p *PlayInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.started && a.opts.Check && a.opts.CheckModeMarkers {
		a.bannerLine("DRY RUN")
	}
	a.started = true
	title := "PLAY"
	if p.Name != "" {
		title = "PLAY [" + p.Name + "]"
	}
	if p.Check && a.opts.CheckModeMarkers {
		title += " [CHECK MODE]"
	}
	a.bannerLine(title)
	if len(p.Hosts) == 0 {
		a.display("skipping: no hosts matched", ansSkip, false)
	}
}

// TaskStart prints the task's banner, unless hidden results make it wait
// for the first result shown.
func (a *AnsibleOutput) TaskStart(t *TaskInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.opts.HideSkipped && !a.opts.HideOK {
		a.printBanner(t)
	}
}

// printBanner prints the TASK or RUNNING HANDLER banner of t.
func (a *AnsibleOutput) printBanner(t *TaskInfo) {
	prefix := "TASK"
	if t.Handler {
		prefix = "RUNNING HANDLER"
	}
	title := prefix + " [" + strings.TrimSpace(t.Name) + "]"
	if t.Check && a.opts.CheckModeMarkers {
		title += " [CHECK MODE]"
	}
	a.bannerLine(title)
	if a.opts.Verbosity >= 2 {
		a.taskPath(t)
	}
	a.banner = t
}

// ensureBanner prints t's banner unless it was the last one printed.
func (a *AnsibleOutput) ensureBanner(t *TaskInfo) {
	if a.banner != t {
		a.printBanner(t)
	}
}

// taskPath prints "task path: FILE:LINE".
func (a *AnsibleOutput) taskPath(t *TaskInfo) {
	if t.Pos.File == "" {
		return
	}
	file, err := filepath.Abs(t.Pos.File)
	if err != nil {
		file = t.Pos.File
	}
	a.display(fmt.Sprintf("task path: %s:%d", file, t.Pos.Line), ansDebug, false)
}

// HostDone prints a host's result as it arrives: its loop items first.
func (a *AnsibleOutput) HostDone(t *TaskInfo, r *HostResult) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r = maskResult(a.opts.Redact, r)
	a.async(r)
	if len(r.Included) > 0 && r.Status != statusFailed && r.Status != statusUnreachable {
		a.ensureBanner(t)
		a.included[t] = append(a.included[t], r)
		return
	}
	switch r.Status {
	case statusInterrupted:
		return // Ansible prints nothing for a task the interrupt cut short
	case statusFailed:
		a.failed(t, r)
	case statusUnreachable:
		a.unreachable(t, r)
	case statusSkipped:
		a.skipped(t, r)
	default:
		a.ok(t, r)
	}
}

// Meta shows a meta task on a host: its banner, what it did at -vv, and
// its skipped result when its condition was false.
func (a *AnsibleOutput) Meta(t *TaskInfo, host, msg string, skipped *HostResult) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ensureBanner(t)
	if a.opts.Verbosity >= 2 {
		a.display("META: "+msg, ansVerbose, false)
	}
	if skipped != nil {
		a.skipped(t, skipped)
	}
}

func (a *AnsibleOutput) failed(t *TaskInfo, r *HostResult) {
	a.ensureBanner(t)
	a.exception(r.Result)
	a.warnings(r.Result)
	a.items(t, r)
	if a.opts.Verbosity < 2 && a.opts.ShowTaskPath {
		a.taskPath(t)
	}
	a.display(fmt.Sprintf("fatal: [%s]: FAILED! => %s", hostLabel(r), a.dump(t, r.Result, false)), ansError, a.opts.FailedToStderr)
	if r.Ignored {
		a.display("...ignoring", ansSkip, false)
	}
}

func (a *AnsibleOutput) unreachable(t *TaskInfo, r *HostResult) {
	a.ensureBanner(t)
	a.display(fmt.Sprintf("fatal: [%s]: UNREACHABLE! => %s", hostLabel(r), a.dump(t, r.Result, false)), ansUnreachable, a.opts.FailedToStderr)
	if r.Ignored {
		a.display("...ignoring", ansSkip, false)
	}
}

func (a *AnsibleOutput) skipped(t *TaskInfo, r *HostResult) {
	if a.opts.HideSkipped {
		return
	}
	a.ensureBanner(t)
	a.items(t, r)
	msg := "skipping: [" + r.Host + "]"
	if a.verbose(t, r.Result) {
		msg += " => " + a.dump(t, r.Result, false)
	}
	a.display(msg, ansSkip, false)
}

func (a *AnsibleOutput) ok(t *TaskInfo, r *HostResult) {
	msg, c := "ok: ["+hostLabel(r)+"]", ansOK
	if r.Status == statusChanged {
		msg, c = "changed: ["+hostLabel(r)+"]", ansChanged
	} else if a.opts.HideOK {
		return
	}
	a.ensureBanner(t)
	a.warnings(r.Result)
	if len(r.Items) > 0 {
		a.items(t, r)
		a.diffs(t, r)
		return
	}
	a.diffs(t, r)
	if a.verbose(t, r.Result) {
		msg += " => " + a.dump(t, r.Result, false)
	}
	a.display(msg, c, false)
}

// items prints the lines of a loop's items.
func (a *AnsibleOutput) items(t *TaskInfo, r *HostResult) {
	for _, it := range r.Items {
		label := it.Label
		if it.Result["censored"] != nil {
			label = "(censored due to no_log)"
		}
		switch it.Status {
		case statusFailed, statusUnreachable:
			a.exception(it.Result)
			a.warnings(it.Result)
			a.display(fmt.Sprintf("failed: [%s] (item=%s) => %s", hostLabel(r), label, a.dump(t, it.Result, true)), ansError, a.opts.FailedToStderr)
		case statusSkipped:
			if a.opts.HideSkipped {
				continue
			}
			msg := fmt.Sprintf("skipping: [%s] => (item=%s) ", r.Host, label)
			if a.verbose(t, it.Result) {
				msg += " => " + a.dump(t, it.Result, true)
			}
			a.display(msg, ansSkip, false)
		default:
			a.item(t, r, it, label)
		}
	}
}

// item prints an ok or changed loop item.
func (a *AnsibleOutput) item(t *TaskInfo, r *HostResult, it ItemResult, label string) {
	msg, c := "ok", ansOK
	if it.Status == statusChanged {
		msg, c = "changed", ansChanged
	} else if a.opts.HideOK {
		return
	}
	msg = fmt.Sprintf("%s: [%s] => (item=%s)", msg, hostLabel(r), label)
	if a.verbose(t, it.Result) {
		msg += " => " + a.dump(t, it.Result, true)
	}
	a.display(msg, c, false)
}

// diffs prints the diffs of a changed result (of each changed item).
func (a *AnsibleOutput) diffs(t *TaskInfo, r *HostResult) {
	results := []map[string]any{r.Result}
	if len(r.Items) > 0 {
		results = results[:0]
		for _, it := range r.Items {
			results = append(results, it.Result)
		}
	}
	for _, res := range results {
		if res["changed"] != true || res["diff"] == nil {
			continue
		}
		if d := a.diffText(res); d != "" {
			a.ensureBanner(t)
			a.display(d, "", false)
		}
	}
}

// async prints Ansible's lines for an async task polled to its end: ASYNC
// OK, or ASYNC FAILED (after the poll that found the job unfinished when
// its time ran out).
func (a *AnsibleOutput) async(r *HostResult) {
	if job, ok := r.Result["async_result"].(map[string]any); ok && job["finished"] == 0 {
		a.display(fmt.Sprintf("ASYNC POLL on %s: jid=%v started=%v finished=%v", r.Host, job["ansible_job_id"], job["started"], job["finished"]), ansDebug, false)
		a.display(fmt.Sprintf("ASYNC FAILED on %s: jid=%v", r.Host, job["ansible_job_id"]), ansDebug, false)
		return
	}
	jid, ok := r.Result["ansible_job_id"]
	if !ok || r.Result["finished"] != 1 {
		return
	}
	if r.Status == statusFailed {
		a.display(fmt.Sprintf("ASYNC FAILED on %s: jid=%v", r.Host, jid), ansDebug, false)
		return
	}
	a.display(fmt.Sprintf("ASYNC OK on %s: jid=%v", r.Host, jid), ansDebug, false)
}

// exception prints the note Ansible gives for a module's traceback.
func (a *AnsibleOutput) exception(res map[string]any) {
	exc, ok := res["exception"].(string)
	if !ok {
		return
	}
	msg := "An exception occurred during task execution. "
	if a.opts.Verbosity < 3 {
		lines := strings.Split(strings.TrimSpace(exc), "\n")
		msg += "To see the full traceback, use -vvv. The error was: " + lines[len(lines)-1]
	} else {
		msg = "The full traceback is:\n" + exc
	}
	a.display(msg, ansError, a.opts.FailedToStderr)
}

// warnings prints a result's warnings as Ansible's [WARNING] lines.
func (a *AnsibleOutput) warnings(res map[string]any) {
	for _, w := range asList(res["warnings"]) {
		a.warn(fmt.Sprint(w))
	}
}

// verbose reports whether a result is shown with its values: with -v, and
// always for what debug and assert returned (setup's facts never).
func (a *AnsibleOutput) verbose(t *TaskInfo, res map[string]any) bool {
	if t.Action == "setup" || t.Action == "gather_facts" {
		return false
	}
	return a.opts.Verbosity > 0 || alwaysVerbose(t, res)
}

// alwaysVerbose reports whether res is one debug or assert returned (not
// a skip, nor a loop's aggregate), which Ansible always shows indented.
func alwaysVerbose(t *TaskInfo, res map[string]any) bool {
	return (t.Action == "debug" || t.Action == "assert") && res["skipped"] != true && !isLoopResult(res)
}

// TaskEnd prints the files an include_tasks included, hosts grouped.
func (a *AnsibleOutput) TaskEnd(t *TaskInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	results := a.included[t]
	delete(a.included, t)
	type group struct {
		file, label string
		hosts       []string
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range results {
		for i, file := range r.Included {
			label := ""
			if i < len(r.IncludedLabels) {
				label = r.IncludedLabels[i]
			}
			key := file + "\x00" + label
			g, ok := index[key]
			if !ok {
				g = &group{file: file, label: label}
				index[key] = g
				groups = append(groups, g)
			}
			g.hosts = append(g.hosts, r.Host)
		}
	}
	for _, g := range groups {
		msg := fmt.Sprintf("included: %s for %s", g.file, strings.Join(g.hosts, ", "))
		if g.label != "" {
			msg += " => (item=" + g.label + ")"
		}
		a.display(msg, ansSkip, false)
	}
}

// Retry prints Ansible's retry line.
func (a *AnsibleOutput) Retry(r *RetryInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.display(fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", r.Host, r.Task, r.Left), ansDebug, false)
}

// Warn prints "[WARNING]: msg" on stderr, wrapped to the screen's width,
// each distinct warning once.
func (a *AnsibleOutput) Warn(msg string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.warn(msg)
}

func (a *AnsibleOutput) warn(msg string) {
	text := strings.Join(wrapText("[WARNING]: "+msg, a.opts.Columns), "\n") + "\n"
	if a.warned[text] {
		return
	}
	a.warned[text] = true
	a.display(text, ansWarn, true)
}

// Recap prints the PLAY RECAP: one line per host, sorted, as Ansible pads
// and colours it.
func (a *AnsibleOutput) Recap(s *Stats) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.Interrupted {
		a.display(" [ERROR]: User interrupted execution", ansError, true)
	}
	a.bannerLine("PLAY RECAP")
	for _, h := range sortedHosts(s) {
		a.display(AnsibleRecapLine(h, s.Host(h), a.opts.Colour), "", false)
	}
	a.display("", "", false)
	if lines := customStatsText(s); a.opts.ShowCustomStats && lines != nil {
		a.bannerLine("CUSTOM STATS: ")
		for _, l := range append(lines, "") {
			a.display(l, "", false)
		}
	}
	if a.opts.Check && a.opts.CheckModeMarkers {
		a.bannerLine("DRY RUN")
	}
}
