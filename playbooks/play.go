package playbooks

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// playState is one play running on one batch of hosts.
type playState struct {
	run      *run
	play     *Play
	allHosts []string // every host of the play (ansible_play_hosts_all)
	batch    []*hostRun
	prompted map[string]any

	mu        sync.Mutex
	varsFiles map[string][]map[string]any // per host: the vars_files loaded
	ended     bool                        // end_play, any_errors_fatal
	handlers  []*Task
	unusable  map[*Task]bool          // handlers whose name did not template, warned about
	actions   map[actionKey]*Task     // tasks bound to the module their templated name gave
	throttles map[*Task]chan struct{} // per-task limits (throttle keyword)
	strategy  string                  // the play's strategy, templated
}

// hostRun is one host's state within a play.
type hostRun struct {
	h           *hostState
	failed      bool
	unreachable bool
	ended       bool // meta: end_host
	cleared     int  // meta: clear_host_errors runs that reached this host
	notified    map[*Task]bool
	mu          sync.Mutex
}

func (hr *hostRun) active() bool { return !hr.failed && !hr.unreachable && !hr.ended }

// magic returns the play-wide magic variables.
func (ps *playState) magic(name string) (any, bool) {
	r := ps.run
	switch name {
	case "groups":
		g := r.opts.Inventory.Groups()
		out := jinja.NewDict(len(g))
		for _, name := range r.opts.Inventory.GroupOrder() {
			out.Set(name, stringsToAny(g[name]))
		}
		return out, true
	case "play_hosts", "ansible_play_batch":
		var out []string
		for _, hr := range ps.batch {
			if !hr.failed && !hr.unreachable {
				out = append(out, hr.h.name)
			}
		}
		return stringsToAny(out), true
	case "ansible_play_hosts":
		return stringsToAny(ps.playHosts()), true
	case "ansible_play_hosts_all":
		return stringsToAny(ps.allHosts), true
	case "ansible_play_name":
		return ps.play.Name, true
	case "ansible_check_mode":
		return r.opts.Check, true
	case "ansible_diff_mode":
		return r.opts.Diff, true
	case "ansible_verbosity":
		return r.opts.Verbosity, true
	case "ansible_forks":
		return r.opts.Forks, true
	case "playbook_dir":
		return ps.play.Dir, true
	case "role_names", "ansible_play_role_names":
		return ps.playRoleNames(), true
	case "ansible_role_names":
		return ps.allRoleNames(), true
	case "ansible_dependent_role_names":
		return ps.dependentRoleNames(), true
	case "omit":
		return r.omit, true
	case "ansible_run_tags":
		if len(r.opts.Tags) == 0 {
			return []any{"all"}, true
		}
		return stringsToAny(r.opts.Tags), true
	case "ansible_skip_tags":
		return stringsToAny(r.opts.SkipTags), true
	case "ansible_version":
		return map[string]any{"full": "2.14.0", "major": 2, "minor": 14, "revision": 0, "string": "2.14.0"}, true
	case "ansible_playbook_python":
		return "/usr/bin/python3", true
	case "ansible_inventory_sources":
		return stringsToAny(r.opts.Inventory.Sources()), true
	case "ansible_config_file":
		if r.opts.ConfigFile == "" {
			return nil, true
		}
		return r.opts.ConfigFile, true
	case "ansible_limit":
		return r.opts.Limit, r.opts.Limit != ""
	}
	return nil, false
}

// usesFiles reports whether a play has a task whose module may use the
// connection's file operations.
func usesFiles(p *Play) bool {
	found := false
	walkTasks(p, func(t *Task) bool {
		if t.Spec != nil && !t.Spec.Controller && !t.Spec.NoFiles {
			found = true
		}
		return !found
	})
	return found
}

// playHosts are the play's hosts that have not failed, in every batch.
func (ps *playState) playHosts() []string {
	failed := map[string]bool{}
	for _, hr := range ps.batch {
		if hr.failed || hr.unreachable {
			failed[hr.h.name] = true
		}
	}
	ps.run.mu.Lock()
	for h := range ps.run.failed {
		failed[h] = true
	}
	ps.run.mu.Unlock()
	var out []string
	for _, h := range ps.allHosts {
		if !failed[h] {
			out = append(out, h)
		}
	}
	return out
}

// checkMaxFail ends the run when the failed hosts exceed the play's
// max_fail_percentage of the batch, as Ansible checks after each task.
func (ps *playState) checkMaxFail() {
	if ps.play.MaxFailPercentage == nil {
		return
	}
	pct, err := tasks.ToFloat(ps.play.MaxFailPercentage)
	if err != nil {
		return
	}
	failed := 0
	for _, hr := range ps.batch {
		if hr.failed || hr.unreachable {
			failed++
		}
	}
	ps.run.mu.Lock()
	for h := range ps.run.failed {
		if !ps.inBatch(h) {
			failed++
		}
	}
	ps.run.mu.Unlock()
	if float64(failed)/float64(len(ps.batch)) > pct/100 {
		ps.ended = true
		ps.run.stopAll = true
	}
}

func (ps *playState) inBatch(h string) bool {
	for _, hr := range ps.batch {
		if hr.h.name == h {
			return true
		}
	}
	return false
}

// runPlay runs one play on its hosts, batch by batch.
func (r *run) runPlay(ctx context.Context, p *Play) error {
	ps0 := &playState{run: r, play: p, varsFiles: map[string][]map[string]any{}}
	strategy, err := ps0.templateStrategy()
	if err != nil {
		return err
	}
	name := p.Name
	if name != "" {
		if v, err := r.env.Template(name, ps0.playScope()); err == nil {
			name, _ = tasks.ToStr(jinja.ToPlain(v))
		}
	}
	if name == "" {
		name = strings.Join(p.Hosts, ",")
	}
	patterns, err := r.templatePatterns(ps0, p.Hosts)
	if err != nil {
		return err
	}
	hosts, err := r.selectHosts(patterns)
	if err != nil {
		return err
	}
	hosts = r.withoutFailed(hosts)
	// order sorts the batches; ansible_play_hosts_all keeps inventory order.
	ordered, err := r.orderHosts(ps0, hosts)
	if err != nil {
		return err
	}
	check := r.opts.Check
	if v, ok := p.Kw["check_mode"]; ok {
		check, _ = tasks.ToBool(v)
	}
	r.out.PlayStart(&PlayInfo{Name: name, Hosts: hosts, Pos: p.Pos, Check: check})
	if len(hosts) == 0 {
		return nil
	}
	if err := r.playbookVars(p, hosts); err != nil {
		return err
	}
	if err := ps0.readVarsFiles(hosts); err != nil {
		return err
	}
	r.warnReserved(p)
	if err := r.prompt(ctx, ps0); err != nil {
		return err
	}
	batches, err := r.batches(ps0, ordered)
	if err != nil {
		return err
	}
	r.playEnded = false
	r.warmFiles = usesFiles(p)
	for _, b := range batches {
		if ctx.Err() != nil || r.stopAll || r.playEnded {
			break
		}
		ps := &playState{run: r, play: p, allHosts: hosts, prompted: ps0.prompted, varsFiles: ps0.varsFiles,
			strategy: strategy}
		for _, name := range b {
			ps.batch = append(ps.batch, &hostRun{h: r.host(name), notified: map[*Task]bool{}})
		}
		ps.runBatch(ctx)
		if ps.batchFailed() {
			r.stopAll = true
		}
	}
	return nil
}

// warnReserved warns, as Ansible does when a play starts, about play
// variables (extra vars, play vars, role defaults and vars) that take a
// reserved name.
func (r *run) warnReserved(p *Play) {
	seen := map[string]bool{}
	layers := []map[string]any{r.extraVars, p.Vars}
	for _, role := range p.Roles {
		layers = append(layers, role.Defaults, role.Vars)
	}
	var names []string
	for _, m := range layers {
		for k := range m {
			if reservedNames[k] && !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		r.out.Warn("Found variable using reserved name: " + n)
	}
}

// knownStrategy tells the strategies drover runs: linear (and debug,
// host_pinned, which run as linear and free) and free.
func knownStrategy(s string) bool {
	return s == "" || s == "linear" || s == "free" || s == "host_pinned" || s == "debug"
}

// templateStrategy templates the play's strategy keyword with the play's
// variables; host_pinned runs as free.
func (ps *playState) templateStrategy() (string, error) {
	s := ps.play.Strategy
	if strings.Contains(s, "{{") {
		v, err := ps.run.env.Template(s, ps.playScope())
		if err != nil {
			return "", fmt.Errorf("%s: strategy: %v", ps.play.Pos, err)
		}
		s, _ = tasks.ToStr(jinja.ToPlain(v))
		if !knownStrategy(s) {
			return "", fmt.Errorf("%s: Invalid play strategy specified: %s", ps.play.Pos, s)
		}
	}
	if s == "host_pinned" {
		s = "free"
	}
	return s, nil
}

// playbookVars reads the group_vars/ and host_vars/ beside the play's
// playbook for its hosts, so that a bad file stops the run before the play.
func (r *run) playbookVars(p *Play, hosts []string) error {
	for _, name := range hosts {
		if h := r.host(name); h != nil {
			if _, err := h.invVars(p.Dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// templatePatterns templates the play's host patterns; a template that
// gives a list gives one pattern per element.
func (r *run) templatePatterns(ps *playState, pats []string) ([]string, error) {
	out := make([]string, 0, len(pats))
	for _, p := range pats {
		v, err := r.env.Template(p, ps.playScope())
		if err != nil {
			return nil, fmt.Errorf("%s: hosts: %v", ps.play.Pos, err)
		}
		l, isList := jinja.ToPlain(v).([]any)
		if !isList {
			l = []any{jinja.ToPlain(v)}
		}
		for _, e := range l {
			s, _ := tasks.ToStr(e)
			out = append(out, s)
		}
	}
	return out, nil
}

// withoutFailed drops hosts that failed or were unreachable in earlier
// plays, as Ansible does.
func (r *run) withoutFailed(hosts []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := hosts[:0:0]
	for _, h := range hosts {
		if !r.failed[h] {
			out = append(out, h)
		}
	}
	return out
}

// playScope is a scope without a host, for play names and hosts patterns:
// extra vars and play vars.
func (ps *playState) playScope() jinja.Vars {
	return jinja.ChainVars{jinja.MapVars(ps.run.extraVars), jinja.MapVars(ps.play.Vars), lookupMarker{ps}}
}

// batches splits hosts by the play's serial: a number, a percentage, or a
// list of them (the last repeating).
func (r *run) batches(ps *playState, hosts []string) ([][]string, error) {
	if ps.play.Serial == nil {
		return [][]string{hosts}, nil
	}
	v, err := r.env.TemplateValue(ps.play.Serial, ps.playScope())
	if err != nil {
		return nil, err
	}
	sizes := asList(jinja.ToPlain(v))
	if len(sizes) == 0 {
		return [][]string{hosts}, nil
	}
	total := len(hosts)
	var out [][]string
	for i := 0; len(hosts) > 0; i++ {
		n, err := batchSize(sizes[min(i, len(sizes)-1)], total)
		if err != nil {
			return nil, fmt.Errorf("%s: serial: %v", ps.play.Pos, err)
		}
		if n <= 0 || n > len(hosts) {
			n = len(hosts)
		}
		out = append(out, hosts[:n])
		hosts = hosts[n:]
	}
	return out, nil
}

// batchSize reads one serial value against the play's host count.
func batchSize(spec any, total int) (int, error) {
	s, _ := tasks.ToStr(spec)
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "%") {
		var pct float64
		if _, err := fmt.Sscanf(strings.TrimSuffix(s, "%"), "%g", &pct); err != nil {
			return 0, fmt.Errorf("bad percentage %q", s)
		}
		n := int(math.Floor(float64(total) * pct / 100))
		return max(n, 1), nil
	}
	return tasks.ToInt(spec)
}

// runBatch runs the play's sections on one batch.
func (ps *playState) runBatch(ctx context.Context) {
	ps.collectHandlers()
	if ps.gatherFacts(ctx) {
		ps.runFacts(ctx)
	}
	sections := [][]*Task{ps.play.PreTasks, append(append([]*Task{}, ps.play.RoleBlocks...), ps.play.Tasks...), ps.play.PostTasks}
	for _, list := range sections {
		if ps.stopped(ctx) {
			break
		}
		ps.runTasks(ctx, list)
		ps.flushHandlers(ctx, ps.batch)
	}
	ps.record()
}

func (ps *playState) stopped(ctx context.Context) bool {
	return ctx.Err() != nil || ps.ended || ps.run.stopAll || len(ps.active(ps.batch)) == 0
}

// record remembers failed hosts so later plays skip them.
func (ps *playState) record() {
	r := ps.run
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, hr := range ps.batch {
		if hr.failed || hr.unreachable {
			r.failed[hr.h.name] = true
		}
	}
}

// batchFailed reports whether the play must stop: every host of the batch
// failed, or more failed than max_fail_percentage allows.
func (ps *playState) batchFailed() bool {
	failed := 0
	for _, hr := range ps.batch {
		if hr.failed || hr.unreachable {
			failed++
		}
	}
	if failed == 0 {
		return false
	}
	if failed == len(ps.batch) {
		return true
	}
	if ps.play.MaxFailPercentage != nil {
		max, err := tasks.ToFloat(ps.play.MaxFailPercentage)
		if err == nil && float64(failed)*100/float64(len(ps.batch)) > max {
			return true
		}
	}
	return false
}

func (ps *playState) active(hosts []*hostRun) []*hostRun {
	var out []*hostRun
	for _, hr := range hosts {
		if hr.active() {
			out = append(out, hr)
		}
	}
	return out
}

// gatherFacts reports whether the play gathers facts: as gather_facts
// says, or when the play does not say, unless Options.Gathering is
// "explicit".
func (ps *playState) gatherFacts(_ context.Context) bool {
	if ps.play.GatherFacts == nil {
		return ps.run.opts.Gathering != "explicit"
	}
	v, err := ps.run.env.TemplateValue(ps.play.GatherFacts, ps.playScope())
	if err != nil {
		return true
	}
	b, _ := tasks.ToBool(jinja.ToPlain(v))
	return b
}

// runFacts runs the implicit "Gathering Facts" task: gather_facts with the
// play's gather_subset, gather_timeout and fact_path, never run_once, tagged
// always unless the play has tags.
func (ps *playState) runFacts(ctx context.Context) {
	spec, ok := tasks.Lookup("gather_facts")
	if !ok {
		return
	}
	args := map[string]any{}
	if ps.play.GatherSubset != nil {
		args["gather_subset"] = ps.play.GatherSubset
	} else if ps.run.opts.GatherSubset != nil {
		args["gather_subset"] = ps.run.opts.GatherSubset
	}
	if ps.play.GatherTimeout != nil {
		args["gather_timeout"] = ps.play.GatherTimeout
	} else if ps.run.opts.GatherTimeout > 0 {
		args["gather_timeout"] = ps.run.opts.GatherTimeout
	}
	if ps.play.FactPath != nil {
		args["fact_path"] = ps.play.FactPath
	}
	kw := map[string]any{"run_once": false}
	if _, tagged := ps.play.Kw["tags"]; !tagged {
		kw["tags"] = []string{"always"}
	}
	t := &Task{Name: "Gathering Facts", Action: "gather_facts", ActionAs: "gather_facts", Spec: spec, Args: args,
		Play: ps.play, Pos: ps.play.Pos, Dir: ps.play.Dir, Kw: kw}
	if hosts := ps.factHosts(); len(hosts) > 0 {
		ps.runTask(ctx, t, hosts)
	}
}

// factsGathered is the fact gather_facts sets, which smart gathering
// looks for.
const factsGathered = tasks.FactsGatheredKey

// factHosts are the hosts of the batch facts are gathered on: all, or
// with smart gathering those without gathered facts (cached ones count).
func (ps *playState) factHosts() []*hostRun {
	if ps.run.opts.Gathering != "smart" {
		return ps.batch
	}
	var out []*hostRun
	for _, hr := range ps.batch {
		if done, _ := hr.h.fact(factsGathered); done != true {
			out = append(out, hr)
		}
	}
	return out
}

// collectHandlers lists the play's handlers: those of its roles (each
// role's dependencies first), then the play's.
func (ps *playState) collectHandlers() {
	var out []*Task
	seen := map[*Role]bool{}
	var add func(r *Role)
	add = func(r *Role) {
		if seen[r] {
			return
		}
		seen[r] = true
		for _, d := range r.Deps {
			add(d)
		}
		out = append(out, flatTasks(r.Handlers)...)
	}
	for _, r := range ps.play.Roles {
		add(r)
	}
	out = append(out, flatTasks(ps.play.Handlers)...)
	ps.handlers = out
}

// roleHandlerTasks are the handlers of a role and its dependencies.
func roleHandlerTasks(r *Role) []*Task {
	var out []*Task
	for _, d := range r.Deps {
		out = append(out, roleHandlerTasks(d)...)
	}
	return append(out, flatTasks(r.Handlers)...)
}

// flatTasks lists the tasks of a list, blocks expanded.
func flatTasks(list []*Task) []*Task {
	var out []*Task
	for _, t := range list {
		if t.IsBlock {
			out = append(out, flatTasks(t.Block)...)
			out = append(out, flatTasks(t.Rescue)...)
			out = append(out, flatTasks(t.Always)...)
			continue
		}
		out = append(out, t)
	}
	return out
}

// flushHandlers runs the notified handlers, in the order they are defined,
// on the hosts that notified them.
func (ps *playState) flushHandlers(ctx context.Context, hosts []*hostRun) {
	for _, h := range ps.handlers {
		if ctx.Err() != nil || ps.ended {
			return
		}
		var run []*hostRun
		for _, hr := range hosts {
			hr.mu.Lock()
			if hr.notified[h] {
				delete(hr.notified, h)
				if hr.active() || (ps.forceHandlers() && !hr.unreachable) {
					run = append(run, hr)
				}
			}
			hr.mu.Unlock()
		}
		if len(run) > 0 {
			ps.runTask(ctx, h, run)
		}
	}
}

// forceHandlers is the play's force_handlers, or the run's when the play
// does not say.
func (ps *playState) forceHandlers() bool {
	if ps.play.ForceHandlers != nil {
		return *ps.play.ForceHandlers
	}
	return ps.run.opts.ForceHandlers
}

// notify records that hr notified name: a handler of that name (a role's
// handler also answers to "ROLE : NAME") and every handler listening to
// it. Of handlers with the same name, as Ansible searches its handler
// blocks (the play's handlers, each role's) from the last block, the first
// of the last block that has one wins.
func (ps *playState) notify(hr *hostRun, name string) bool {
	found := false
	hr.mu.Lock()
	defer hr.mu.Unlock()
	ps.mu.Lock()
	handlers := ps.handlers
	ps.mu.Unlock()
	if h := ps.handlerByName(hr, handlers, name); h != nil {
		hr.notified[h] = true
		found = true
	}
	for _, h := range handlers {
		if contains(h.Listen, name) {
			hr.notified[h] = true
			found = true
		}
	}
	return found
}

// handlerByName finds the handler a notify by name reaches; a handler's
// name may be a template.
func (ps *playState) handlerByName(hr *hostRun, handlers []*Task, name string) *Task {
	end := len(handlers)
	for end > 0 {
		g := handlerGroup(handlers[end-1])
		start := end - 1
		for start > 0 && handlerGroup(handlers[start-1]) == g {
			start--
		}
		for _, h := range handlers[start:end] {
			n := ps.handlerName(hr, h)
			if n == name || (h.Role != nil && (h.Role.Name+" : "+n == name || h.Role.shortName()+" : "+n == name)) {
				return h
			}
		}
		end = start
	}
	return nil
}

// handlerName is a handler's name, templated; a name that does not
// template matches nothing, with a warning (once) when the handler has no
// listen topics either, as in Ansible.
func (ps *playState) handlerName(hr *hostRun, h *Task) string {
	if !strings.Contains(h.Name, "{{") {
		return h.Name
	}
	v, err := ps.run.env.Template(h.Name, ps.scope(hr, h))
	if err != nil {
		if len(h.Listen) == 0 && ps.firstUnusable(h) {
			ps.run.out.Warn(fmt.Sprintf("Handler '%s' is unusable because it has no listen topics and the name could not be templated (host-specific variables are not supported in handler names). The error: %v", h.Name, err))
		}
		return ""
	}
	s, _ := tasks.ToStr(jinja.ToPlain(v))
	return s
}

// firstUnusable reports whether h is found unusable for the first time.
func (ps *playState) firstUnusable(h *Task) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.unusable[h] {
		return false
	}
	if ps.unusable == nil {
		ps.unusable = map[*Task]bool{}
	}
	ps.unusable[h] = true
	return true
}

// handlerWords are the names and listen topics a notify on hr may name,
// for a "did you mean".
func (ps *playState) handlerWords(hr *hostRun) []string {
	ps.mu.Lock()
	handlers := ps.handlers
	ps.mu.Unlock()
	var out []string
	for _, h := range handlers {
		if n := ps.handlerName(hr, h); n != "" {
			out = append(out, n)
		}
		out = append(out, h.Listen...)
	}
	return out
}

// handlerGroup is the block of handlers h was loaded in: its role's
// handler block, or nil for the play's handlers.
func handlerGroup(h *Task) *Task {
	for x := h; x != nil; x = x.Parent {
		if x.RoleBlock {
			return x
		}
	}
	return nil
}

// varsFile looks name up in the play's vars_files for host.
func (ps *playState) varsFile(host, name string) (any, bool) {
	if len(ps.play.VarsFiles) == 0 {
		return nil, false
	}
	ps.mu.Lock()
	files, ok := ps.varsFiles[host]
	ps.mu.Unlock()
	if !ok {
		var err error
		if files, err = ps.loadVarsFiles(host); err != nil {
			ps.run.out.Warn(err.Error())
		}
	}
	for i := len(files) - 1; i >= 0; i-- {
		if v, ok := files[i][name]; ok {
			return v, true
		}
	}
	return nil, false
}

// readVarsFiles reads the play's vars_files for each of its hosts (each
// batch then finds them read), so that a file that is missing or cannot
// be read or decrypted stops the run before the play's first task.
func (ps *playState) readVarsFiles(hosts []string) error {
	for _, h := range hosts {
		if _, err := ps.loadVarsFiles(h); err != nil {
			return err
		}
	}
	return nil
}

// loadVarsFiles reads the vars_files of the play for one host (names may be
// templates); a list entry takes its first existing file. A name whose
// template fails (a variable not defined yet) is skipped with a warning,
// as Ansible skips it; a file that is missing (every one of a list's) or
// cannot be read is an error.
func (ps *playState) loadVarsFiles(host string) ([]map[string]any, error) {
	ps.mu.Lock()
	ps.varsFiles[host] = nil // guards against recursion through templated names
	ps.mu.Unlock()
	vars := jinja.ChainVars{jinja.MapVars(ps.run.extraVars), jinja.MapVars(ps.play.Vars)}
	if h := ps.run.host(host); h != nil {
		vars = append(vars, jinja.MapVars((&scope{h: h, ps: ps}).inv()))
	}
	vars = append(vars, lookupMarker{ps})
	var out []map[string]any
	for _, entry := range ps.play.VarsFiles {
		m, err := ps.varsFileEntry(entry, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ps.play.Pos, err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	ps.mu.Lock()
	ps.varsFiles[host] = out
	ps.mu.Unlock()
	return out, nil
}

// varsFileEntry reads one vars_files entry: a file, or the first existing
// file of a list of alternatives.
func (ps *playState) varsFileEntry(entry any, vars jinja.Vars) (map[string]any, error) {
	var tried []string
	for _, cand := range asList(entry) {
		name, err := ps.run.env.Template(fmt.Sprint(cand), vars)
		if err != nil {
			ps.run.out.Warn(fmt.Sprintf("vars_files %v: %v", cand, err))
			return nil, nil
		}
		p := resolveRelative(ps.play.Dir, fmt.Sprint(jinja.ToPlain(name)))
		if !fileExists(p) {
			tried = append(tried, p)
			continue
		}
		m, err := ps.run.readVars(p)
		if err != nil {
			return nil, fmt.Errorf("vars_files: %w", err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("vars file %v was not found (looked for %s)", entry, strings.Join(tried, ", "))
}

// readVars reads a YAML/JSON variables file on the controller, its
// mappings kept in the file's order.
func (r *run) readVars(path string) (map[string]any, error) {
	v, err := r.loadFileWith(path, orderedOptions(r.loader.opts.Vault))
	if err != nil {
		return nil, err
	}
	m, ok := topMap(v)
	if v != nil && !ok {
		return nil, fmt.Errorf("%s: a vars file must be a mapping", path)
	}
	return m, nil
}

// loadFile reads a YAML or JSON file into plain values, !unsafe marked.
func (r *run) loadFile(path string) (any, error) {
	return r.loadFileWith(path, yamlx.Options{Vault: r.loader.opts.Vault, VaultValue: keepVaulted(r.loader.opts.Vault),
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }})
}

func (r *run) loadFileWith(path string, opts yamlx.Options) (any, error) {
	f, err := yamlx.LoadFile(path, r.loader.opts.Vault)
	if err != nil {
		return nil, err
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	v, err := f.Value(f.Docs[0], opts)
	for _, w := range f.Warnings() {
		r.out.Warn(w)
	}
	return v, err
}

// findFile locates a controller file for a task: absolute, or in kind/
// of the task's role and the roles it runs for, beside the task's file and
// playbook, then beside them.
func findFile(t *Task, kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var dirs []string
	for _, r := range taskRoles(t) { // the task's role, then the roles it runs for
		dirs = append(dirs, r.Path)
	}
	dirs = append(dirs, filepath.Dir(t.Dir), t.Dir)
	if t.Play != nil {
		dirs = append(dirs, t.Play.Dir)
	}
	var tried []string
	for _, d := range dirs {
		cands := []string{filepath.Join(d, name)}
		if kind != "" {
			cands = append([]string{filepath.Join(d, kind, name)}, cands...)
		}
		for _, c := range cands {
			if fileExists(c) {
				return c, nil
			}
			tried = append(tried, c)
		}
	}
	return "", fmt.Errorf("could not find or access '%s'\nSearched in:\n\t%s", name, strings.Join(tried, "\n\t"))
}
