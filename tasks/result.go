package tasks

import "fmt"

// Result is what a module returns for one host (one loop item).
type Result struct {
	Changed bool
	Failed  bool
	Skipped bool
	// Msg is the module's message; registered as "msg" when not empty.
	Msg string
	// Values are the module's own return values (rc, stdout, path, ...), in
	// Ansible's names. A module that always returns "msg" (command returns
	// "msg": "") sets it here.
	Values map[string]any
	// Facts are returned as ansible_facts; where they are stored depends on
	// Spec.Facts.
	Facts map[string]any
	// Warnings are shown after the task's result.
	Warnings []string
	// actionSkip leaves "failed" out of the registered result (see
	// checkModeUnsupported).
	actionSkip bool
}

// OK returns an unchanged, successful result.
func OK() *Result { return &Result{} }

// Changed returns a successful result that changed the host.
func Changed() *Result { return &Result{Changed: true} }

// Failf returns a failed result with a formatted message.
func Failf(format string, a ...any) *Result {
	return &Result{Failed: true, Msg: fmt.Sprintf(format, a...)}
}

// checkModeUnsupported is the result of an action that does not run in
// check mode, as Ansible's action plugins skip themselves: without a
// "failed" key.
func checkModeUnsupported() *Result {
	return &Result{Skipped: true, Msg: "check mode is not supported for this task.", actionSkip: true}
}

// Set stores a return value and returns r, for chaining.
func (r *Result) Set(key string, v any) *Result {
	if r.Values == nil {
		r.Values = map[string]any{}
	}
	r.Values[key] = v
	return r
}

// Get returns a return value.
func (r *Result) Get(key string) any { return r.Values[key] }

// Registered is the result as `register:` stores it and --json and -v show
// it: the module's values plus changed, failed, msg, skipped, ansible_facts,
// diff and warnings.
func (r *Result) Registered() map[string]any {
	out := make(map[string]any, len(r.Values)+4)
	for k, v := range r.Values {
		out[k] = v
	}
	out["changed"] = r.Changed
	if !r.actionSkip {
		out["failed"] = r.Failed
	}
	if r.Msg != "" {
		out["msg"] = r.Msg
	}
	if r.Skipped {
		out["skipped"] = true
	}
	if r.Facts != nil {
		out["ansible_facts"] = r.Facts
	}
	if len(r.Warnings) > 0 {
		w := make([]any, len(r.Warnings))
		for i, s := range r.Warnings {
			w[i] = s
		}
		out["warnings"] = w
	}
	return out
}
