package playbooks

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/suggest"
	"github.com/drover/drover/internal/yamlx"
)

// closest is the known word nearest to a misspelled one.
func closest(word string, candidates []string) (string, bool) {
	return suggest.Closest(word, candidates)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// roleKeywords are the keys a roles: entry accepts besides role parameters.
var roleKeywords = []string{"role", "name", "tags", "when", "vars", "become", "become_user",
	"become_method", "environment", "delegate_to", "ignore_errors", "no_log", "check_mode", "diff", "any_errors_fatal"}

// roles loads a play's roles: entries from roles/NAME beside the playbook
// (or a path).
func (l *Loader) roles(f *yamlx.File, n *yaml.Node, p *Play) ([]*Role, error) {
	n = yamlx.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		return nil, f.Errorf(n, "A malformed role declaration was encountered (roles must be a list)")
	}
	var out []*Role
	for _, item := range n.Content {
		r, err := l.role(f, yamlx.Resolve(item), p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (l *Loader) role(f *yamlx.File, n *yaml.Node, p *Play) (*Role, error) {
	r := &Role{Pos: pos(f, n), Kw: map[string]any{}, Params: map[string]any{}}
	v, err := l.value(f, n)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case string:
		if strings.Contains(x, ",") {
			return nil, f.Errorf(n, "Invalid old style role requirement: %s", x)
		}
		r.Name = x
	case map[string]any:
		if err := l.roleEntry(f, n, r, x); err != nil {
			return nil, err
		}
	default:
		return nil, f.Errorf(n, "a role must be a name or a mapping with role:")
	}
	if r.Name == "" {
		return nil, f.Errorf(n, "a role entry needs role: NAME")
	}
	r.Path = findRole(p.Dir, r.Name)
	if r.Path == "" {
		return nil, f.Errorf(n, "the role %q was not found in %s", r.Name, filepath.Join(p.Dir, "roles"))
	}
	return r, l.loadRole(f, n, r, p)
}

func (l *Loader) roleEntry(f *yamlx.File, n *yaml.Node, r *Role, x map[string]any) error {
	for k, val := range x {
		switch k {
		case "role", "name":
			r.Name, _ = val.(string)
		case "tags":
			t, err := tagList(f, keyNode(n, k), val)
			if err != nil {
				return err
			}
			r.Kw["tags"] = t
		case "vars":
			m, ok := val.(map[string]any)
			if !ok {
				return f.Errorf(keyNode(n, k), "role vars must be a mapping")
			}
			for mk, mv := range m {
				r.Params[mk] = mv
			}
		case "when", "become", "become_user", "become_method", "environment", "delegate_to",
			"ignore_errors", "no_log", "check_mode", "diff", "any_errors_fatal":
			r.Kw[k] = val
		default:
			r.Params[k] = val
		}
	}
	return nil
}

// findRole locates a role directory: roles/NAME beside the playbook, NAME
// beside it, or an absolute path.
func findRole(dir, name string) string {
	for _, c := range []string{filepath.Join(dir, "roles", name), filepath.Join(dir, name), name} {
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			abs, _ := filepath.Abs(c)
			return abs
		}
	}
	return ""
}

// roleFiles names the files of a role to read: "main" unless
// tasks_from/handlers_from/vars_from/defaults_from say otherwise.
type roleFiles struct{ tasks, handlers, vars, defaults string }

var mainFiles = roleFiles{"main", "main", "main", "main"}

// loadRole reads the role's defaults, vars, tasks and handlers.
func (l *Loader) loadRole(f *yamlx.File, n *yaml.Node, r *Role, p *Play) error {
	return l.loadRoleFiles(f, n, r, p, mainFiles, nil)
}

func (l *Loader) loadRoleFiles(f *yamlx.File, n *yaml.Node, r *Role, p *Play, rf roleFiles, parent *Task) error {
	var err error
	if r.Defaults, err = l.roleVars(r, "defaults", rf.defaults); err != nil {
		return err
	}
	if r.Vars, err = l.roleVars(r, "vars", rf.vars); err != nil {
		return err
	}
	tc := &taskCtx{play: p, role: r, parent: parent, dir: filepath.Join(r.Path, "tasks")}
	if file := roleFile(r.Path, "tasks", rf.tasks); file != "" {
		if r.Tasks, err = l.TaskFile(file, tc, f, n); err != nil {
			return err
		}
	} else if rf.tasks != "main" {
		return f.Errorf(n, "the role %q has no tasks file %q", r.Name, rf.tasks)
	}
	hc := &taskCtx{play: p, role: r, parent: parent, dir: filepath.Join(r.Path, "handlers"), handler: true}
	if file := roleFile(r.Path, "handlers", rf.handlers); file != "" {
		r.Handlers, err = l.TaskFile(file, hc, f, n)
	}
	return err
}

// roleFile finds DIR/NAME.yml (or .yaml, or NAME) in a role.
func roleFile(role, dir, name string) string {
	for _, n := range []string{name + ".yml", name + ".yaml", name} {
		if p := filepath.Join(role, dir, n); fileExists(p) {
			return p
		}
	}
	return ""
}

func (l *Loader) roleVars(r *Role, dir, name string) (map[string]any, error) {
	main := roleFile(r.Path, dir, name)
	if main == "" {
		return nil, nil
	}
	f, err := l.file(main)
	if err != nil {
		return nil, err
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	v, err := l.ordered(f, f.Docs[0])
	if err != nil {
		return nil, err
	}
	m, ok := topMap(v)
	if v != nil && !ok {
		return nil, f.Errorf(f.Docs[0], "%s/%s of role %s must be a mapping", dir, name, r.Name)
	}
	return m, nil
}

// expandRole replaces an import_role (or include_role with a static name)
// task by a block holding the role's tasks; the role's handlers and
// variables join the play.
func (l *Loader) expandRole(f *yamlx.File, n *yaml.Node, t *Task, tc *taskCtx) (*Task, error) {
	name, _ := t.Args["name"].(string)
	if name == "" || strings.Contains(name, "{{") || t.HasLoop {
		return nil, f.Errorf(n, "%s needs a static role name and no loop here (a templated or looped include_role is not supported)", t.Action)
	}
	if tc.play == nil {
		return nil, f.Errorf(n, "%s outside a play", t.Action)
	}
	r := &Role{Name: name, Pos: pos(f, n), Kw: map[string]any{}, Params: map[string]any{}}
	if r.Path = findRole(tc.play.Dir, name); r.Path == "" && tc.role != nil {
		r.Path = findRole(filepath.Dir(tc.role.Path), name)
	}
	if r.Path == "" {
		return nil, f.Errorf(n, "the role %q was not found in %s", name, filepath.Join(tc.play.Dir, "roles"))
	}
	rf := mainFiles
	for k, dst := range map[string]*string{"tasks_from": &rf.tasks, "handlers_from": &rf.handlers,
		"vars_from": &rf.vars, "defaults_from": &rf.defaults} {
		if v, ok := t.Args[k].(string); ok && v != "" {
			*dst = strings.TrimSuffix(strings.TrimSuffix(v, ".yml"), ".yaml")
		}
	}
	if err := l.loadRoleFiles(f, n, r, tc.play, rf, t); err != nil {
		return nil, err
	}
	r.from = t
	tc.play.ImportedRoles = append(tc.play.ImportedRoles, r)
	t.IsBlock, t.Block, t.Import = true, r.Tasks, r.Path
	t.Action, t.Spec, t.Args = "", nil, nil
	return t, nil
}
