package playbooks

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
)

// Status is how a task ended on a host.
type Status string

// Statuses of a task on a host.
const (
	statusOK          Status = "ok"
	statusChanged     Status = "changed"
	statusFailed      Status = "failed"
	statusSkipped     Status = "skipped"
	statusUnreachable Status = "unreachable"
	// statusInterrupted is a host whose task the run's interrupt (Ctrl-C)
	// cut short: shown, never counted.
	statusInterrupted Status = "interrupted"
)

// noLogMsg replaces every result of a no_log task in output.
const noLogMsg = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"

// outcome is what one task did on one host.
type outcome struct {
	status    Status
	ignored   bool // failed or unreachable, with ignore_errors/ignore_unreachable
	result    map[string]any
	items     []itemOutcome
	facts     []factSet
	includes  []include
	noLog     bool
	delegated string
	rescued   bool
}

// itemOutcome is one loop item's result.
type itemOutcome struct {
	label  string
	status Status
	result map[string]any
}

type factSet struct {
	scope     tasks.FactScope
	facts     map[string]any
	host      string // delegate_facts: the delegated host
	cacheable bool
	order     []string        // names in the order the task wrote them (set_fact)
	unsafe    map[string]bool // names whose values are unsafe (set_fact)
}

// count adds the outcome to a host's recap counters.
func (o *outcome) count(s *HostStats, t *Task) {
	changed := o.result["changed"] == true
	switch o.status {
	case statusUnreachable:
		if o.ignored {
			s.Skipped++
		} else {
			s.Unreachable++
		}
	case statusFailed:
		switch {
		case o.ignored:
			s.OK++
			s.Ignored++
			if changed {
				s.Changed++
			}
		case protected(t):
			s.Rescued++
		default:
			s.Failed++
		}
	case statusSkipped:
		s.Skipped++
	case statusInterrupted:
		return
	default:
		if isInclude(t) {
			return // counted when the included file loads, as Ansible does
		}
		s.OK++
		if changed {
			s.Changed++
		}
	}
}

// scope returns the variables t sees on hr.
func (ps *playState) scope(hr *hostRun, t *Task) *scope {
	return &scope{h: hr.h, ps: ps, task: t}
}

// execute runs t on one host: conditionals, loop, module, retries.
func (ps *playState) execute(ctx context.Context, t *Task, hr *hostRun, _ *TaskInfo) *outcome {
	s := ps.scope(hr, t)
	o := &outcome{}
	o.noLog, _ = ps.kwBool(t, s, "no_log", false)
	if !t.HasLoop {
		ok, cond, err := ps.evalWhen(t, s)
		if err != nil {
			return ps.finish(t, s, o, failItem(err.Error()))
		}
		if !ok {
			return ps.finish(t, s, o, skipItem(cond))
		}
		it := ps.once(ctx, t, hr, s, o)
		return ps.finish(t, s, o, it)
	}
	return ps.finish(t, s, o, ps.loop(ctx, t, hr, s, o))
}

// finish sets the outcome's status and result from the task's (or loop's)
// result, applying ignore_errors and ignore_unreachable.
func (ps *playState) finish(t *Task, s *scope, o *outcome, it itemOutcome) *outcome {
	o.result, o.status = it.result, it.status
	switch o.status {
	case statusFailed:
		o.ignored, _ = ps.kwBool(t, s, "ignore_errors", false)
	case statusUnreachable:
		o.ignored, _ = ps.kwBool(t, s, "ignore_unreachable", false)
	}
	return o
}

func failItem(msg string) itemOutcome {
	return itemOutcome{status: statusFailed, result: map[string]any{"failed": true, "changed": false, "msg": msg}}
}

func skipItem(cond any) itemOutcome {
	r := map[string]any{"changed": false, "skip_reason": "Conditional result was False", "skipped": true}
	if cond != nil {
		r["false_condition"] = cond
	}
	return itemOutcome{status: statusSkipped, result: r}
}

// statusOf reads the status of a registered result.
func statusOf(r map[string]any) Status {
	switch {
	case r["unreachable"] == true:
		return statusUnreachable
	case r["failed"] == true:
		return statusFailed
	case r["skipped"] == true:
		return statusSkipped
	case r["changed"] == true:
		return statusChanged
	}
	return statusOK
}

// once runs the task's action once (one loop item) on a host.
func (ps *playState) once(ctx context.Context, t *Task, hr *hostRun, s *scope, o *outcome) itemOutcome {
	if t.Action == "include_tasks" || t.Action == "include_role" {
		return ps.includeOnce(t, s, o)
	}
	if t.actionErr != "" {
		return failItem(t.actionErr)
	}
	if t.Spec.Run == nil {
		return failItem(fmt.Sprintf("%s is not supported here", t.Action))
	}
	args, unsafe, err := ps.taskArgs(t, s)
	if err != nil {
		return failItem(err.Error())
	}
	prepared, err := t.Spec.Prepare(args)
	if err != nil {
		return failItem(err.Error())
	}
	call, target, err := ps.newCall(ctx, t, hr, s, prepared)
	if err != nil {
		if transport.IsUnreachable(err) {
			return unreachableItem(err)
		}
		return failItem(err.Error())
	}
	o.delegated = target
	if call.NoLog {
		ctx = trace.Hide(ctx)
	}
	res, bad := ps.attempts(ctx, t, s, call)
	if bad != nil {
		return *bad
	}
	ps.collectFacts(t, s, o, res, target, unsafe)
	return itemOutcome{status: statusOf(res), result: res}
}

func unreachableItem(err error) itemOutcome {
	msg := err.Error()
	var u *transport.UnreachableError
	if errors.As(err, &u) && u.Err != nil {
		msg = u.Err.Error()
	}
	return itemOutcome{status: statusUnreachable, result: map[string]any{"unreachable": true, "changed": false, "msg": msg}}
}

// attempts runs the module, with until/retries/delay, and applies
// changed_when and failed_when to each attempt.
func (ps *playState) attempts(ctx context.Context, t *Task, s *scope, call *tasks.Call) (map[string]any, *itemOutcome) {
	until, hasUntil := t.Kw["until"]
	retries, delay, err := ps.untilSettings(t, s, hasUntil)
	if err != nil {
		f := failItem(err.Error())
		return nil, &f
	}
	var res map[string]any
	for attempt := 1; attempt <= retries; attempt++ {
		r, err := ps.runTimed(ctx, t, s, call)
		if err != nil {
			it := moduleError(ctx, err)
			return nil, &it
		}
		res = r.Registered()
		if retries > 1 {
			res["attempts"] = attempt
		}
		ps.resultConditions(t, s, res)
		if retries == 1 {
			return res, nil
		}
		ok, err := ps.truthAll(asList(until), ps.withRegister(t, s, res))
		if err != nil {
			f := failItem(err.Error())
			return nil, &f
		}
		if ok {
			return res, nil
		}
		if attempt < retries {
			ps.run.out.Retry(&RetryInfo{Host: s.h.name, Task: t.DisplayName(), Left: retries - attempt})
			if !sleep(ctx, time.Duration(delay)*time.Second) {
				it := moduleError(ctx, ctx.Err())
				return nil, &it
			}
		}
	}
	res["attempts"] = retries - 1 // as ansible-core 2.14 reports an exhausted until loop
	res["failed"] = true
	return res, nil
}

// untilSettings are how many times a task runs and the seconds between
// runs, as ansible-core 2.14 counts them: with until, retries (3 by
// default) after the first attempt, and a single attempt (until not
// evaluated) when retries is 0 or less; without until, once. A negative
// delay waits 1 second.
func (ps *playState) untilSettings(t *Task, s *scope, hasUntil bool) (retries, delay int, err error) {
	if !hasUntil {
		return 1, 0, nil
	}
	if retries, err = ps.kwInt(t, s, "retries", 3); err != nil {
		return 0, 0, err
	}
	if retries <= 0 {
		retries = 1
	} else {
		retries++
	}
	if delay, err = ps.kwInt(t, s, "delay", 5); err != nil {
		return 0, 0, err
	}
	if delay < 0 {
		delay = 1
	}
	return retries, delay, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// moduleError turns an error returned by a module into a result.
func moduleError(ctx context.Context, err error) itemOutcome {
	switch {
	case transport.IsUnreachable(err):
		return unreachableItem(err)
	case ctx.Err() != nil:
		return failItem("interrupted")
	}
	return failItem(err.Error())
}

// withRegister is s with the task's registered variable set to res, for
// changed_when, failed_when and until.
func (ps *playState) withRegister(t *Task, s *scope, res map[string]any) *scope {
	if t.Register == "" {
		return s
	}
	return s.withOver(map[string]any{t.Register: jinja.Unsafe{V: res}})
}

// resultConditions applies changed_when and failed_when to a result that
// was not skipped. A condition that cannot be evaluated fails the result,
// its error kept under changed_when_result or failed_when_result, as
// Ansible does.
func (ps *playState) resultConditions(t *Task, s *scope, res map[string]any) {
	if res["skipped"] == true {
		return
	}
	cs := ps.withRegister(t, s, res)
	if cw, ok := t.Kw["changed_when"]; ok {
		v, err := ps.truthAll(asList(cw), cs)
		if err != nil {
			res["failed"], res["changed_when_result"] = true, err.Error()
			return
		}
		res["changed"] = v
	}
	if fw, ok := t.Kw["failed_when"]; ok {
		v, err := ps.truthAll(asList(fw), cs)
		if err != nil {
			res["failed"], res["failed_when_result"] = true, err.Error()
			return
		}
		res["failed_when_result"] = v
		res["failed"] = v
	}
}

// collectFacts keeps the facts a module returned, to be stored once the task
// ends.
func (ps *playState) collectFacts(t *Task, s *scope, o *outcome, res map[string]any, target string, unsafe map[string]bool) {
	facts, ok := res["ansible_facts"].(map[string]any)
	if !ok || res["failed"] == true {
		return
	}
	fs := factSet{scope: t.Spec.Facts, facts: facts, order: t.ArgOrder, unsafe: unsafe}
	res["ansible_facts"] = withoutInternal(facts)
	if t.Spec.Facts == tasks.SetFacts {
		fs.cacheable, _ = tasks.ToBool(res[tasks.CacheableKey])
		delete(res, tasks.CacheableKey)
	}
	if target != "" {
		if df, _ := ps.kwBool(t, s, "delegate_facts", false); df {
			fs.host = target
		}
	}
	o.facts = append(o.facts, fs)
}

// taskArgs templates the task's arguments and drops those equal to omit.
// unsafe names the arguments whose templates read unsafe values (see
// jinja.Env.Template): a set_fact stores those as unsafe.
func (ps *playState) taskArgs(t *Task, s *scope) (args map[string]any, unsafe map[string]bool, err error) {
	given := t.Args
	if t.ArgsTemplate != "" {
		v, err := ps.run.env.Template(t.ArgsTemplate, s)
		if err != nil {
			return nil, nil, err
		}
		m, ok := jinja.ToPlain(v).(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("args must be a mapping, the template gave %v", tasks.PyRepr(jinja.ToPlain(v)))
		}
		maps.Copy(m, t.Args)
		given = m
	}
	if d := moduleDefaults(t, ps.run.loader.specFor); d != nil {
		m := maps.Clone(d)
		maps.Copy(m, given)
		given = m
	}
	v, err := ps.run.env.TemplateValue(given, s)
	if err != nil {
		return nil, nil, undefinedOption(t, s, err)
	}
	args, _ = jinja.ToPlain(v).(map[string]any)
	keepOrder(t.Action, v, args)
	omitValue(args, ps.run.omit)
	if t.Spec.Facts == tasks.SetFacts {
		unsafe = unsafeEntries(v)
	}
	return args, unsafe, nil
}

// unsafeEntries names the entries of a templated mapping that are unsafe.
func unsafeEntries(v any) map[string]bool {
	d, ok := v.(*jinja.Dict)
	if !ok {
		return nil
	}
	var out map[string]bool
	for i, k := range d.Keys() {
		if _, isU := d.Values()[i].(jinja.Unsafe); isU {
			if out == nil {
				out = map[string]bool{}
			}
			ks, _ := tasks.ToStr(jinja.ToPlain(k))
			out[ks] = true
		}
	}
	return out
}

// omitValue removes every mapping entry whose value is the omit
// placeholder.
func omitValue(v any, omit string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && s == omit {
				delete(x, k)
				continue
			}
			omitValue(e, omit)
		}
	case []any:
		for _, e := range x {
			omitValue(e, omit)
		}
	}
}

// evalWhen evaluates the task's when conditions with those of its blocks,
// imports, role and play; the failing condition is returned.
func (ps *playState) evalWhen(t *Task, s *scope) (bool, any, error) {
	for _, w := range t.chain("when") {
		for _, cond := range asList(w) {
			ok, err := ps.truth(cond, s)
			if err != nil {
				return false, cond, err
			}
			if !ok {
				return false, cond, nil
			}
		}
	}
	return true, nil, nil
}

func (ps *playState) truthAll(conds []any, s jinja.Vars) (bool, error) {
	for _, c := range conds {
		ok, err := ps.truth(c, s)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// truth evaluates one conditional: a bool, or an expression string.
func (ps *playState) truth(cond any, s jinja.Vars) (bool, error) {
	switch x := cond.(type) {
	case bool:
		return x, nil
	case nil:
		return true, nil
	case string:
		return ps.run.env.Truth(x, s)
	case jinja.Unsafe:
		return ps.truth(x.V, s)
	}
	return tasks.ToBool(cond)
}

// kwValue templates the nearest value of an inherited keyword; a value
// templated to omit gives way to the enclosing block's, role's or play's,
// as in Ansible.
func (ps *playState) kwValue(t *Task, s *scope, name string) (any, bool, error) {
	v, ok := t.kw(name)
	if !ok {
		return nil, false, nil
	}
	tv, err := ps.run.env.TemplateValue(v, s)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %v", name, err)
	}
	plain := jinja.ToPlain(tv)
	if str, isStr := plain.(string); isStr && str == ps.run.omit {
		chain := t.chain(name)
		for i := len(chain) - 2; i >= 0; i-- { // the last is the one just omitted
			x, err := ps.run.env.TemplateValue(chain[i], s)
			if err != nil {
				return nil, true, fmt.Errorf("%s: %v", name, err)
			}
			if p := jinja.ToPlain(x); p != ps.run.omit {
				return p, true, nil
			}
		}
		return nil, false, nil
	}
	return plain, true, nil
}

func (ps *playState) kwBool(t *Task, s *scope, name string, def bool) (bool, error) {
	v, ok, err := ps.kwValue(t, s, name)
	if err != nil || !ok || v == nil {
		return def, err
	}
	return tasks.ToBool(v)
}

// kwInt reads an integer keyword with Python's int(): a float is
// truncated, a string must hold an integer.
func (ps *playState) kwInt(t *Task, s *scope, name string, def int) (int, error) {
	v, ok, err := ps.kwValue(t, s, name)
	if err != nil || !ok || v == nil {
		return def, err
	}
	if f, isFloat := v.(float64); isFloat {
		return int(f), nil
	}
	n, err := tasks.ToInt(v)
	if err != nil {
		str, _ := tasks.ToStr(v)
		return 0, fmt.Errorf("the field '%s' has an invalid value (%s), and could not be converted to an int.The error was: invalid literal for int() with base 10: '%s'", name, str, str)
	}
	return n, nil
}

func (ps *playState) kwString(t *Task, s *scope, name string) (string, bool, error) {
	v, ok, err := ps.kwValue(t, s, name)
	if err != nil || !ok || v == nil {
		return "", false, err
	}
	str, err := tasks.ToStr(v)
	return str, true, err
}

// hostResult is the outcome as output shows it: no_log results censored.
func (o *outcome) hostResult(host string) *HostResult {
	hr := &HostResult{Host: host, Status: o.status, Ignored: o.ignored, Delegated: o.delegated, Result: o.result}
	if o.noLog {
		hr.Result = censored(o.result)
	}
	for _, it := range o.items {
		r := it.result
		if o.noLog {
			r = censored(r)
		}
		hr.Items = append(hr.Items, ItemResult{Label: it.label, Status: it.status, Result: r})
	}
	for _, inc := range o.includes {
		if inc.path != "" { // an include_role shows no included: line, as in Ansible
			hr.Included = append(hr.Included, inc.path)
			hr.IncludedLabels = append(hr.IncludedLabels, inc.label)
		}
	}
	return hr
}

// censored is a no_log result as Ansible shows it.
func censored(r map[string]any) map[string]any {
	out := map[string]any{"censored": noLogMsg, "changed": r["changed"] == true}
	for _, k := range []string{"failed", "skipped", "unreachable"} {
		if r[k] == true {
			out[k] = true
		}
	}
	return out
}
