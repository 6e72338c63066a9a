package pymodule

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drover/drover/tasks"
)

// Entry is one module a listing shows.
type Entry struct {
	// Name is what a task writes: the short name, or NS.COLL.NAME.
	Name string
	// FQCN is the module's fully qualified name.
	FQCN string
	// Runs says what runs it: "native", or where the fallback finds it
	// ("library", "ansible-core", "collection NS.COLL").
	Runs string
	// Path is the module's file ("" for a native module).
	Path string
}

// List lists the modules a playbook can name: drover's native modules,
// then the ones it runs through the fallback (library paths, ansible-core,
// ansible-core's routing of short names to collections, and every
// installed collection's), each name once, the one a task would get.
func (f *Finder) List() []Entry {
	var out []Entry
	seen := map[string]bool{}
	add := func(e Entry) {
		if !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e)
		}
	}
	for _, n := range tasks.Names() {
		if s, _ := tasks.Lookup(n); !s.Engine {
			if spec, _, err := f.Choose(n, nil); err == nil && spec == s {
				add(Entry{Name: n, FQCN: "ansible.builtin." + n, Runs: "native"})
			}
		}
	}
	for _, e := range f.legacyEntries() {
		if strings.HasPrefix(e.Name, "_") || notTasks[e.Name] {
			continue
		}
		if _, native := tasks.Lookup(e.Name); native && (e.Runs == "ansible-core" || f.coreAction(e.Name)) {
			continue
		}
		if e.Runs == "ansible-core" && f.coreAction(e.Name) {
			continue
		}
		add(e)
	}
	for _, e := range f.routedEntries() {
		add(e)
	}
	for _, e := range f.collectionEntries() {
		add(e)
	}
	return out
}

// notTasks are ansible-core module files no task names: the async wrapper
// and the play-level import_playbook.
var notTasks = map[string]bool{"async_wrapper": true, "import_playbook": true}

// legacyEntries are the modules of the ansible.legacy search path, the
// first of each name.
func (f *Finder) legacyEntries() []Entry {
	var out []Entry
	seen := map[string]bool{}
	for _, d := range f.legacyDirs() {
		ix := f.index(d.path)
		for _, n := range ix.names {
			if seen[n] {
				continue
			}
			seen[n] = true
			m := legacyModule(n, ix.files[n], d.builtin)
			runs := "library"
			if d.builtin {
				runs = "ansible-core"
			}
			out = append(out, Entry{Name: n, FQCN: m.FQCN, Runs: runs, Path: m.Path})
		}
	}
	return out
}

// routedEntries are the short names ansible-core sends to an installed
// collection's module.
func (f *Finder) routedEntries() []Entry {
	routes := f.meta("ansible.builtin").PluginRouting.Modules
	names := make([]string, 0, len(routes))
	for n, e := range routes {
		if e.Redirect != "" && e.Tombstone == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []Entry
	for _, n := range names {
		if m, err := f.Resolve(n, nil); err == nil && !m.Builtin {
			out = append(out, Entry{Name: n, FQCN: m.FQCN, Runs: m.Source(), Path: m.Path})
		}
	}
	return out
}

// collectionEntries are the modules of every installed collection, by
// fully qualified name.
func (f *Finder) collectionEntries() []Entry {
	var out []Entry
	seen := map[string]bool{}
	for _, root := range f.collectionRoots() {
		namespaces, _ := filepath.Glob(filepath.Join(root, "ansible_collections", "*", "*"))
		sort.Strings(namespaces)
		for _, dir := range namespaces {
			coll := filepath.Base(filepath.Dir(dir)) + "." + filepath.Base(dir)
			if seen[coll] || !isDir(dir) {
				continue
			}
			seen[coll] = true
			out = append(out, modulesIn(coll, filepath.Join(dir, "plugins", "modules"), "")...)
		}
	}
	return out
}

// modulesIn lists the modules of a collection's plugins/modules
// directory (sub is the dotted subdirectory below it).
func modulesIn(coll, dir, sub string) []Entry {
	entries, _ := os.ReadDir(dir)
	var out []Entry
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir() && n != "__pycache__":
			out = append(out, modulesIn(coll, filepath.Join(dir, n), sub+n+".")...)
		case strings.HasSuffix(n, ".py") && n != "__init__.py":
			fq := coll + "." + sub + strings.TrimSuffix(n, ".py")
			out = append(out, Entry{Name: fq, FQCN: fq, Runs: "collection " + coll, Path: filepath.Join(dir, n)})
		}
	}
	return out
}
