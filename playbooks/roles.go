package playbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// DefaultRolesPath is where roles are looked for when no roles path is
// configured, as Ansible's DEFAULT_ROLES_PATH.
var DefaultRolesPath = []string{"~/.ansible/roles", "/usr/share/ansible/roles", "/etc/ansible/roles"}

// roleKeywords are the keys of a role entry that are keywords (Ansible's
// role attributes); every other key is a role parameter.
var roleKeywords = []string{"role", "name", "tags", "when", "vars", "become", "become_user",
	"become_method", "become_flags", "become_exe", "environment", "delegate_to", "delegate_facts",
	"ignore_errors", "ignore_unreachable", "no_log", "check_mode", "diff", "any_errors_fatal",
	"connection", "port", "remote_user", "module_defaults", "run_once", "throttle", "timeout",
	"debugger", "collections"}

// roleEntry is one mention of a role: an entry of roles:, a dependency in
// meta/main.yml, or an import_role/include_role.
type roleEntry struct {
	name        string
	params      map[string]any
	vars        map[string]any
	kw          map[string]any // when, tags, become ...
	files       roleFiles
	fromInclude bool
	baseDir     string // the directory of the depending role's directory, for dependencies
}

// roleFiles names the files of a role to read: "main" unless
// tasks_from/handlers_from/vars_from/defaults_from say otherwise.
type roleFiles struct{ tasks, handlers, vars, defaults string }

var mainFiles = roleFiles{"main", "main", "main", "main"}

// roles loads a play's roles: entries, each with its dependencies.
func (l *Loader) roles(f *yamlx.File, n *yaml.Node, p *Play) error {
	n = yamlx.Resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return f.Errorf(n, "A malformed role declaration was encountered (roles must be a list)")
	}
	for _, item := range n.Content {
		e, err := l.parseRoleEntry(f, yamlx.Resolve(item))
		if err != nil {
			return err
		}
		r, err := l.loadRole(f, item, p, e, nil)
		if err != nil {
			return err
		}
		b, err := l.roleBlock(f, item, r, p, nil, nil)
		if err != nil {
			return err
		}
		p.Roles = append(p.Roles, r)
		p.RoleBlocks = append(p.RoleBlocks, b)
	}
	return nil
}

// parseRoleEntry reads a role name or a mapping of role:/name:, keywords
// and role parameters.
func (l *Loader) parseRoleEntry(f *yamlx.File, n *yaml.Node) (roleEntry, error) {
	e := roleEntry{kw: map[string]any{}, params: map[string]any{}, files: mainFiles}
	v, err := l.value(f, n)
	if err != nil {
		return e, err
	}
	switch x := v.(type) {
	case string:
		if strings.Contains(x, ",") {
			return e, f.Errorf(n, "Invalid old style role requirement: %s", x)
		}
		e.name = x
	case int:
		e.name = fmt.Sprint(x)
	case map[string]any:
		if err := l.roleEntryFields(f, n, &e, x); err != nil {
			return e, err
		}
	default:
		return e, f.Errorf(n, "a role must be a name or a mapping with role:")
	}
	if strings.TrimSpace(e.name) == "" {
		return e, f.Errorf(n, "role definitions must contain a role name")
	}
	return e, nil
}

func (l *Loader) roleEntryFields(f *yamlx.File, n *yaml.Node, e *roleEntry, x map[string]any) error {
	for k, val := range x {
		var err error
		switch k {
		case "role":
			e.name, _ = tasks.ToStr(val)
		case "name":
			if _, hasRole := x["role"]; !hasRole {
				e.name, _ = tasks.ToStr(val)
			}
		case "tags":
			e.kw["tags"], err = tagList(f, keyNode(n, k), val)
		case "vars":
			e.vars, err = l.varsMap(f, childNode(n, k), val)
		case "collections":
		default:
			if contains(roleKeywords, k) {
				e.kw[k] = val
			} else {
				e.params[k] = val
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rolesPath is the configured roles path (Options.RolesPath), or Ansible's
// default.
func (l *Loader) rolesPath() []string {
	if l.opts.RolesPath != nil {
		return l.opts.RolesPath
	}
	return DefaultRolesPath
}

// roleSearchDirs are the directories a role name is looked up in, in
// Ansible's order: roles/ beside the playbook, the roles path, the
// depending role's parent directory, the playbook's directory.
func (l *Loader) roleSearchDirs(p *Play, baseDir string) []string {
	dirs := []string{filepath.Join(p.Dir, "roles")}
	for _, d := range l.rolesPath() {
		if d != "" {
			dirs = append(dirs, expandHome(d))
		}
	}
	if baseDir != "" {
		dirs = append(dirs, baseDir)
	}
	return append(dirs, p.Dir)
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// findRole locates a role by name: a collection's role by its full name
// (NAMESPACE.COLLECTION.ROLE), else in the search directories, else as a
// path (its last element is then the role's name).
func (l *Loader) findRole(p *Play, name, baseDir string) (path, roleName string, err error) {
	if path := l.collectionRole(p, name); path != "" {
		return path, name, nil
	}
	dirs := l.roleSearchDirs(p, baseDir)
	for _, d := range dirs {
		c := filepath.Join(d, name)
		if fileExists(c) {
			abs, _ := filepath.Abs(c)
			return abs, name, nil
		}
	}
	if abs, _ := filepath.Abs(expandHome(name)); fileExists(abs) {
		return abs, filepath.Base(abs), nil
	}
	return "", "", fmt.Errorf("the role '%s' was not found in %s", name, strings.Join(dirs, ":"))
}

// DefaultCollectionsPath is where collections are looked for when none is
// configured (Ansible's COLLECTIONS_PATHS).
var DefaultCollectionsPath = []string{"~/.ansible/collections", "/usr/share/ansible/collections"}

// sysCollectionsPath is the Python path where Debian's ansible package puts
// its collections; Ansible looks there last (collections_scan_sys_path).
const sysCollectionsPath = "/usr/lib/python3/dist-packages"

// collectionRole finds NAMESPACE.COLLECTION.ROLE in the collections beside
// the playbook (collections/) or in the collections path; "" when name is
// not such a name or no collection has it.
func (l *Loader) collectionRole(p *Play, name string) string {
	parts := strings.Split(name, ".")
	if len(parts) != 3 || !validVarName(parts[0]) || !validVarName(parts[1]) || !validVarName(parts[2]) {
		return ""
	}
	roots := l.opts.CollectionsPaths
	if roots == nil {
		roots = DefaultCollectionsPath
	}
	roots = append(append([]string{filepath.Join(p.Dir, "collections")}, roots...), sysCollectionsPath)
	for _, root := range roots {
		dir := filepath.Join(expandHome(root), "ansible_collections", parts[0], parts[1], "roles", parts[2])
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			abs, _ := filepath.Abs(dir)
			return abs
		}
	}
	return ""
}

// shortName is the role's name without its collection, as role_name shows
// it.
func (r *Role) shortName() string {
	if i := strings.LastIndex(r.Name, "."); i >= 0 && strings.Count(r.Name, ".") == 2 && !strings.Contains(r.Name, "/") {
		return r.Name[i+1:]
	}
	return r.Name
}

// roleKey identifies a role mention for the play's role cache: the same
// name, parameters, keywords, vars and entry files give the same Role.
func roleKey(name string, e roleEntry) string {
	parts := []any{name, e.params, e.kw["when"], e.kw["tags"], e.vars,
		[]any{e.files.tasks, e.files.handlers, e.files.vars, e.files.defaults}, e.fromInclude}
	return tasks.PyRepr(jinja.ToPlain(parts))
}

// loadRole returns the play's Role for an entry, loading it (its
// defaults, vars, meta dependencies and handlers) the first time.
// loading lists the roles being loaded, to detect dependency cycles.
func (l *Loader) loadRole(f *yamlx.File, n *yaml.Node, p *Play, e roleEntry, loading []*Role) (*Role, error) {
	path, name, err := l.findRole(p, e.name, e.baseDir)
	if err != nil {
		return nil, f.Errorf(n, "%v", err)
	}
	key := roleKey(path, e)
	if r, ok := p.roleCache[key]; ok {
		for _, x := range loading {
			if x == r {
				return nil, f.Errorf(n, "A recursion loop was detected with the roles specified. Make sure child roles do not have dependencies on parent roles")
			}
		}
		return r, nil
	}
	r := &Role{Name: name, Path: path, Pos: pos(f, n), Params: e.params, EntryVars: e.vars, Kw: e.kw, files: e.files}
	if p.roleCache == nil {
		p.roleCache = map[string]*Role{}
	}
	p.roleCache[key] = r
	if err := l.readRole(f, n, p, r, append(loading, r)); err != nil {
		delete(p.roleCache, key)
		return nil, err
	}
	return r, nil
}

// readRole reads a role's variables, meta/main.yml and handlers.
func (l *Loader) readRole(f *yamlx.File, n *yaml.Node, p *Play, r *Role, loading []*Role) error {
	l.modules.AddRoleDir(r.Path)
	l.plugins.AddDir(r.Path)
	var err error
	if r.Defaults, err = l.roleVars(f, n, r, "defaults", r.files.defaults); err != nil {
		return err
	}
	if r.Vars, err = l.roleVars(f, n, r, "vars", r.files.vars); err != nil {
		return err
	}
	w := l.newRoleBlock(r, p, nil)
	w.Handler = true
	r.Handlers = []*Task{w}
	if err := l.roleMeta(p, r, loading); err != nil {
		return err
	}
	return l.roleHandlers(f, n, p, r)
}

// roleHandlers loads the role's handlers into its handler block, which
// carries the role's keywords (linkRoleHandlers gives the block its
// parent).
func (l *Loader) roleHandlers(f *yamlx.File, n *yaml.Node, p *Play, r *Role) error {
	file := roleFile(r.Path, "handlers", r.files.handlers)
	if file == "" {
		if r.files.handlers != "main" {
			return f.Errorf(n, "Could not find specified file in role: handlers/%s", r.files.handlers)
		}
		return nil
	}
	if err := insideRole(r, "handlers", file); err != nil {
		return f.Errorf(n, "%v", err)
	}
	w := r.Handlers[0]
	hc := &taskCtx{play: p, role: r, parent: w, dir: filepath.Dir(file), handler: true}
	var err error
	w.Block, err = l.TaskFile(file, hc, f, n)
	return err
}

// roleMeta reads meta/main.yml: dependencies (loaded now), allow_duplicates
// and argument_specs (meta/argument_specs.yml wins).
func (l *Loader) roleMeta(p *Play, r *Role, loading []*Role) error {
	file := roleFile(r.Path, "meta", "main")
	if file == "" {
		return l.roleArgSpecs(r, nil)
	}
	f, err := l.file(file)
	if err != nil {
		return err
	}
	if len(f.Docs) == 0 {
		return l.roleArgSpecs(r, nil)
	}
	root := yamlx.Resolve(f.Docs[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return l.roleArgSpecs(r, nil)
	}
	if root.Kind != yaml.MappingNode {
		return f.Errorf(root, "meta/main.yml of role %s must be a mapping", r.Name)
	}
	var specs *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		switch k {
		case "dependencies":
			if err := l.roleDeps(f, v, p, r, loading); err != nil {
				return err
			}
		case "allow_duplicates":
			val, err := l.value(f, v)
			if err != nil {
				return err
			}
			r.AllowDuplicates, _ = tasks.ToBool(val)
		case "argument_specs":
			specs = v
		case "collections":
			if err := l.roleCollections(f, v, r); err != nil {
				return err
			}
		}
	}
	return l.roleArgSpecs(r, &metaSpecs{f: f, n: specs})
}

// roleCollections keeps the collections meta/main.yml gives the role's
// tasks to find modules in, unless the role's entry gives its own.
func (l *Loader) roleCollections(f *yamlx.File, n *yaml.Node, r *Role) error {
	v, err := l.value(f, n)
	if err != nil {
		return err
	}
	if r.Kw == nil {
		r.Kw = map[string]any{}
	}
	if _, set := r.Kw["collections"]; !set {
		r.Kw["collections"] = v
	}
	return nil
}

// roleDeps loads the dependencies listed in meta/main.yml.
func (l *Loader) roleDeps(f *yamlx.File, n *yaml.Node, p *Play, r *Role, loading []*Role) error {
	n = yamlx.Resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return f.Errorf(n, "dependencies of role %s must be a list", r.Name)
	}
	for _, item := range n.Content {
		e, err := l.parseRoleEntry(f, yamlx.Resolve(item))
		if err != nil {
			return err
		}
		e.baseDir = filepath.Dir(r.Path)
		dep, err := l.loadRole(f, item, p, e, loading)
		if err != nil {
			return err
		}
		r.Deps = append(r.Deps, dep)
	}
	return nil
}

// newRoleBlock is an empty block for one mention of r under parent.
func (l *Loader) newRoleBlock(r *Role, p *Play, parent *Task) *Task {
	l.nextID++
	kw := make(map[string]any, len(r.Kw))
	for k, v := range r.Kw {
		kw[k] = v
	}
	return &Task{Pos: r.Pos, IsBlock: true, RoleBlock: true, Role: r, Parent: parent, Play: p,
		Dir: r.Path, Import: r.Path, Kw: kw, ID: l.nextID}
}

// roleBlock builds the block that runs one mention of r: its
// dependencies' blocks, then its tasks (after the argument validation
// task when the entry point has a spec). Tasks are loaded for each
// mention, as each has its own chain of depending roles.
func (l *Loader) roleBlock(f *yamlx.File, n *yaml.Node, r *Role, p *Play, parent *Task, chain []*Role) (*Task, error) {
	for _, x := range chain {
		if x == r {
			return nil, f.Errorf(n, "A recursion loop was detected with the roles specified. Make sure child roles do not have dependencies on parent roles")
		}
	}
	w := l.newRoleBlock(r, p, parent)
	for _, d := range r.Deps {
		b, err := l.roleBlock(f, n, d, p, w, append(chain, r))
		if err != nil {
			return nil, err
		}
		w.Block = append(w.Block, b)
	}
	if v := l.validationTask(r, p, w); v != nil {
		w.Block = append(w.Block, v)
	}
	file := roleFile(r.Path, "tasks", r.files.tasks)
	if file == "" {
		if r.files.tasks != "main" {
			return nil, f.Errorf(n, "Could not find specified file in role: tasks/%s", r.files.tasks)
		}
		return w, nil
	}
	if err := insideRole(r, "tasks", file); err != nil {
		return nil, f.Errorf(n, "%v", err)
	}
	tc := &taskCtx{play: p, role: r, parent: w, dir: filepath.Dir(file)}
	ts, err := l.TaskFile(file, tc, f, n)
	if err != nil {
		return nil, err
	}
	w.Block = append(w.Block, ts...)
	return w, nil
}

// roleFile finds DIR/NAME.yml (or .yaml, .json, or NAME) in a role; NAME
// may be a path (tasks_from of an include_role).
func roleFile(role, dir, name string) string {
	base := filepath.Join(role, dir)
	for _, n := range []string{name + ".yml", name + ".yaml", name + ".json", name} {
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, n)
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// insideRole refuses a role file found outside the role's DIR directory.
func insideRole(r *Role, dir, file string) error {
	base := filepath.Join(r.Path, dir)
	if rel, err := filepath.Rel(base, file); err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("Failed loading '%s' for role (%s) as it is not inside the expected role path: '%s'", file, r.Name, base)
	}
	return nil
}

// roleVars reads defaults/NAME or vars/NAME of a role: a file, or a
// directory whose files are merged in name order.
func (l *Loader) roleVars(at *yamlx.File, atNode *yaml.Node, r *Role, dir, name string) (map[string]any, error) {
	files := roleVarFiles(r.Path, dir, name)
	if len(files) == 0 {
		if name != "main" {
			return nil, at.Errorf(atNode, "Could not find specified file in role: %s/%s", dir, name)
		}
		return nil, nil
	}
	var out map[string]any
	for _, file := range files {
		if err := insideRole(r, dir, file); err != nil {
			return nil, at.Errorf(atNode, "%v", err)
		}
		m, err := l.varsFileMap(file, r, dir, name)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = m
			continue
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// roleVarFiles lists the files of DIR/NAME: the file itself, or every
// YAML file of the directory DIR/NAME, sorted.
func roleVarFiles(role, dir, name string) []string {
	if p := roleFile(role, dir, name); p != "" {
		return []string{p}
	}
	d := filepath.Join(role, dir, name)
	entries, err := os.ReadDir(d)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yml" || ext == ".yaml" || ext == ".json" || ext == "") {
			out = append(out, filepath.Join(d, e.Name()))
		}
	}
	return out
}

func (l *Loader) varsFileMap(path string, r *Role, dir, name string) (map[string]any, error) {
	f, err := l.file(path)
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
		return nil, f.Errorf(f.Docs[0], "The %s/%s.yml file for role '%s' must contain a dictionary of variables", dir, name, r.Name)
	}
	return m, nil
}

// roleOptions are the options of import_role and include_role.
var roleOptions = []string{"name", "role", "tasks_from", "vars_from", "defaults_from", "handlers_from",
	"apply", "public", "allow_duplicates", "rolespec_validate"}

// roleInclude is an import_role/include_role task's role entry; the names
// of the role and its files must be templated already. Loading statically
// keeps only the last element of file names, as Ansible does.
func roleInclude(t *Task, args map[string]any, static bool) (roleEntry, error) {
	e := roleEntry{files: mainFiles, fromInclude: true, params: map[string]any{}, kw: map[string]any{}}
	for k := range args {
		if !contains(roleOptions, k) {
			return e, fmt.Errorf("Invalid options for %s: %s", t.Action, k)
		}
	}
	e.name, _ = tasks.ToStr(args["name"])
	if e.name == "" {
		e.name, _ = tasks.ToStr(args["role"])
	}
	if e.name == "" {
		return e, fmt.Errorf("'name' is a required field for %s.", t.Action)
	}
	if _, ok := args["public"]; ok && t.Action != "include_role" {
		return e, fmt.Errorf("Invalid options for %s: public", t.Action)
	}
	if _, ok := args["apply"]; ok && t.Action != "include_role" {
		return e, fmt.Errorf("Invalid options for %s: apply", t.Action)
	}
	for k, dst := range map[string]*string{"tasks_from": &e.files.tasks, "handlers_from": &e.files.handlers,
		"vars_from": &e.files.vars, "defaults_from": &e.files.defaults} {
		v, ok := args[k]
		if !ok {
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			return e, fmt.Errorf("Expected a string for %s but got <class '%s'> instead", k, pyTypeName(v))
		}
		if static {
			s = filepath.Base(s)
		}
		*dst = strings.TrimSuffix(strings.TrimSuffix(s, ".yml"), ".yaml")
	}
	if m, ok := t.Kw["vars"].(map[string]any); ok && len(m) > 0 {
		e.vars = m
	}
	return e, nil
}

// roleOption reads a boolean option of import_role/include_role.
func roleOption(args map[string]any, name string, def bool) bool {
	v, ok := args[name]
	if !ok || v == nil {
		return def
	}
	b, err := tasks.ToBool(v)
	if err != nil {
		return def
	}
	return b
}

// expandRole replaces an import_role task by a block running the role
// (loaded now); the role joins the play's roles. An include_role is left
// to run when reached.
func (l *Loader) expandRole(f *yamlx.File, n *yaml.Node, t *Task, tc *taskCtx) (*Task, error) {
	if tc.play == nil {
		return nil, f.Errorf(n, "%s outside a play", t.Action)
	}
	if tc.handler {
		return nil, f.Errorf(n, "Using '%s' as a handler is not supported.", t.ActionAs)
	}
	if t.Action == "include_role" {
		if _, err := roleInclude(t, t.Args, true); err != nil {
			return nil, f.Errorf(n, "%v", err)
		}
		return t, nil
	}
	if t.HasLoop {
		return nil, f.Errorf(n, "You cannot use loops on 'import_role' statements. You should use 'include_role' instead.")
	}
	own := *tc // the import's own vars are known to its options
	own.parent = t
	for k, v := range t.Args {
		if s, ok := v.(string); ok && k != "apply" {
			var err error
			if t.Args[k], err = l.staticName(s, &own); err != nil {
				return nil, f.Errorf(n, "%s: %v", k, err)
			}
		}
	}
	e, err := roleInclude(t, t.Args, true)
	if err != nil {
		return nil, f.Errorf(n, "%v", err)
	}
	if tc.role != nil {
		e.baseDir = filepath.Dir(tc.role.Path)
	}
	r, err := l.loadRole(f, n, tc.play, e, nil)
	if err != nil {
		return nil, err
	}
	r.AllowDuplicates = roleOption(t.Args, "allow_duplicates", true)
	validate := roleOption(t.Args, "rolespec_validate", true)
	t.IsBlock, t.Import = true, r.Path
	t.Action, t.Spec, t.Args = "", nil, nil
	b, err := l.roleBlockValidated(f, n, r, tc.play, t, validate)
	if err != nil {
		return nil, err
	}
	t.Block = []*Task{b}
	tc.play.Roles = append(tc.play.Roles, r)
	tc.play.roleImports = append(tc.play.roleImports, roleImport{r, t})
	return t, nil
}

// roleBlockValidated is roleBlock, without the argument validation task
// when validate is false.
func (l *Loader) roleBlockValidated(f *yamlx.File, n *yaml.Node, r *Role, p *Play, parent *Task, validate bool) (*Task, error) {
	b, err := l.roleBlock(f, n, r, p, parent, nil)
	if err != nil || validate {
		return b, err
	}
	for i, x := range b.Block {
		if x.Action == "validate_argument_spec" && x.Role == r && x.Parent == b {
			b.Block = append(b.Block[:i:i], b.Block[i+1:]...)
			break
		}
	}
	return b, nil
}
