package playbooks

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Output receives what a run does, as it happens. Implementations must be
// safe for concurrent use: HostDone is called from many goroutines, and with
// the free strategy several tasks are open at once.
type Output interface {
	PlayStart(p *PlayInfo)
	TaskStart(t *TaskInfo)
	HostDone(t *TaskInfo, r *HostResult)
	TaskEnd(t *TaskInfo)
	Retry(r *RetryInfo)
	Warn(msg string)
	Recap(s *Stats)
}

// ConnectReporter is implemented by outputs that show connections (-vvv):
// Connected is called once per host, when its connection is opened.
type ConnectReporter interface {
	Connected(host string, vars map[string]any, took time.Duration, err error)
}

// PlaybookReporter is implemented by outputs that show each playbook
// starting (Ansible's -vv output): PlaybookStart is called before its
// first play.
type PlaybookReporter interface {
	PlaybookStart(path string, plays int)
}

// PlayInfo describes a play starting; Check is its check mode.
type PlayInfo struct {
	Name  string
	Hosts []string
	Pos   Pos
	Check bool
}

// TaskInfo describes a task starting on Hosts hosts.
type TaskInfo struct {
	ID      int
	Name    string
	Action  string
	Pos     Pos
	Handler bool
	Hosts   int
	// HostNames are the hosts the task runs on.
	HostNames []string
	// Check and Diff are the task's check and diff modes (on its first
	// host); a result's diff is shown only in diff mode, as Ansible shows it.
	Check, Diff bool
	start       time.Time
}

// HostResult is one host's result of a task. Result is the registered
// value (censored for no_log tasks).
type HostResult struct {
	Host      string
	Status    Status
	Ignored   bool
	Delegated string
	Result    map[string]any
	Items     []ItemResult
	// Included are the files an include_tasks included, with the label of
	// the loop item that included each ("" outside a loop).
	Included       []string
	IncludedLabels []string
}

// ItemResult is one loop item's result.
type ItemResult struct {
	Label  string
	Status Status
	Result map[string]any
}

// RetryInfo reports an until retry.
type RetryInfo struct {
	Host, Task string
	Left       int
}

// nopOutput discards everything.
type nopOutput struct{}

func (nopOutput) PlayStart(*PlayInfo)             {}
func (nopOutput) TaskStart(*TaskInfo)             {}
func (nopOutput) HostDone(*TaskInfo, *HostResult) {}
func (nopOutput) TaskEnd(*TaskInfo)               {}
func (nopOutput) Retry(*RetryInfo)                {}
func (nopOutput) Warn(string)                     {}
func (nopOutput) Recap(*Stats)                    {}

// JSONOutput streams one JSON object per line: play_start, task_start, one
// result per host and task, task_end, warning, retry, and a final recap.
type JSONOutput struct {
	mu  sync.Mutex
	w   io.Writer
	enc *json.Encoder
	// Redact masks secrets in every line written; nil writes as is.
	Redact func(string) string
}

// NewJSONOutput writes events to w.
func NewJSONOutput(w io.Writer, redact func(string) string) *JSONOutput {
	return &JSONOutput{w: w, Redact: redact}
}

func (j *JSONOutput) emit(v map[string]any) {
	if j.Redact != nil {
		v = maskValue(j.Redact, v).(map[string]any)
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"event": "error", "msg": err.Error()})
	}
	line := string(b)
	if j.Redact != nil {
		line = j.Redact(line)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_, _ = io.WriteString(j.w, line+"\n")
}

// PlayStart emits {"event":"play_start"}.
func (j *JSONOutput) PlayStart(p *PlayInfo) {
	hosts := p.Hosts
	if hosts == nil {
		hosts = []string{}
	}
	j.emit(map[string]any{"event": "play_start", "play": p.Name, "hosts": hosts, "path": p.Pos.String()})
}

// TaskStart emits {"event":"task_start"}.
func (j *JSONOutput) TaskStart(t *TaskInfo) {
	j.emit(map[string]any{"event": "task_start", "task": t.Name, "id": t.ID, "action": t.Action,
		"path": t.Pos.String(), "handler": t.Handler, "hosts": t.Hosts})
}

// HostDone emits {"event":"result"} with the registered value.
func (j *JSONOutput) HostDone(t *TaskInfo, r *HostResult) {
	ev := map[string]any{"event": "result", "task": t.Name, "id": t.ID, "host": r.Host, "status": r.Status,
		"result": r.Result}
	if r.Ignored {
		ev["ignored"] = true
	}
	if r.Delegated != "" {
		ev["delegated_to"] = r.Delegated
	}
	j.emit(ev)
}

// TaskEnd emits {"event":"task_end"}.
func (j *JSONOutput) TaskEnd(t *TaskInfo) {
	j.emit(map[string]any{"event": "task_end", "task": t.Name, "id": t.ID})
}

// Retry emits {"event":"retry"}.
func (j *JSONOutput) Retry(r *RetryInfo) {
	j.emit(map[string]any{"event": "retry", "host": r.Host, "task": r.Task, "retries_left": r.Left})
}

// Warn emits {"event":"warning"}.
func (j *JSONOutput) Warn(msg string) { j.emit(map[string]any{"event": "warning", "msg": msg}) }

// Recap emits {"event":"recap"} with every host's counters.
func (j *JSONOutput) Recap(s *Stats) {
	hosts := map[string]any{}
	for _, h := range s.Hosts() {
		hosts[h] = s.Host(h)
	}
	ev := map[string]any{"event": "recap", "stats": hosts, "interrupted": s.Interrupted}
	if custom, run := s.Custom(); len(custom) > 0 || run != nil {
		ev["custom_stats"], ev["global_custom_stats"] = custom, run
	}
	j.emit(ev)
}

// maskValue returns v with redact applied to every string it holds (keys
// included), in mappings and lists to any depth; v is not changed. Values
// are masked before they are encoded because an encoder may escape a
// secret's bytes (JSON's \u0026, YAML's quoting and line folding), which
// masking the encoded text could then miss.
func maskValue(redact func(string) string, v any) any {
	switch x := v.(type) {
	case string:
		return redact(x)
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[redact(k)] = maskValue(redact, e)
		}
		return out
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = maskValue(redact, e)
		}
		return out
	case []string:
		if x == nil {
			return x
		}
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = redact(e)
		}
		return out
	case []map[string]any:
		if x == nil {
			return x
		}
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = maskValue(redact, e).(map[string]any)
		}
		return out
	}
	return v
}

// maskResult is a host's result with its values masked (see maskValue).
func maskResult(redact func(string) string, r *HostResult) *HostResult {
	if redact == nil {
		return r
	}
	m := *r
	m.Result, _ = maskValue(redact, r.Result).(map[string]any)
	m.Items = nil
	for _, it := range r.Items {
		res, _ := maskValue(redact, it.Result).(map[string]any)
		m.Items = append(m.Items, ItemResult{Label: redact(it.Label), Status: it.Status, Result: res})
	}
	m.Included = maskValue(redact, r.Included).([]string)
	m.IncludedLabels = maskValue(redact, r.IncludedLabels).([]string)
	return &m
}
