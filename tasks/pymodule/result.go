package pymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/tasks"
)

// output is what running a module left: exit status and output.
type output struct {
	rc             int
	stdout, stderr []byte
}

// moduleFailure is Ansible's message for a module whose output holds no
// JSON result.
const moduleFailure = "MODULE FAILURE"

// decodeResult reads a module's output as Ansible does: the JSON object
// found between leading and trailing lines of other text (trailing text is
// warned about); without one the task fails with MODULE FAILURE and the
// raw output. interp is the interpreter the module ran with ("" for a
// binary), for the hint that it is missing.
func decodeResult(out output, interp string) map[string]any {
	stdout := strings.ToValidUTF8(string(out.stdout), "\uFFFD")
	stderr := strings.ToValidUTF8(string(out.stderr), "\uFFFD")
	text, warnings, err := filterJSON(stdout)
	var data map[string]any
	if err == nil {
		data, err = decodeObject(text)
	}
	if err != nil {
		return failureResult(out.rc, stdout, stderr, interp)
	}
	if len(warnings) > 0 {
		data["warnings"] = append(asAnyList(data["warnings"]), stringsToAny(warnings)...)
	}
	cleanResult(data)
	if _, ok := data["failed"]; !ok {
		rc, hasRC := data["rc"]
		data["failed"] = hasRC && rc != 0 && rc != "0"
	}
	if _, ok := data["changed"]; !ok {
		data["changed"] = false
	}
	return data
}

// failureResult is the result of a module that printed no JSON.
func failureResult(rc int, stdout, stderr, interp string) map[string]any {
	data := map[string]any{"failed": true, "changed": false, "module_stdout": stdout, "module_stderr": stderr, "rc": rc}
	switch {
	case strings.HasPrefix(stderr, "Traceback"):
		data["exception"] = stderr
	case strings.HasPrefix(stdout, "Traceback"):
		data["exception"] = stdout
	}
	msg := moduleFailure
	if interp != "" {
		missing := regexp.MustCompile(regexp.QuoteMeta(interp) + `: (?:No such file or directory|not found)`)
		if missing.MatchString(stderr) || missing.MatchString(stdout) {
			msg = "The module failed to execute correctly, you probably need to set the interpreter."
		}
	}
	data["msg"] = msg + "\nSee stdout/stderr for the exact error"
	return data
}

// filterJSON cuts the lines before the first one starting with "{" and
// after the last one ending with "}"; trailing text becomes a warning.
func filterJSON(s string) (string, []string, error) {
	lines := pyfmt.SplitLines(s, false)
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "{") {
			start = i
			break
		}
	}
	if start < 0 {
		return "", nil, errors.New("no start of json char found")
	}
	lines = lines[start:]
	end := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasSuffix(strings.TrimSpace(lines[i]), "}") {
			end = i
			break
		}
	}
	if end < 0 {
		return "", nil, errors.New("no end of json char found")
	}
	var warnings []string
	if trailing := lines[end+1:]; strings.TrimSpace(strings.Join(trailing, "")) != "" {
		warnings = append(warnings, "Module invocation had junk after the JSON data: "+strings.Join(trailing, "\n"))
	}
	return strings.Join(lines[:end+1], "\n"), warnings, nil
}

// decodeObject parses a JSON object, numbers as Python's json gives them
// (int when integral, float otherwise).
func decodeObject(text string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("extra data after the JSON result")
	}
	m, ok := plainNumbers(v).(map[string]any)
	if !ok {
		return nil, errors.New("the module's result is not a JSON object")
	}
	return m, nil
}

func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
	}
	return v
}

// cleanResult removes what a module may not return, as Ansible does:
// internal keys (with a warning), a non-list results (renamed), empty
// warnings and deprecations, discovered interpreter facts; and adds
// stdout_lines and stderr_lines.
func cleanResult(data map[string]any) {
	var warnings []string
	if r, ok := data["results"]; ok {
		if _, isList := r.([]any); !isList {
			data["ansible_module_results"] = r
			delete(data, "results")
			warnings = append(warnings, "Found internal 'results' key in module return, renamed to 'ansible_module_results'.")
		}
	}
	for k, v := range data {
		if strings.HasPrefix(k, "_ansible_") || k == "add_host" || k == "add_group" {
			warnings = append(warnings, fmt.Sprintf("Removed unexpected internal key in module return: %s = %s", k, tasks.PyRepr(v)))
			delete(data, k)
		}
	}
	for _, k := range []string{"warnings", "deprecations"} {
		if v, ok := data[k]; ok && isEmpty(v) {
			delete(data, k)
		}
	}
	if facts, ok := data["ansible_facts"].(map[string]any); ok {
		for k := range facts {
			if strings.HasPrefix(k, "discovered_interpreter_") || strings.HasPrefix(k, "ansible_discovered_interpreter_") {
				delete(facts, k)
			}
		}
	}
	for _, k := range []string{"stdout", "stderr"} {
		if v, ok := data[k]; ok {
			if _, has := data[k+"_lines"]; !has {
				s, _ := v.(string)
				data[k+"_lines"] = tasks.Lines(s)
			}
		}
	}
	if len(warnings) > 0 {
		data["warnings"] = append(asAnyList(data["warnings"]), stringsToAny(warnings)...)
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case bool:
		return !x
	}
	return false
}

func asAnyList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func stringsToAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// toResult makes a module's result data a tasks.Result: changed, failed,
// skipped, msg, ansible_facts and warnings in their fields, the rest in
// Values as the module returned them.
func toResult(data map[string]any) *tasks.Result {
	r := &tasks.Result{Values: map[string]any{}}
	for k, v := range data {
		switch k {
		case "changed":
			r.Changed, _ = tasks.ToBool(v)
		case "failed":
			r.Failed, _ = tasks.ToBool(v)
		case "skipped":
			r.Skipped, _ = tasks.ToBool(v)
		case "ansible_facts":
			r.Facts, _ = v.(map[string]any)
		case "warnings":
			for _, w := range asAnyList(v) {
				s, _ := tasks.ToStr(w)
				r.Warnings = append(r.Warnings, s)
			}
		case "msg":
			if s, ok := v.(string); ok {
				r.Msg = s
			}
			r.Values[k] = v
		default:
			r.Values[k] = v
		}
	}
	return r
}
