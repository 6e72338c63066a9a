package pymodule

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// runtimeMeta is the part of a collection's meta/runtime.yml (or
// ansible-core's config/ansible_builtin_runtime.yml) drover follows.
type runtimeMeta struct {
	PluginRouting struct {
		Modules     map[string]routeEntry `yaml:"modules"`
		ModuleUtils map[string]routeEntry `yaml:"module_utils"`
	} `yaml:"plugin_routing"`
}

// routeEntry is one plugin's routing: a redirect, a deprecation or a
// tombstone.
type routeEntry struct {
	Redirect    string     `yaml:"redirect"`
	Deprecation *routeNote `yaml:"deprecation"`
	Tombstone   *routeNote `yaml:"tombstone"`
}

type routeNote struct {
	RemovalVersion string `yaml:"removal_version"`
	RemovalDate    string `yaml:"removal_date"`
	WarningText    string `yaml:"warning_text"`
}

// collectionRoots are the directories searched for collections, in
// Ansible's order: beside the playbooks, the configured paths, then
// Python's package directories. Each is a directory holding
// ansible_collections/.
func (f *Finder) collectionRoots() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, list := range [][]string{f.dirs.collections, f.cfg.CollectionsPaths, f.cfg.SysPaths} {
		for _, p := range list {
			if filepath.Base(p) == "ansible_collections" {
				p = filepath.Dir(p)
			}
			out = appendNew(out, p)
		}
	}
	return out
}

// CollectionRoots are the directories searched for collections, nearest
// first, each holding ansible_collections/.
func (f *Finder) CollectionRoots() []string { return f.collectionRoots() }

// collectionDir is where collection NS.COLL is installed ("" when
// nowhere): the first root that has it.
func (f *Finder) collectionDir(coll string) string {
	f.mu.Lock()
	if d, ok := f.colls[coll]; ok {
		f.mu.Unlock()
		return d
	}
	f.mu.Unlock()
	ns, name, _ := strings.Cut(coll, ".")
	dir := ""
	for _, root := range f.collectionRoots() {
		if d := filepath.Join(root, "ansible_collections", ns, name); isDir(d) {
			dir = d
			break
		}
	}
	f.mu.Lock()
	f.colls[coll] = dir
	f.mu.Unlock()
	return dir
}

// meta reads (once) the routing of a collection; ansible.builtin's is
// ansible-core's. A missing or unreadable file routes nothing.
func (f *Finder) meta(coll string) *runtimeMeta {
	f.mu.Lock()
	if m, ok := f.routes[coll]; ok {
		f.mu.Unlock()
		return m
	}
	f.mu.Unlock()
	path := ""
	if coll == "ansible.builtin" {
		if f.cfg.AnsibleRoot != "" {
			path = filepath.Join(f.cfg.AnsibleRoot, "config", "ansible_builtin_runtime.yml")
		}
	} else if d := f.collectionDir(coll); d != "" {
		path = filepath.Join(d, "meta", "runtime.yml")
	}
	m := &runtimeMeta{}
	if b, err := os.ReadFile(path); err == nil {
		_ = yaml.Unmarshal(b, m)
	}
	f.mu.Lock()
	f.routes[coll] = m
	f.mu.Unlock()
	return m
}

// collection resolves NS.COLL.NAME: the collection's routing first, then
// plugins/modules/NAME.py (a dotted NAME is in subdirectories).
func (r *resolution) collection(coll, name string) (*Module, error) {
	if m, ok, err := r.route(coll, name); ok {
		return m, err
	}
	dir := r.f.collectionDir(coll)
	if dir == "" {
		for _, root := range r.f.collectionRoots() {
			r.looked = appendNew(r.looked, filepath.Join(root, "ansible_collections", strings.ReplaceAll(coll, ".", "/")))
		}
		return nil, nil
	}
	rel := filepath.Join(strings.Split(name, ".")...)
	base := filepath.Join(dir, "plugins", "modules", rel)
	for _, p := range []string{base + ".py", base} {
		if fileExists(p) {
			short := filepath.Base(rel)
			pyName := "ansible_collections." + coll + ".plugins.modules." + name
			return r.done(&Module{Name: short, FQCN: coll + "." + name, Path: p, Collection: coll, pyName: pyName}), nil
		}
	}
	r.looked = appendNew(r.looked, filepath.Join(dir, "plugins", "modules"))
	return nil, nil
}

// routed follows a collection's routing of name when it has one.
func (r *resolution) routed(coll, name string) (*Module, error) {
	m, _, err := r.route(coll, name)
	return m, err
}

// route applies the routing entry of coll for name: a tombstone is an
// error, a deprecation a warning, a redirect resolves its target. ok is
// false when the entry neither removes nor redirects the module.
func (r *resolution) route(coll, name string) (*Module, bool, error) {
	e, found := r.f.meta(coll).PluginRouting.Modules[name]
	if !found {
		return nil, false, nil
	}
	fq := coll + "." + name
	if e.Tombstone != nil {
		return nil, true, fmt.Errorf("%s", routeMessage(fq, e.Tombstone, true))
	}
	if e.Deprecation != nil {
		r.notes = append(r.notes, routeMessage(fq, e.Deprecation, false))
	}
	if e.Redirect == "" {
		return nil, false, nil
	}
	if r.depth++; r.depth > 10 {
		return nil, true, fmt.Errorf("too many redirects resolving module %q", fq)
	}
	m, err := r.resolve(e.Redirect, nil)
	return m, true, err
}

// routeMessage is Ansible's wording of a deprecated or removed plugin.
func routeMessage(fq string, n *routeNote, removed bool) string {
	msg := fq + " has been deprecated."
	if removed {
		msg = fq + " has been removed."
	}
	if n.WarningText != "" {
		msg += " " + n.WarningText
	}
	when := ""
	switch {
	case n.RemovalDate != "":
		when = " after " + n.RemovalDate
	case n.RemovalVersion != "":
		when = " in version " + n.RemovalVersion
	}
	if removed {
		return msg + " This feature was removed from " + collName(fq) + when + "."
	}
	return msg + " This feature will be removed from " + collName(fq) + when + "."
}

func collName(fq string) string {
	parts := strings.SplitN(fq, ".", 3)
	return parts[0] + "." + parts[1]
}
