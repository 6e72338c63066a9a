package playbooks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/pyplugin"
	"github.com/drover/drover/internal/suggest"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/tasks/pymodule"
)

// closest is the known word nearest to a misspelled one.
func closest(word string, candidates []string) (string, bool) {
	return suggest.Closest(word, candidates)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// LoadOptions tune loading.
type LoadOptions struct {
	// Vault decrypts !vault values and vault-encrypted files.
	Vault yamlx.VaultFunc
	// ExtraVars are the run's extra vars (-e): names of statically loaded
	// files and roles may use them.
	ExtraVars map[string]any
	// RolesPath are the directories searched for roles after the
	// playbook's roles/ directory (roles_path, ANSIBLE_ROLES_PATH); nil
	// means DefaultRolesPath.
	RolesPath []string
	// Library are the directories of modules written for Ansible (library,
	// ANSIBLE_LIBRARY); ModuleUtils those of their module_utils
	// (module_utils, ANSIBLE_MODULE_UTILS).
	Library, ModuleUtils []string
	// CollectionsPaths are the directories holding ansible_collections/
	// (collections_path, ANSIBLE_COLLECTIONS_PATH), where roles
	// NAMESPACE.COLLECTION.ROLE are looked up after collections/ beside the
	// playbook; nil means DefaultCollectionsPath.
	CollectionsPaths []string
	// DuplicateDictKey is what a mapping with a key written twice does
	// (duplicate_dict_key): "warn" (also ""), "error" or "ignore"; the
	// last value wins unless it is an error.
	DuplicateDictKey string
	// InterpreterPython is interpreter_python (ANSIBLE_PYTHON_INTERPRETER)
	// and RemoteTmp remote_tmp (ANSIBLE_REMOTE_TMP), for the modules run on
	// the host's Python (see package tasks/pymodule); empty means Ansible's
	// defaults.
	InterpreterPython, RemoteTmp string
	// PluginDirs are the configured directories of Python filter, test and
	// lookup plugins by kind (filter_plugins, ANSIBLE_FILTER_PLUGINS…).
	PluginDirs map[string][]string
	// PluginFilters is the plugin filter file (plugin_filters_cfg), whose
	// module_blacklist makes modules unknown; "" is Ansible's default file.
	PluginFilters string
}

// Loader reads playbooks and task files, caching parsed files so that a
// file included many times is read once.
type Loader struct {
	mu     sync.Mutex // held by includes loading files while a play runs
	opts   LoadOptions
	files  map[string]*yamlx.File
	order  []*yamlx.File // files in the order first read, for Warnings
	stack  []string      // files being imported, to detect cycles
	nextID int
	// importVars are the vars of the import_playbook entries being loaded,
	// outermost first, for names templated while loading.
	importVars []map[string]any
	env        *jinja.Env // templates names while loading
	// modules finds the modules tasks name (see moduleFor); notes are
	// the deprecations it met.
	modules *pymodule.Finder
	notes   []string
	plugins *pyplugin.Plugins // Python filter, test and lookup plugins
	// filter is the plugin filter file's, read on first use.
	filter     moduleFilter
	filterOnce sync.Once
}

// moduleConfig is where the loader's module finder looks.
func (o LoadOptions) moduleConfig() pymodule.Config {
	return pymodule.Config{Library: o.Library, ModuleUtils: o.ModuleUtils, CollectionsPaths: o.CollectionsPaths,
		PythonInterpreter: o.InterpreterPython, RemoteTmp: o.RemoteTmp}
}

// NewLoader returns a loader.
func NewLoader(opts LoadOptions) *Loader {
	l := &Loader{opts: opts, files: map[string]*yamlx.File{}, modules: pymodule.NewFinder(opts.moduleConfig())}
	l.plugins = newPlugins(opts, l.modules)
	return l
}

// Load reads the playbook at path with its imports, checking every task's
// module and arguments. Any problem is a *yamlx.Error naming FILE:LINE:COL.
func Load(path string, opts LoadOptions) (*Playbook, error) {
	return NewLoader(opts).Playbook(path)
}

// Playbook loads one playbook file.
func (l *Loader) Playbook(path string) (*Playbook, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	pb := &Playbook{Path: path, Dir: filepath.Dir(abs), plugins: l.plugins}
	plays, err := l.playbookFile(filepath.Clean(path), nil)
	if err != nil {
		return nil, err
	}
	if ws := l.Warnings(); len(ws) > 0 && l.opts.DuplicateDictKey == "error" {
		return nil, fmt.Errorf("Syntax Error while loading YAML.\n  %s", ws[0])
	}
	pb.Plays = plays
	return pb, nil
}

// file reads and parses a YAML file once.
func (l *Loader) file(path string) (*yamlx.File, error) {
	if f, ok := l.files[path]; ok {
		return f, nil
	}
	f, err := yamlx.LoadFile(path, l.opts.Vault)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: file not found", path)
		}
		return nil, err
	}
	l.files[path] = f
	l.order = append(l.order, f)
	return f, nil
}

// Warnings are the warnings met in the files read so far (a key given twice
// in a mapping), in Ansible's wording, file by file (none when
// LoadOptions.DuplicateDictKey is "ignore"), then the deprecated modules
// their tasks name.
func (l *Loader) Warnings() []string {
	if l.opts.DuplicateDictKey == "ignore" {
		return nil
	}
	var out []string
	for _, f := range l.order {
		out = append(out, f.Warnings()...)
	}
	return append(out, l.notes...)
}

// value converts a node to plain values, marking !unsafe strings.
func (l *Loader) value(f *yamlx.File, n *yaml.Node) (any, error) {
	return f.Value(n, yamlx.Options{Vault: l.opts.Vault, VaultValue: keepVaulted(l.opts.Vault),
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }})
}

// keepVaulted keeps inline !vault values encrypted (jinja.Vaulted) when the
// run has no vault password: as in Ansible, only using one fails (the
// unvault filter can still open it).
func keepVaulted(vault yamlx.VaultFunc) func([]byte, string) (any, error) {
	if vault != nil {
		return nil
	}
	return func(ct []byte, _ string) (any, error) { return jinja.Vaulted{Ciphertext: string(ct)}, nil }
}

// ordered converts a node as value does, but mappings become *jinja.Dict
// in the file's order, as Python keeps them: variable values and module
// arguments are read this way, so that printing a dict, to_json,
// dict2items and with_dict show the order the file gave.
func (l *Loader) ordered(f *yamlx.File, n *yaml.Node) (any, error) {
	return f.Value(n, orderedOptions(l.opts.Vault))
}

func orderedOptions(vault yamlx.VaultFunc) yamlx.Options {
	return yamlx.Options{Vault: vault, VaultValue: keepVaulted(vault), Unsafe: func(s string) any { return jinja.Unsafe{V: s} },
		Ordered: newDict}
}

// newDict builds a *jinja.Dict for yamlx.Options.Ordered.
func newDict(keys []string, values []any) any {
	d := jinja.NewDict(len(keys))
	for i, k := range keys {
		d.Set(k, values[i])
	}
	return d
}

// topMap turns the top level of an ordered mapping into a map (variable
// names or argument names, whose order does not matter), its values kept.
func topMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case *jinja.Dict:
		m := make(map[string]any, x.Len())
		for _, k := range x.Keys() {
			ks, _ := k.(string)
			m[ks], _ = x.Get(k)
		}
		return m, true
	}
	return nil, false
}

func (l *Loader) enter(path string, f *yamlx.File, at *yaml.Node) error {
	for _, p := range l.stack {
		if p == path {
			return f.Errorf(at, "%s imports itself (through %s)", filepath.Base(path), strings.Join(l.stack, " → "))
		}
	}
	l.stack = append(l.stack, path)
	return nil
}

func (l *Loader) leave() { l.stack = l.stack[:len(l.stack)-1] }

// playbookFile loads the plays of one file; from is the importing entry.
func (l *Loader) playbookFile(path string, from *importEntry) ([]*Play, error) {
	f, err := l.file(path)
	if err != nil {
		return nil, err
	}
	if from != nil {
		if err := l.enter(path, from.f, from.node); err != nil {
			return nil, err
		}
	} else {
		l.stack = append(l.stack, path)
	}
	defer l.leave()
	abs, _ := filepath.Abs(path)
	l.modules.AddPlaybookDir(filepath.Dir(abs))
	l.plugins.AddDir(filepath.Dir(abs))
	if len(f.Docs) == 0 || yamlx.Resolve(f.Docs[0]).Tag == "!!null" {
		return nil, fmt.Errorf("Empty playbook, nothing to do: %s", abs)
	}
	root := yamlx.Resolve(f.Docs[0])
	if root.Kind == yaml.SequenceNode && len(root.Content) == 0 {
		return nil, fmt.Errorf("A playbook must contain at least one play: %s", abs)
	}
	if root.Kind != yaml.SequenceNode {
		return nil, f.Errorf(root, "a playbook must be a list of plays, got a %s", yamlx.KindName(root))
	}
	var plays []*Play
	for _, item := range root.Content {
		item = yamlx.Resolve(item)
		if item.Kind != yaml.MappingNode {
			return nil, f.Errorf(item, "a play must be a mapping, got a %s", yamlx.KindName(item))
		}
		if isImportPlaybook(item) {
			imported, err := l.importPlaybook(f, item)
			if err != nil {
				return nil, err
			}
			plays = append(plays, imported...)
			continue
		}
		p, err := l.play(f, item)
		if err != nil {
			return nil, err
		}
		plays = append(plays, p)
	}
	return plays, nil
}

func isImportPlaybook(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook", "include":
			return true
		}
	}
	return false
}

type importEntry struct {
	f    *yamlx.File
	node *yaml.Node
}

// importPlaybook loads the plays of an import_playbook entry; its vars,
// tags and when apply to each imported play.
func (l *Loader) importPlaybook(f *yamlx.File, n *yaml.Node) ([]*Play, error) {
	fields, err := f.Fields(n, "import_playbook", append(importPlaybookKeywords, "include")...)
	if err != nil {
		return nil, err
	}
	var name string
	kw := map[string]any{}
	var vars map[string]any
	for _, fl := range fields {
		v, err := l.value(f, fl.Value)
		if err != nil {
			return nil, err
		}
		switch fl.Key {
		case "name":
		case "vars":
			if vars, err = l.varsMap(f, fl.Value, v); err != nil {
				return nil, err
			}
		case "tags":
			if kw["tags"], err = tagList(f, fl.Value, v); err != nil {
				return nil, err
			}
		case "when":
			kw["when"] = v
		default:
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, f.Errorf(fl.Value, "import_playbook needs a file name")
			}
			name = s
		}
	}
	l.importVars = append(l.importVars, vars)
	if name, err = l.staticName(name, &taskCtx{}); err != nil {
		l.importVars = l.importVars[:len(l.importVars)-1]
		return nil, f.Errorf(n, "import_playbook file name: %v (only extra vars and the vars of import_playbook are known here)", err)
	}
	path := resolveRelative(filepath.Dir(f.Name), name)
	plays, err := l.playbookFile(path, &importEntry{f: f, node: n})
	l.importVars = l.importVars[:len(l.importVars)-1]
	if err != nil {
		return nil, err
	}
	for _, p := range plays {
		if p.Vars == nil {
			p.Vars = map[string]any{}
		}
		for k, v := range vars {
			p.Vars[k] = v
		}
		if t, ok := kw["tags"]; ok {
			p.Kw["tags"] = append(t.([]string), asTags(p.Kw["tags"])...)
		}
		if w, ok := kw["when"]; ok {
			p.Kw["when"] = append(asList(w), asList(p.Kw["when"])...)
		}
	}
	return plays, nil
}

// resolveRelative joins name to dir unless it is absolute.
func resolveRelative(dir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// play parses one play.
func (l *Loader) play(f *yamlx.File, n *yaml.Node) (*Play, error) {
	fields, err := f.Fields(n, "play", playKeywords...)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(f.Name))
	if err != nil {
		return nil, err
	}
	p := &Play{Pos: pos(f, n), Dir: dir, Kw: map[string]any{}, Vars: map[string]any{}}
	hostsSet, userSet := false, false
	// collections then roles first: the tasks read with the other fields
	// depend on them, as Ansible loads them first.
	first := map[string]int{"collections": 1, "roles": 2}
	sort.SliceStable(fields, func(i, j int) bool {
		ri, rj := first[fields[i].Key], first[fields[j].Key]
		return ri > 0 && (rj == 0 || ri < rj)
	})
	for _, fl := range fields {
		if fl.Key == "user" || fl.Key == "remote_user" {
			if userSet {
				return nil, f.Errorf(fl.KeyNode, "both 'user' and 'remote_user' are set for this play. The use of 'user' is deprecated, and should be removed")
			}
			userSet, fl.Key = true, "remote_user"
		}
		if err := l.playField(f, p, fl); err != nil {
			return nil, err
		}
		hostsSet = hostsSet || fl.Key == "hosts"
	}
	if !hostsSet {
		return nil, f.Errorf(n, "the field 'hosts' is required but was not set")
	}
	linkRoleHandlers(p)
	return p, nil
}

// taskLists are the play keys holding tasks.
var taskLists = map[string]func(p *Play) *[]*Task{
	"pre_tasks":  func(p *Play) *[]*Task { return &p.PreTasks },
	"tasks":      func(p *Play) *[]*Task { return &p.Tasks },
	"post_tasks": func(p *Play) *[]*Task { return &p.PostTasks },
	"handlers":   func(p *Play) *[]*Task { return &p.Handlers },
}

func (l *Loader) playField(f *yamlx.File, p *Play, fl yamlx.Field) error {
	if list, ok := taskLists[fl.Key]; ok {
		if n := yamlx.Resolve(fl.Value); n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
			return f.Errorf(n, "A malformed block was encountered while loading %s: %s should be a list or None but is a %s", fl.Key, n.Value, yamlx.KindName(n))
		}
		ts, err := l.taskList(f, fl.Value, &taskCtx{play: p, dir: p.Dir, handler: fl.Key == "handlers"})
		*list(p) = ts
		return err
	}
	if n := yamlx.Resolve(fl.Value); n.Tag == "!!null" && (fl.Key == "roles" || fl.Key == "vars_prompt") {
		return nil // roles: null and vars_prompt: null are empty
	}
	switch fl.Key {
	case "roles":
		return l.roles(f, fl.Value, p)
	case "vars_prompt":
		prompts, err := l.varsPrompt(f, fl.Value)
		p.VarsPrompt = prompts
		return err
	}
	v, err := l.value(f, fl.Value)
	if err != nil {
		return err
	}
	switch fl.Key {
	case "name":
		p.Name, _ = tasks.ToStr(v)
	case "hosts":
		return setHosts(f, fl.Value, p, v)
	case "vars":
		p.Vars, err = l.varsMap(f, fl.Value, v)
	case "vars_files":
		p.VarsFiles = asList(v)
	case "gather_facts":
		p.GatherFacts = v
	case "gather_subset":
		p.GatherSubset = v
	case "serial":
		p.Serial = v
	case "max_fail_percentage":
		p.MaxFailPercentage = v
	case "strategy":
		p.Strategy, _ = tasks.ToStr(v)
		if !knownStrategy(p.Strategy) && !strings.Contains(p.Strategy, "{{") {
			return f.Errorf(fl.Value, "unknown strategy %q (linear, free)", p.Strategy)
		}
	case "force_handlers":
		b, _ := tasks.ToBool(v)
		p.ForceHandlers = &b
	case "order":
		p.Order, _ = tasks.ToStr(v)
		if !strings.Contains(p.Order, "{{") && !contains(hostOrders, p.Order) {
			return f.Errorf(fl.Value, "Invalid 'order' specified for inventory hosts: %s (expected one of: %s)", p.Order, strings.Join(hostOrders, ", "))
		}
	case "tags":
		p.Kw["tags"], err = tagList(f, fl.Value, v)
	case "gather_timeout":
		p.GatherTimeout = v
	case "fact_path":
		p.FactPath = v
	case "module_defaults":
		if err := l.checkModuleDefaults(f, fl.Value, v); err != nil {
			return err
		}
		p.Kw[fl.Key] = v
	default:
		p.Kw[fl.Key] = v
	}
	return err
}

func setHosts(f *yamlx.File, n *yaml.Node, p *Play, v any) error {
	switch x := v.(type) {
	case string:
		p.Hosts = []string{x}
	case []any:
		for _, h := range x {
			s, ok := h.(string)
			if !ok {
				return f.Errorf(n, "Hosts list contains an invalid host value: '%s'", tasks.PyRepr(h))
			}
			p.Hosts = append(p.Hosts, s)
		}
	case nil:
	default:
		return f.Errorf(n, "Hosts list must be a sequence or string. Please check your playbook.")
	}
	if strings.TrimSpace(strings.Join(p.Hosts, "")) == "" {
		return f.Errorf(n, "Hosts list cannot be empty. Please check your playbook")
	}
	return nil
}

// varsMap checks a vars: section: a mapping (or a list of mappings) of
// valid variable names.
func (l *Loader) varsMap(f *yamlx.File, n *yaml.Node, v any) (map[string]any, error) {
	out := map[string]any{}
	if v != nil {
		var err error
		if v, err = l.ordered(f, n); err != nil {
			return nil, err
		}
	}
	switch x := v.(type) {
	case nil:
		return out, nil
	case *jinja.Dict:
		out, _ = topMap(x)
	case []any:
		for _, e := range x {
			m, ok := topMap(e)
			if !ok {
				return nil, f.Errorf(n, "vars must be a mapping (or a list of mappings)")
			}
			for k, val := range m {
				out[k] = val
			}
		}
	default:
		return nil, f.Errorf(n, "vars must be a mapping, got a %s", yamlx.KindName(n))
	}
	for k := range out {
		if !validVarName(k) {
			return nil, f.Errorf(keyNode(n, k), "invalid variable name %q: use letters, digits and underscores, not starting with a digit", k)
		}
	}
	return out, nil
}

func validVarName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// keyNode finds the key node named k in mapping n, or n itself.
func keyNode(n *yaml.Node, k string) *yaml.Node {
	n = yamlx.Resolve(n)
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				return n.Content[i]
			}
		}
	}
	return n
}

var promptKeys = []string{"name", "prompt", "default", "private", "confirm", "encrypt", "salt_size", "salt", "unsafe"}

func (l *Loader) varsPrompt(f *yamlx.File, n *yaml.Node) ([]Prompt, error) {
	n = yamlx.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		return nil, f.Errorf(n, "vars_prompt must be a list")
	}
	var out []Prompt
	for _, item := range n.Content {
		if yamlx.Resolve(item).Kind == yaml.MappingNode && childNode(item, "name") == nil {
			return nil, f.Errorf(item, "Invalid vars_prompt data structure, missing 'name' key")
		}
		fields, err := f.Fields(item, "vars_prompt entry", promptKeys...)
		if err != nil {
			return nil, err
		}
		pr := Prompt{Private: true}
		for _, fl := range fields {
			v, err := l.value(f, fl.Value)
			if err != nil {
				return nil, err
			}
			s, _ := tasks.ToStr(v)
			switch fl.Key {
			case "name":
				pr.Name = s
			case "prompt":
				pr.Prompt = s
			case "default":
				pr.Default, pr.HasDefault = s, v != nil
			case "private":
				pr.Private, _ = tasks.ToBool(v)
			case "confirm":
				pr.Confirm, _ = tasks.ToBool(v)
			case "encrypt":
				pr.Encrypt = s
			case "salt":
				pr.Salt = s
			case "salt_size":
				if pr.SaltSize, err = tasks.ToInt(v); err != nil || pr.SaltSize < 0 {
					return nil, f.Errorf(fl.Value, "salt_size must be a positive number")
				}
			case "unsafe":
				pr.Unsafe, _ = tasks.ToBool(v)
			}
		}
		if pr.Name == "" {
			return nil, f.Errorf(item, "a vars_prompt entry needs a name")
		}
		out = append(out, pr)
	}
	return out, nil
}

// tagList normalises tags: a string (comma separated), a number or a list.
func tagList(f *yamlx.File, n *yaml.Node, v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, t := range strings.Split(x, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
		return out, nil
	case []any:
		var out []string
		for _, e := range x {
			switch e.(type) {
			case []any, map[string]any:
				return nil, f.Errorf(n, "tags must be strings")
			}
			s, _ := tasks.ToStr(e)
			out = append(out, s)
		}
		return out, nil
	case int, float64, bool:
		s, _ := tasks.ToStr(x)
		return []string{s}, nil
	}
	return nil, f.Errorf(n, "tags must be a string or a list of strings")
}

func asTags(v any) []string {
	t, _ := v.([]string)
	return t
}

// asList wraps a non-list value in a list; nil gives nil.
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func pos(f *yamlx.File, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: f.Name}
	}
	return Pos{File: f.Name, Line: n.Line, Col: n.Column}
}
