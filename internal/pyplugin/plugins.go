package pyplugin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Kinds of plugins.
const (
	Filter = "filter"
	Test   = "test"
	Lookup = "lookup"
)

// subdirs are the directory names Ansible looks for beside playbooks and in
// roles, by kind.
var subdirs = map[string]string{Filter: "filter_plugins", Test: "test_plugins", Lookup: "lookup_plugins"}

// Config is where plugins are found besides the directories of playbooks
// and roles.
type Config struct {
	// Dirs are the configured directories by kind (filter_plugins,
	// test_plugins, lookup_plugins in ansible.cfg; ANSIBLE_FILTER_PLUGINS…).
	Dirs map[string][]string
	// Roots lists the directories holding ansible_collections/, nearest
	// first (called on each use: it grows as playbooks load).
	Roots func() []string
	// SysPaths are put on the runner's PYTHONPATH (where the ansible
	// package is installed).
	SysPaths []string
	// Warn shows a warning a plugin or its loader raised; nil writes it to
	// standard error.
	Warn func(msg string)
}

// Plugins finds and runs the Python plugins of a run. It is safe for
// concurrent use; requests are served one at a time.
type Plugins struct {
	cfg   Config
	mu    sync.Mutex
	dirs  map[string][]string // by kind: configured, then learnt
	sent  int                 // dirs sent to the runner (a generation)
	gen   int                 // dirs known
	roots []string            // roots sent to the runner
	known map[string]bool     // kind+"\x00"+name → found, for the current generation
	proc  *process
	warn  func(string)
}

// New returns the plugins of a run; no process starts until one is used.
func New(cfg Config) *Plugins {
	p := &Plugins{cfg: cfg, dirs: map[string][]string{}, known: map[string]bool{}, warn: cfg.Warn}
	for kind, list := range cfg.Dirs {
		for _, d := range list {
			p.addDir(kind, d)
		}
	}
	return p
}

// SetWarn replaces where warnings go.
func (p *Plugins) SetWarn(warn func(string)) {
	p.mu.Lock()
	p.warn = warn
	p.mu.Unlock()
}

// AddDir adds the filter_plugins/, test_plugins/ and lookup_plugins/ of a
// playbook's or role's directory, as Ansible does for each it loads.
func (p *Plugins) AddDir(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for kind, sub := range subdirs {
		if d := filepath.Join(abs, sub); isDir(d) {
			p.addDir(kind, d)
		}
	}
}

func (p *Plugins) addDir(kind, d string) {
	if !slices.Contains(p.dirs[kind], d) {
		p.dirs[kind] = append(p.dirs[kind], d)
		p.gen++
		clear(p.known)
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Has reports whether a plugin of the kind has the name (a short name from
// the plugin directories, or NS.COLL.NAME).
func (p *Plugins) Has(ctx context.Context, kind, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := kind + "\x00" + name
	if found, ok := p.known[key]; ok {
		return found
	}
	v, err := p.call(ctx, map[string]any{"op": "has", "kind": kind, "name": name})
	found := err == nil && v == true
	p.known[key] = found
	return found
}

// Filter runs filter name on value.
func (p *Plugins) Filter(ctx context.Context, name string, value any, args []any, kw map[string]any) (any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.call(ctx, map[string]any{"op": Filter, "name": name, "value": value, "args": args, "kwargs": kw})
}

// Test runs test name on value.
func (p *Plugins) Test(ctx context.Context, name string, value any, args []any, kw map[string]any) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, err := p.call(ctx, map[string]any{"op": Test, "name": name, "value": value, "args": args, "kwargs": kw})
	return v == true, err
}

// LookupCall is one run of a lookup plugin.
type LookupCall struct {
	Name      string
	Terms     []any
	Variables map[string]any // the task's variables, as Ansible passes them
	Kwargs    map[string]any
	Basedir   string // the playbook's directory
}

// Lookup runs a lookup plugin; its result is a list, as Ansible requires.
func (p *Plugins) Lookup(ctx context.Context, c LookupCall) ([]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, err := p.call(ctx, map[string]any{"op": Lookup, "name": c.Name, "terms": c.Terms, "variables": c.Variables,
		"kwargs": c.Kwargs, "basedir": c.Basedir})
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case []any:
		return x, nil
	case nil:
		return []any{}, nil
	}
	return []any{v}, nil
}

// Close stops the runner, if it started.
func (p *Plugins) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return nil
	}
	err := p.proc.close()
	p.proc = nil
	return err
}
