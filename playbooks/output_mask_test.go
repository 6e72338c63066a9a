package playbooks

import (
	"bytes"
	"strings"
	"testing"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/ui"
)

// maskSecret has the characters JSON escapes (&, <, >, ", \) and YAML
// quotes (": ", a leading "*"), so that a mask applied only to encoded
// text would miss it.
const maskSecret = `*Se: cr&<e>t"\x`

// TestOutputsMaskEncodedSecrets runs results holding a secret through the
// text output (-v, a failure, debug, a loop) and the JSON output: neither
// the secret nor any escaped spelling of it is printed.
func TestOutputsMaskEncodedSecrets(t *testing.T) {
	red := redact.New()
	red.Add(maskSecret)
	mask := func(s string) string { return red.String(s) }
	results := []*HostResult{
		{Host: "h1", Status: statusChanged, Result: map[string]any{"cmd": []any{"echo", maskSecret}, "stdout": maskSecret,
			"nested": map[string]any{"list": []string{"x " + maskSecret}}, maskSecret: 1}},
		{Host: "h2", Status: statusFailed, Result: map[string]any{"msg": "bad " + maskSecret, "stderr": maskSecret + "\n"}},
		{Host: "h3", Status: statusFailed, Items: []ItemResult{{Label: maskSecret, Status: statusFailed,
			Result: map[string]any{"msg": map[string]any{"k": maskSecret}}}}, Result: map[string]any{"msg": "loop failed"}},
	}
	debug := &HostResult{Host: "h4", Status: statusOK, Result: map[string]any{"secret": maskSecret}}
	outputs := []struct {
		name string
		run  func(w *bytes.Buffer)
	}{
		{"text", func(w *bytes.Buffer) { playAll(newMaskedText(w, 0, mask), results, debug) }},
		{"text -v", func(w *bytes.Buffer) { playAll(newMaskedText(w, 1, mask), results, debug) }},
		{"json", func(w *bytes.Buffer) { playAll(NewJSONOutput(w, mask), results, debug) }},
	}
	for _, o := range outputs {
		t.Run(o.name, func(t *testing.T) {
			var w bytes.Buffer
			o.run(&w)
			out := w.String()
			for _, leak := range []string{"Se: cr", `Se: cr\u0026`, `cr&<e>`, `cr\u0026\u003ce`, `cr&\u003ce`} {
				if strings.Contains(out, leak) {
					t.Errorf("output holds %q:\n%s", leak, out)
				}
			}
			if !strings.Contains(out, redact.Mask) {
				t.Errorf("nothing masked:\n%s", out)
			}
		})
	}
}

func newMaskedText(w *bytes.Buffer, verbosity int, mask func(string) string) *TextOutput {
	o := NewTextOutput(&ui.Printer{Out: w, Err: w}, verbosity)
	o.Redact = mask
	return o
}

// playAll reports a task with results and a debug task with one.
func playAll(o Output, results []*HostResult, debug *HostResult) {
	o.PlayStart(&PlayInfo{Name: "p", Hosts: []string{"h1", "h2", "h3", "h4"}})
	task := &TaskInfo{ID: 1, Name: "t", Action: "command", Hosts: len(results)}
	o.TaskStart(task)
	for _, r := range results {
		o.HostDone(task, r)
	}
	o.TaskEnd(task)
	dbg := &TaskInfo{ID: 2, Name: "d", Action: "debug", Hosts: 1}
	o.TaskStart(dbg)
	o.HostDone(dbg, debug)
	o.TaskEnd(dbg)
	o.Recap(newStats())
}
