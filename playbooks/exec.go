package playbooks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/tasks"
)

// runTasks runs a section of the play on the whole batch.
func (ps *playState) runTasks(ctx context.Context, list []*Task) {
	ps.runList(ctx, list, ps.batch)
}

// runList runs tasks and blocks in order on hosts, lock-step (linear) or
// each host on its own (free).
func (ps *playState) runList(ctx context.Context, list []*Task, hosts []*hostRun) {
	if ps.strategy == "free" && len(hosts) > 1 {
		ps.runFree(ctx, list, hosts)
		return
	}
	for _, t := range list {
		if ctx.Err() != nil || ps.ended || ps.run.stopAll || len(ps.runnable(t, hosts)) == 0 {
			return
		}
		if t.IsBlock {
			ps.runBlock(ctx, t, hosts)
			continue
		}
		ps.runTask(ctx, t, hosts)
	}
}

// runFree runs the list on every host independently, forks at a time.
func (ps *playState) runFree(ctx context.Context, list []*Task, hosts []*hostRun) {
	var wg sync.WaitGroup
	for _, hr := range ps.active(hosts) {
		wg.Add(1)
		go func(hr *hostRun) {
			defer wg.Done()
			for _, t := range list {
				if ctx.Err() != nil || ps.ended || !hr.active() {
					return
				}
				one := []*hostRun{hr}
				if t.IsBlock {
					ps.runBlockLinear(ctx, t, one)
					continue
				}
				ps.runTask(ctx, t, one)
			}
		}(hr)
	}
	wg.Wait()
}

func (ps *playState) runBlockLinear(ctx context.Context, b *Task, hosts []*hostRun) {
	ps.runBlock(ctx, b, hosts)
}

// runBlock runs a block's tasks, then its rescue section on the hosts that
// failed in it, then its always section on every host that entered it.
func (ps *playState) runBlock(ctx context.Context, b *Task, hosts []*hostRun) {
	entered := ps.runnable(b, hosts)
	if len(entered) == 0 {
		return
	}
	ps.runList(ctx, b.Block, entered)
	if b.RoleBlock {
		ps.completeRole(b.Role, entered)
	}
	var failed []*hostRun
	for _, hr := range entered {
		if hr.failed && !hr.unreachable {
			failed = append(failed, hr)
		}
	}
	if len(b.Rescue) > 0 && len(failed) > 0 {
		for _, hr := range failed {
			hr.failed = false
		}
		ps.runList(ctx, b.Rescue, failed)
	}
	if len(b.Always) == 0 || ctx.Err() != nil {
		return
	}
	var stillFailed, always []*hostRun
	cleared := map[*hostRun]int{}
	for _, hr := range entered {
		if hr.unreachable || hr.ended {
			continue
		}
		if hr.failed {
			stillFailed = append(stillFailed, hr)
			cleared[hr] = hr.cleared
			hr.failed = false
		}
		always = append(always, hr)
	}
	ps.runList(ctx, b.Always, always)
	for _, hr := range stillFailed {
		// a meta: clear_host_errors in the always section forgives the block
		hr.failed = hr.failed || hr.cleared == cleared[hr]
	}
}

// runnable are the hosts t may run on: the active ones, and for a
// handler (or a task a handler included) under force_handlers also the
// failed ones.
func (ps *playState) runnable(t *Task, hosts []*hostRun) []*hostRun {
	if !t.Handler || !ps.forceHandlers() {
		return ps.active(hosts)
	}
	var out []*hostRun
	for _, hr := range hosts {
		if !hr.unreachable {
			out = append(out, hr)
		}
	}
	return out
}

// runTask runs one task on the active hosts among hosts.
func (ps *playState) runTask(ctx context.Context, t *Task, hosts []*hostRun) {
	r := ps.run
	if (!t.Handler && !ps.tagsMatch(t)) || !r.reachedStart(t) { // tags never filter handlers, as in Ansible
		return
	}
	if !t.Handler {
		hosts = ps.notRun(t, ps.active(hosts))
	}
	if len(hosts) == 0 {
		return
	}
	bound, err := ps.resolveActions(t, hosts)
	if err != nil {
		ps.stopRun(t, err.Error())
		return
	}
	t = bound[0]
	if t.Action == "meta" {
		ps.runMeta(ctx, t, hosts)
		return
	}
	info := ps.taskInfo(t, hosts)
	if r.opts.Step && !r.takeStep(ctx, info.Name, ps.stepHost(hosts)) {
		return
	}
	r.out.TaskStart(info)
	targets := hosts
	// run_once runs on the first host for all of them; an action that
	// bypasses the host loop (add_host, pause) runs there for itself only.
	runOnce, _ := ps.kwBool(t, ps.scope(hosts[0], t), "run_once", false)
	if runOnce || t.Spec != nil && t.Spec.BypassHostLoop {
		targets = hosts[:1]
	}
	outcomes := ps.executeAll(ctx, bound[:len(targets)], targets, info)
	r.out.TaskEnd(info)
	for i, hr := range targets {
		apply := []*hostRun{hr}
		if runOnce {
			apply = hosts
		}
		ps.apply(t, hr, outcomes[i], apply)
	}
	if ctx.Err() != nil {
		return // interrupted: what finished is counted, nothing more starts
	}
	ps.checkMaxFail()
	ps.runIncludes(ctx, t, targets, outcomes)
}

// notRun drops the hosts on which t's role has run already, where it
// does not allow duplicates (Ansible skips those tasks silently).
func (ps *playState) notRun(t *Task, hosts []*hostRun) []*hostRun {
	role := taskRole(t)
	if role == nil || role.AllowDuplicates {
		return hosts
	}
	out := hosts[:0:0]
	for _, hr := range hosts {
		if !ps.run.roles.skip(role, hr.h.name) {
			out = append(out, hr)
		}
	}
	return out
}

// completeRole ends a mention of a role on the hosts still running.
func (ps *playState) completeRole(r *Role, hosts []*hostRun) {
	for _, hr := range hosts {
		if hr.active() {
			ps.run.roles.complete(r, hr.h.name)
		}
	}
}

// taskRole is the role a task belongs to, nil outside roles.
func taskRole(t *Task) *Role {
	for x := t; x != nil; x = x.Parent {
		if x.Role != nil {
			return x.Role
		}
	}
	return nil
}

// executeAll runs on each host the task bound holds for it (see
// resolveActions), forks at a time, reporting each result as
// it arrives.
func (ps *playState) executeAll(ctx context.Context, bound []*Task, hosts []*hostRun, info *TaskInfo) []*outcome {
	out := make([]*outcome, len(hosts))
	throttle := ps.throttle(bound[0], hosts)
	var wg sync.WaitGroup
	for i, hr := range hosts {
		// slots are taken here, in host order, so hosts start in order as
		// Ansible queues them (with --forks 1 they run one after another)
		if throttle != nil {
			throttle <- struct{}{}
		}
		ps.run.sem <- struct{}{}
		wg.Add(1)
		ps.run.workers.Go(func() {
			defer wg.Done()
			if throttle != nil {
				defer func() { <-throttle }()
			}
			defer func() { <-ps.run.sem }()
			o := interruptedOutcome()
			if ctx.Err() == nil {
				end := trace.Start(ctx, hr.h.name, "task", info.Name)
				o = ps.execute(ctx, bound[i], hr, info)
				end(nil)
				markInterrupted(ctx, o)
			}
			out[i] = o
			ps.run.out.HostDone(info, o.hostResult(hr.h.name))
		})
	}
	wg.Wait()
	return out
}

// interruptedOutcome is a host's outcome of a task the interrupt cut
// short (or kept from starting).
func interruptedOutcome() *outcome {
	return &outcome{status: statusInterrupted, result: map[string]any{"changed": false, "msg": "interrupted"}}
}

// markInterrupted makes a failure that ended with the run's interrupt an
// interrupted outcome: the task did not finish there, it did not fail.
func markInterrupted(ctx context.Context, o *outcome) {
	if ctx.Err() != nil && (o.status == statusFailed || o.status == statusUnreachable) {
		o.status, o.ignored = statusInterrupted, false
	}
}

// taskInfo describes a task for output.
func (ps *playState) taskInfo(t *Task, hosts []*hostRun) *TaskInfo {
	name := t.DisplayName()
	if strings.Contains(name, "{{") {
		if v, err := ps.run.env.Template(name, ps.scope(hosts[0], t)); err == nil {
			name, _ = tasks.ToStr(jinja.ToPlain(v))
		}
	}
	if t.Role != nil && t.Role.Name != "" {
		name = t.Role.Name + " : " + name
	}
	check, _ := ps.kwBool(t, ps.scope(hosts[0], t), "check_mode", ps.run.opts.Check)
	names := make([]string, len(hosts))
	for i, hr := range hosts {
		names[i] = hr.h.name
	}
	return &TaskInfo{ID: t.ID, Name: name, Action: t.Action, Pos: t.Pos, Handler: t.Handler, Hosts: len(hosts),
		HostNames: names, Check: check}
}

// reachedStart implements --start-at-task: tasks before the named one are
// skipped.
func (r *run) reachedStart(t *Task) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || t.Action == "gather_facts" && t.Name == "Gathering Facts" {
		return true
	}
	if t.Name == r.opts.StartAtTask || (t.Role != nil && t.Role.Name+" : "+t.Name == r.opts.StartAtTask) {
		r.started = true
	}
	return r.started
}

// apply records a host's outcome: counters, registered variable, facts,
// notifications, failure state. targets are the hosts a run_once result
// applies to.
func (ps *playState) apply(t *Task, hr *hostRun, o *outcome, targets []*hostRun) {
	r := ps.run
	name := hr.h.name
	r.stats.add(name, func(s *HostStats) { o.count(s, t) })
	if o.status == statusInterrupted {
		return
	}
	r.recordStats(o, targets)
	if role := taskRole(t); role != nil && o.status != statusSkipped && o.status != statusUnreachable {
		r.roles.markRan(role, name)
	}
	for _, x := range targets {
		if t.Register != "" {
			x.h.setVar(&x.h.hostVars, t.Register, jinja.Unsafe{V: o.result})
		}
		for _, f := range o.facts {
			ps.storeFacts(x, f)
		}
	}
	switch {
	case o.status == statusUnreachable && !o.ignored:
		for _, x := range targets {
			x.unreachable = true
		}
	case o.status == statusFailed && !o.ignored:
		for _, x := range targets {
			x.failed = true
			x.h.setVar(&x.h.hostVars, "ansible_failed_task", map[string]any{"name": t.Name, "action": t.Action})
			x.h.setVar(&x.h.hostVars, "ansible_failed_result", jinja.Unsafe{V: o.result})
		}
		ps.fatalFailure(t, hr)
	case o.status == statusChanged:
		ps.notifyAll(t, hr, o)
	}
}

// notifyAll records the task's notifications for a changed host. A name
// that reaches no handler stops the run, or is a warning when
// Options.WarnMissingHandler says so, as Ansible's error_on_missing_handler.
func (ps *playState) notifyAll(t *Task, hr *hostRun, _ *outcome) {
	for _, n := range ps.notifyNames(t, hr) {
		if ps.notify(hr, n) {
			continue
		}
		msg := fmt.Sprintf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", n)
		if s, ok := closest(n, ps.handlerWords(hr)); ok {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		if ps.run.opts.WarnMissingHandler {
			ps.run.out.Warn(msg)
			continue
		}
		ps.stopRun(t, msg)
		return
	}
}

// stopRun ends the run with an error Ansible raises while running (status
// 1, no recap), naming t's place.
func (ps *playState) stopRun(t *Task, msg string) {
	l := ps.run.loader
	l.mu.Lock()
	err := l.taskFile(t).Errorf(taskNode(t), "%s", msg)
	l.mu.Unlock()
	ps.run.abort(exitcode.New(exitcode.RunError, err))
	ps.ended = true
}

// notifyNames are the handler names and topics a task notifies, templated
// (a notify: that is one template may give a list of them).
func (ps *playState) notifyNames(t *Task, hr *hostRun) []string {
	names, whole := t.notify()
	var out []string
	for _, n := range names {
		if !strings.Contains(n, "{{") {
			out = append(out, n)
			continue
		}
		v, err := ps.run.env.Template(n, ps.scope(hr, t))
		if err != nil {
			out = append(out, n)
			continue
		}
		list := []any{jinja.ToPlain(v)}
		if whole {
			list = asList(list[0])
		}
		for _, e := range list {
			s, _ := tasks.ToStr(e)
			out = append(out, s)
		}
	}
	return out
}

// protected reports whether a failure of t is caught by an enclosing block's
// rescue section (Ansible then counts "rescued", not "failed").
func protected(t *Task) bool {
	for x := t; x.Parent != nil; x = x.Parent {
		p := x.Parent
		if len(p.Rescue) > 0 && (inList(p.Block, x) || (x.includedBy != nil && inList(p.Block, x.includedBy))) {
			return true
		}
	}
	return false
}

// fatalFailure ends the play and the run after t failed on hr when t is
// any_errors_fatal, unless a rescue or always section of an enclosing block
// is still to run, as in Ansible.
func (ps *playState) fatalFailure(t *Task, hr *hostRun) {
	fatal, _ := ps.kwBool(t, ps.scope(hr, t), "any_errors_fatal", ps.run.opts.AnyErrorsFatal)
	if fatal && !protected(t) && !alwaysAhead(t) {
		ps.ended = true
		ps.run.stopAll = true
	}
}

// alwaysAhead reports whether an enclosing block's always section is still
// to run after a failure of t (t is in its block or rescue section): as in
// Ansible, any_errors_fatal then does not end the play.
func alwaysAhead(t *Task) bool {
	for x := t; x.Parent != nil; x = x.Parent {
		p := x.Parent
		if len(p.Always) > 0 && (inList(p.Block, x) || inList(p.Rescue, x)) {
			return true
		}
	}
	return false
}

func inList(list []*Task, t *Task) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// storeFacts stores facts returned by a module where its spec says.
func (ps *playState) storeFacts(hr *hostRun, f factSet) {
	h := hr.h
	if f.host != "" {
		if other := ps.run.host(f.host); other != nil {
			h = other
		}
	}
	switch f.scope {
	case tasks.HostFacts:
		h.setFacts(f.facts)
		ps.run.cacheFacts(h)
	case tasks.SetFacts:
		for _, k := range orderedKeys(f.facts, f.order) {
			v := f.facts[k]
			if f.unsafe[k] {
				v = jinja.Unsafe{V: v}
			}
			h.setVar(&h.hostVars, k, v)
		}
		if f.cacheable {
			h.setFacts(f.facts)
			ps.run.cacheFacts(h)
		}
	case tasks.IncludeVars:
		for k, v := range f.facts {
			h.setVar(&h.includeVars, k, v)
		}
	}
}

// orderedKeys lists m's keys: those of order first, in that order, then
// the others sorted.
func orderedKeys(m map[string]any, order []string) []string {
	out := make([]string, 0, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && !contains(out, k) {
			out = append(out, k)
		}
	}
	rest := make([]string, 0, len(m)-len(out))
	for k := range m {
		if !contains(out, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// tagsMatch applies -t/--skip-tags to a task with its inherited tags, as
// Ansible's Taggable.evaluate_tags does.
func (ps *playState) tagsMatch(t *Task) bool {
	only, skip := ps.run.opts.Tags, ps.run.opts.SkipTags
	if len(only) == 0 && len(skip) == 0 {
		return !ps.taskTags(t)["never"]
	}
	tags := ps.taskTags(t)
	if len(tags) == 0 {
		tags = map[string]bool{"untagged": true}
	}
	run := true
	if len(only) > 0 {
		run = tags["always"] || (contains(only, "all") && !tags["never"]) || anyIn(tags, only) ||
			(contains(only, "tagged") && !tags["untagged"] && !tags["never"])
	} else if tags["never"] {
		run = false
	}
	if run && len(skip) > 0 {
		switch {
		case contains(skip, "all"):
			run = tags["always"] && !contains(skip, "always")
		case anyIn(tags, skip):
			run = false
		case contains(skip, "tagged") && !tags["untagged"]:
			run = false
		}
	}
	return run
}

func anyIn(tags map[string]bool, list []string) bool {
	for _, x := range list {
		if tags[x] {
			return true
		}
	}
	return false
}

// taskTags are the task's tags with those of its blocks, imports, role and
// play.
func (ps *playState) taskTags(t *Task) map[string]bool {
	out := map[string]bool{}
	for _, v := range t.chain("tags") {
		for _, tag := range asTags(v) {
			out[tag] = true
		}
	}
	return out
}

// endPlay makes the remaining batches of p skip (meta: end_play).
func (r *run) endPlay(_ *Play) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.playEnded = true
}
