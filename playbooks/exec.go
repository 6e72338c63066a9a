package playbooks

import (
	"context"
	"strings"
	"sync"

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
	if ps.play.Strategy == "free" && len(hosts) > 1 {
		ps.runFree(ctx, list, hosts)
		return
	}
	for _, t := range list {
		if ctx.Err() != nil || ps.ended || ps.run.stopAll || len(ps.active(hosts)) == 0 {
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
	entered := ps.active(hosts)
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
	for _, hr := range entered {
		if hr.unreachable || hr.ended {
			continue
		}
		if hr.failed {
			stillFailed = append(stillFailed, hr)
			hr.failed = false
		}
		always = append(always, hr)
	}
	ps.runList(ctx, b.Always, always)
	for _, hr := range stillFailed {
		hr.failed = true
	}
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
	runOnce := t.Spec != nil && t.Spec.BypassHostLoop
	if !runOnce {
		runOnce, _ = ps.kwBool(t, ps.scope(hosts[0], t), "run_once", false)
	}
	if runOnce {
		targets = hosts[:1]
	}
	outcomes := ps.executeAll(ctx, t, targets, info)
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

// executeAll runs t on each host, forks at a time, reporting each result as
// it arrives.
func (ps *playState) executeAll(ctx context.Context, t *Task, hosts []*hostRun, info *TaskInfo) []*outcome {
	out := make([]*outcome, len(hosts))
	throttle := ps.throttle(t, hosts)
	var wg sync.WaitGroup
	for i, hr := range hosts {
		wg.Add(1)
		ps.run.workers.Go(func() {
			defer wg.Done()
			if throttle != nil {
				throttle <- struct{}{}
				defer func() { <-throttle }()
			}
			ps.run.sem <- struct{}{}
			defer func() { <-ps.run.sem }()
			o := interruptedOutcome()
			if ctx.Err() == nil {
				end := trace.Start(ctx, hr.h.name, "task", info.Name)
				o = ps.execute(ctx, t, hr, info)
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
		if fatal, _ := ps.kwBool(t, ps.scope(hr, t), "any_errors_fatal", r.opts.AnyErrorsFatal); fatal && !protected(t) {
			ps.ended = true
			r.stopAll = true
		}
	case o.status == statusChanged:
		ps.notifyAll(t, hr, o)
	}
}

// notifyAll records the task's notifications for a changed host.
func (ps *playState) notifyAll(t *Task, hr *hostRun, _ *outcome) {
	for _, n := range ps.notifyNames(t, hr) {
		if !ps.notify(hr, n) {
			ps.run.out.Warn(missingHandler(n))
		}
	}
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
		for k, v := range f.facts {
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

// runMeta carries out a meta: task.
func (ps *playState) runMeta(ctx context.Context, t *Task, hosts []*hostRun) {
	action := strings.TrimSpace(includeFile(t.Args))
	switch action {
	case "flush_handlers":
		ps.flushHandlers(ctx, hosts)
		return
	case "end_play", "end_batch":
		if ps.metaWhen(t, hosts[0]) {
			ps.ended = true
			if action == "end_play" {
				ps.run.endPlay(ps.play)
			}
		}
		return
	}
	for _, hr := range hosts {
		if !ps.metaWhen(t, hr) {
			continue
		}
		switch action {
		case "end_host":
			hr.ended = true
		case "clear_host_errors":
			for _, x := range ps.batch {
				x.failed = false
			}
		case "clear_facts":
			hr.h.mu.Lock()
			hr.h.facts, hr.h.cleanFacts = map[string]any{}, nil
			hr.h.mu.Unlock()
			ps.run.cacheFacts(hr.h)
		}
	}
}

func (ps *playState) metaWhen(t *Task, hr *hostRun) bool {
	ok, _, err := ps.evalWhen(t, ps.scope(hr, t))
	return err == nil && ok
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
