package playbooks

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// include is what an include_tasks or include_role asked for on a host:
// a task file, or a role with its templated options.
type include struct {
	path string         // the task file; "" for a role
	args map[string]any // include_role: its templated options
	vars map[string]any // loop variables
	// label is the loop item's label, for output.
	label string
}

func (inc include) key() string {
	return inc.path + "\x00" + tasks.PyRepr(jinja.ToPlain(inc.args)) + "\x00" + tasks.PyRepr(jinja.ToPlain(inc.vars))
}

func isInclude(t *Task) bool { return t.Action == "include_tasks" || t.Action == "include_role" }

// includeOnce records, for one host (and loop item), the file or role an
// include asks for; runIncludes loads and runs it after the task.
func (ps *playState) includeOnce(t *Task, s *scope, o *outcome) itemOutcome {
	vars := maps.Clone(s.loop)
	if t.Action == "include_role" {
		args, _, err := ps.taskArgs(t, s)
		if err != nil {
			return failItem(err.Error())
		}
		o.includes = append(o.includes, include{args: args, vars: vars})
		return itemOutcome{status: statusOK, result: map[string]any{"changed": false, "include_args": args}}
	}
	v, err := ps.run.env.Template(includeFile(t.Args), s)
	if err != nil {
		return failItem(undefinedOption(t, s, err).Error())
	}
	file, _ := tasks.ToStr(jinja.ToPlain(v))
	file = strings.TrimSpace(file)
	path := findTaskFile(&taskCtx{play: t.Play, role: t.Role, dir: t.Dir}, file)
	o.includes = append(o.includes, include{path: path, vars: vars})
	args := map[string]any{}
	if a, ok := t.Args["apply"]; ok {
		args["apply"] = a
	}
	return itemOutcome{status: statusOK, result: map[string]any{"changed": false, "include": file, "include_args": args}}
}

// runIncludes runs what include_tasks and include_role asked for, hosts
// that include the same thing with the same variables together. A task
// file that is missing, or a role not found, fails the hosts that included
// it; a file that does not load (bad YAML, an unknown module) stops the
// run, as in Ansible.
func (ps *playState) runIncludes(ctx context.Context, t *Task, hosts []*hostRun, outcomes []*outcome) {
	if !isInclude(t) {
		return
	}
	type group struct {
		inc   include
		hosts []*hostRun
	}
	var groups []*group
	index := map[string]*group{}
	for i, hr := range hosts {
		if !hr.active() && !t.Handler {
			continue
		}
		for _, inc := range outcomes[i].includes {
			g, ok := index[inc.key()]
			if !ok {
				g = &group{inc: inc}
				index[inc.key()] = g
				groups = append(groups, g)
			}
			g.hosts = append(g.hosts, hr)
		}
	}
	for _, g := range groups {
		if ctx.Err() != nil || ps.ended || ps.run.stopAll {
			return
		}
		b, err := ps.loadInclude(t, g.inc)
		var missing *includeMissing
		switch {
		case errors.As(err, &missing):
			ps.includeFailed(t, g.hosts, missing.Error())
			continue
		case err != nil:
			ps.run.abort(err)
			ps.ended = true
			return
		}
		if t.Action == "include_tasks" {
			for _, hr := range g.hosts {
				ps.run.stats.add(hr.h.name, func(s *HostStats) { s.OK++ })
			}
		}
		ps.runBlock(ctx, b, g.hosts)
	}
}

// includeMissing is an include's file or role that does not exist: the
// hosts that included it fail.
type includeMissing struct{ msg string }

func (e *includeMissing) Error() string { return e.msg }

// includeFailed fails hosts whose include's file or role is missing, as
// Ansible does (ignore_errors does not apply).
func (ps *playState) includeFailed(t *Task, hosts []*hostRun, reason string) {
	info := ps.taskInfo(t, hosts)
	ps.run.out.TaskStart(info)
	for _, hr := range hosts {
		res := map[string]any{"failed": true, "reason": reason}
		ps.run.out.HostDone(info, (&outcome{status: statusFailed, result: res}).hostResult(hr.h.name))
		ps.run.stats.add(hr.h.name, func(s *HostStats) { s.Failed++ })
		hr.failed = true
		ps.fatalFailure(t, hr)
	}
	ps.run.out.TaskEnd(info)
}

// loadInclude loads what one include asked for: a block holding the
// file's tasks or the role, under a block carrying the include's variables
// and apply: keywords. The include's other keywords are not inherited, as
// in Ansible.
func (ps *playState) loadInclude(t *Task, inc include) (*Task, error) {
	l := ps.run.loader
	l.mu.Lock()
	defer l.mu.Unlock()
	imported := len(t.Play.roleImports)
	defer func() { ps.addImportedRoles(t.Play.roleImports[imported:]) }()
	wrapper, err := l.includeWrapper(t, inc)
	if err != nil {
		return nil, err
	}
	if inc.path == "" {
		return ps.loadIncludedRole(t, wrapper, inc)
	}
	if !fileExists(inc.path) {
		return nil, &includeMissing{fmt.Sprintf("Could not find or access '%s' on the Ansible Controller.", inc.path)}
	}
	wrapper.Import = inc.path
	tc := &taskCtx{play: t.Play, role: t.Role, parent: wrapper, dir: filepath.Dir(inc.path), handler: t.Handler, dynamic: true}
	wrapper.Block, err = l.TaskFile(inc.path, tc, nil, nil)
	return wrapper, err
}

// includeWrapper is the block an include's tasks run in: the include's
// parent, with its vars (and the loop item) and its apply: keywords.
func (l *Loader) includeWrapper(t *Task, inc include) (*Task, error) {
	l.nextID++
	w := &Task{Pos: t.Pos, IsBlock: true, Parent: t.Parent, Play: t.Play, Role: t.Role, Dir: t.Dir,
		Handler: t.Handler, ID: l.nextID, Kw: map[string]any{"vars": includeVars(t, inc.vars)}, includedBy: t}
	apply, ok := t.Args["apply"]
	if inc.args != nil {
		apply, ok = inc.args["apply"]
	}
	if !ok || apply == nil {
		return w, nil
	}
	m, isMap := jinja.ToPlain(apply).(map[string]any)
	if !isMap {
		return nil, fmt.Errorf("Expected a dict for apply but got <class '%s'> instead", pyTypeName(apply))
	}
	for k, v := range m {
		if !contains(blockKeywords, k) || k == "block" || k == "rescue" || k == "always" {
			return nil, fmt.Errorf("'%s' is not a valid attribute for a Block", k)
		}
		switch k {
		case "tags":
			tags, err := tagList(l.taskFile(t), nil, v)
			if err != nil {
				return nil, err
			}
			w.Kw[k] = tags
		case "vars":
			vars, _ := v.(map[string]any)
			merged := maps.Clone(vars)
			maps.Copy(merged, w.Kw["vars"].(map[string]any))
			w.Kw[k] = merged
		default:
			w.Kw[k] = v
		}
	}
	return w, nil
}

// taskFile is the parsed file a task is in, for errors found at run time.
func (l *Loader) taskFile(t *Task) *yamlx.File {
	if f, ok := l.files[t.Pos.File]; ok {
		return f
	}
	return &yamlx.File{Name: t.Pos.File}
}

// taskNode stands for a task's place in its file in errors found at run
// time.
func taskNode(t *Task) *yaml.Node { return &yaml.Node{Line: t.Pos.Line, Column: t.Pos.Col} }

// loadIncludedRole loads the role an include_role names and builds the
// block running it under wrapper; a public role's variables join the
// play's, and the role's handlers join the play's handlers.
func (ps *playState) loadIncludedRole(t *Task, wrapper *Task, inc include) (*Task, error) {
	l := ps.run.loader
	e, err := roleInclude(t, inc.args, false)
	if err != nil {
		return nil, err
	}
	if len(inc.vars) > 0 { // the loop item is one of the role's vars, as in Ansible
		vars := maps.Clone(e.vars)
		if vars == nil {
			vars = map[string]any{}
		}
		maps.Copy(vars, inc.vars)
		e.vars = vars
	}
	if t.Role != nil {
		e.baseDir = filepath.Dir(t.Role.Path)
	}
	if _, _, err := l.findRole(t.Play, e.name, e.baseDir); err != nil {
		return nil, &includeMissing{err.Error()}
	}
	f, n := l.taskFile(t), taskNode(t)
	r, err := l.loadRole(f, n, t.Play, e, nil)
	if err != nil {
		return nil, err
	}
	r.AllowDuplicates = roleOption(inc.args, "allow_duplicates", true)
	b, err := l.roleBlockValidated(f, n, r, t.Play, wrapper, roleOption(inc.args, "rolespec_validate", true))
	if err != nil {
		return nil, err
	}
	wrapper.Block = []*Task{b}
	t.Play.linkHandlers(r, wrapper)
	ps.addRuntimeRole(r, roleOption(inc.args, "public", false))
	return wrapper, nil
}

// addRuntimeRole makes an included role's handlers (with its
// dependencies') callable, and a public role's variables visible to the
// whole play.
func (ps *playState) addRuntimeRole(r *Role, public bool) {
	if public {
		ps.run.roles.addPublic(ps.play, r)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, h := range roleHandlerTasks(r) {
		if !inList(ps.handlers, h) {
			ps.handlers = append(ps.handlers, h)
		}
	}
}

// addImportedRoles makes the handlers of the roles that import_role
// tasks of an included file or role brought into the play callable, under
// their import task when the play did not have them yet.
func (ps *playState) addImportedRoles(imports []roleImport) {
	for _, ri := range imports {
		ps.play.linkHandlers(ri.role, ri.task)
		ps.addRuntimeRole(ri.role, false)
	}
}

// includeVars are the variables an include passes to its tasks: the
// include's own vars and the loop item.
func includeVars(t *Task, loop map[string]any) map[string]any {
	out := map[string]any{}
	if m, ok := t.Kw["vars"].(map[string]any); ok {
		maps.Copy(out, m)
	}
	maps.Copy(out, loop)
	return out
}
