package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/fqcn"
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/playbooks"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport/local"
)

// adhocFlags are the flags of drover run that only a module run through
// the playbook engine honours, in ansible's spelling.
type adhocFlags struct {
	become        bool
	becomeUser    string
	becomeMethod  string
	askBecomePass bool
	extraVars     []string
	check, diff   bool
}

func (a *adhocFlags) register(f *pflag.FlagSet) {
	f.BoolVarP(&a.become, "become", "b", false, "run the module with become")
	f.StringVar(&a.becomeUser, "become-user", "", "become this user (default root)")
	f.StringVar(&a.becomeMethod, "become-method", "", "privilege escalation method: sudo (default) or su")
	f.BoolVarP(&a.askBecomePass, "ask-become-pass", "K", false, "ask for the become password")
	f.StringArrayVarP(&a.extraVars, "extra-vars", "e", nil, "extra variables: key=value, JSON/YAML, or @file (repeatable)")
	f.BoolVarP(&a.check, "check", "C", false, "predict changes without making them")
	f.BoolVarP(&a.diff, "diff", "D", false, "show the changes made to files")
}

// given reports whether any of these flags was set.
func (a *adhocFlags) given() bool {
	return a.become || a.becomeUser != "" || a.becomeMethod != "" || a.askBecomePass || len(a.extraVars) > 0 || a.check || a.diff
}

// viaEngine reports whether -m/-a runs through the playbook engine: any
// module but command, shell and raw (which run directly, one exec per
// host), or any of those with become, extra vars, check or diff.
func (o *runOptions) viaEngine(cmd *cobra.Command, args []string) bool {
	if cmd.ArgsLenAtDash() >= 0 || len(args) > 1 {
		return false
	}
	switch fqcn.Short(o.module) {
	case "command", "shell", "raw":
		return o.adhoc.given()
	}
	return true
}

// runModule runs -m MODULE -a ARGS on the hosts pattern selects as one
// ad-hoc task of the playbook engine, as `ansible PATTERN -m MODULE -a
// ARGS` does, and prints the results folded across hosts.
func (o *runOptions) runModule(ctx context.Context, pattern string) (err error) {
	red := o.conn.secrets()
	defer func() { err = maskError(red, err) }()
	if o.forks < 1 {
		return exitcode.Errorf(exitcode.Usage, "--forks must be at least 1, not %d", o.forks)
	}
	keyring, err := openVault(ctx, &o.conn.vault, red)
	if err != nil {
		return err
	}
	vaultFn := vaultFunc(keyring)
	extra, err := parseExtraVars(o.adhoc.extraVars, vaultFn)
	if err != nil {
		return err
	}
	loader := playbooks.NewLoader(loadOptions(o.conn.cfg, vaultFn))
	pb, err := loader.AdHoc(pattern, o.module, o.args)
	if err != nil {
		return exitcode.Errorf(exitcode.Usage, "-m %s -a %q: %v", o.module, o.args, err)
	}
	inv, err := inventory.Load(ctx, o.conn.inventories, o.conn.unparsedPolicy(inventory.Options{Decrypt: vaultFn,
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }}))
	if err != nil {
		return exitcode.New(exitcode.BadInput, err)
	}
	if err := requireHosts(inv, pattern, o.limit, o.conn.patternMismatch()); err != nil {
		return err
	}
	for _, h := range inv.Hosts() {
		registerHostSecrets(red, h.Vars)
	}
	registerHostSecrets(red, extra)
	opts := playbooks.Options{Inventory: inv, Limit: o.limit, Forks: o.forks, ExtraVars: extra,
		Check: o.adhoc.check, Diff: o.adhoc.diff, Verbosity: o.verbose, RemoteUser: o.conn.user,
		Become: o.adhoc.become, BecomeUser: o.adhoc.becomeUser, BecomeMethod: o.adhoc.becomeMethod,
		Loader: loader, Local: local.New(), Redactor: red}
	opts.OutputLimit, _ = o.output.bytes() // checked by run
	if keyring != nil {
		opts.Vault = keyring.DecryptText
	}
	if err := engineConfig(&opts, o.conn.cfg); err != nil {
		return err
	}
	return o.runEngine(ctx, pb, opts, red)
}

// runEngine connects the engine to the hosts and runs the ad-hoc playbook.
func (o *runOptions) runEngine(ctx context.Context, pb *playbooks.Playbook, opts playbooks.Options, red *redact.Redactor) error {
	if o.adhoc.askBecomePass {
		pw, err := askSecret("BECOME password: ")
		if err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
		red.Add(pw)
		opts.BecomePassword = pw
	}
	closeConns, err := o.conn.connectEngine(ctx, &opts, red)
	if err != nil {
		return err
	}
	defer closeConns()
	p := ui.New()
	out := &adhocOutput{o: o, p: p, red: red, results: map[string]ui.HostResult{}}
	opts.Output = out
	for _, w := range opts.Inventory.Warnings() {
		out.Warn(w)
	}
	start := time.Now()
	if _, err := playbooks.Run(ctx, pb, opts); err != nil {
		return exitcode.New(exitcode.BadInput, err)
	}
	results := out.ordered()
	if !o.json && len(results) > 0 {
		p.PrintFolded(results)
		p.Summary(results, time.Since(start))
	}
	return runStatus(ctx, results, len(out.hosts))
}

// adhocOutput collects the ad-hoc task's result per host as drover run
// shows them: command-like modules by rc, stdout and stderr, other modules
// by their result as indented JSON (Ansible's `host | CHANGED => {...}`).
type adhocOutput struct {
	o   *runOptions
	p   *ui.Printer
	red *redact.Redactor

	mu      sync.Mutex
	hosts   []string
	results map[string]ui.HostResult
	started time.Time
	prog    *ui.Progress
	enc     *json.Encoder
}

// PlayStart learns the hosts, in the order results are printed.
func (a *adhocOutput) PlayStart(p *playbooks.PlayInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hosts = append(a.hosts, p.Hosts...)
	if a.o.json {
		a.enc = json.NewEncoder(a.p.Out)
		a.enc.SetEscapeHTML(false)
	} else if len(p.Hosts) > 0 {
		a.prog = a.p.NewProgress("", p.Hosts)
	}
}

// TaskStart notes the start time, for each host's duration.
func (a *adhocOutput) TaskStart(*playbooks.TaskInfo) {
	a.mu.Lock()
	a.started = time.Now()
	a.mu.Unlock()
}

// HostDone converts and keeps one host's result.
func (a *adhocOutput) HostDone(t *playbooks.TaskInfo, r *playbooks.HostResult) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hr := adhocResult(t.Action, r)
	hr.Duration = time.Since(a.started)
	hr = maskHostResult(a.red, hr)
	a.results[r.Host] = hr
	switch {
	case a.enc != nil:
		res := redactValue(a.red, shownResult(t.Action, r.Result))
		_ = a.enc.Encode(adhocJSON{hostJSON: jsonResult(hr, a.o.base64), Result: res})
	case a.prog != nil:
		a.prog.Done(hr.Host, hr.Status)
	}
}

// TaskEnd stops the progress line.
func (a *adhocOutput) TaskEnd(*playbooks.TaskInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.prog != nil {
		a.prog.Stop()
		a.prog = nil
	}
}

// Retry is not shown for an ad-hoc task.
func (a *adhocOutput) Retry(*playbooks.RetryInfo) {}

// Warn prints a warning on stderr, as Ansible does.
func (a *adhocOutput) Warn(msg string) {
	fmt.Fprintln(a.p.Err, a.p.Paint(ui.Yellow, "[WARNING]: "+a.red.String(msg)))
}

// Recap is not printed: drover run ends with its summary line.
func (a *adhocOutput) Recap(*playbooks.Stats) {}

// ordered returns the results in the play's host order.
func (a *adhocOutput) ordered() []ui.HostResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ui.HostResult, 0, len(a.results))
	for _, h := range a.hosts {
		if r, ok := a.results[h]; ok {
			out = append(out, r)
		}
	}
	return out
}

// adhocJSON is one --json line: drover run's fields and the module's
// result.
type adhocJSON struct {
	hostJSON
	Result any `json:"result,omitempty"`
}

// commandLike are the modules whose result drover run shows as a command's:
// exit code, output and error output.
var commandLike = map[string]bool{"command": true, "shell": true, "raw": true, "script": true}

// adhocResult is one host's engine result as drover run shows it.
func adhocResult(action string, r *playbooks.HostResult) ui.HostResult {
	hr := ui.HostResult{Host: r.Host, Status: ui.Status(r.Status)}
	res := r.Result
	msg, _ := res["msg"].(string)
	switch r.Status {
	case "unreachable":
		hr.Msg = msg
		return hr
	case "interrupted": // shown as drover run shows a command Ctrl-C cut short
		hr.Status, hr.Msg = ui.StatusFailed, "interrupted"
		return hr
	}
	if commandLike[action] && (res["rc"] != nil || res["stdout"] != nil) {
		hr.RC, _ = tasks.ToInt(res["rc"])
		hr.Stdout, _ = res["stdout"].(string)
		hr.Stderr, _ = res["stderr"].(string)
		if r.Status == "failed" {
			hr.Msg = msg
		}
		return hr
	}
	hr.Stdout = indentedJSON(shownResult(action, res))
	if d := playbooks.ResultDiff(res); d != "" {
		hr.Stdout = d + "\n" + hr.Stdout
	}
	return hr
}

// debugKeys are the keys of a debug result with msg that Ansible shows.
var debugKeys = map[string]bool{"msg": true, "exception": true, "warnings": true, "deprecations": true}

// shownResult is a result as Ansible's ad-hoc output shows it: without the
// keys it keeps to itself (invocation, _ansible_*), the diff (shown with
// -D), "failed": false, and for debug with msg only the message.
func shownResult(action string, res map[string]any) map[string]any {
	out := make(map[string]any, len(res))
	_, hasMsg := res["msg"]
	for k, v := range res {
		switch {
		case k == "invocation" || k == "diff" || strings.HasPrefix(k, "_ansible"):
		case k == "failed" && v == false:
		case action == "debug" && hasMsg && !debugKeys[k]:
		default:
			out[k] = v
		}
	}
	return out
}

// indentedJSON formats a result as Ansible's callbacks do: keys sorted,
// four-space indent, non-ASCII kept.
func indentedJSON(v map[string]any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return strings.Join(keys, ", ")
	}
	return b.String()
}

// redactValue masks secrets in every string of a JSON-like value.
func redactValue(red *redact.Redactor, v any) any {
	switch x := v.(type) {
	case string:
		return red.String(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = redactValue(red, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(red, e)
		}
		return out
	}
	return v
}
