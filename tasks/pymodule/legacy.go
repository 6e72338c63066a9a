package pymodule

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ignoredExts are the file endings Ansible never takes for a module
// (MODULE_IGNORE_EXTS).
var ignoredExts = []string{".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".yaml", ".yml", ".ini"}

// dirIndex is one directory's module files, by name without extension
// and by full name (the first file in name order wins), and by module
// name (without extension) in order.
type dirIndex struct {
	files map[string]string
	names []string
}

// index lists dir once.
func (f *Finder) index(dir string) *dirIndex {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ix, ok := f.indexes[dir]; ok {
		return ix
	}
	ix := &dirIndex{files: map[string]string{}}
	entries, _ := os.ReadDir(dir)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		ix.add(dir, e.Name())
	}
	f.indexes[dir] = ix
	return ix
}

func (ix *dirIndex) add(dir, name string) {
	full := filepath.Join(dir, name)
	if !fileExists(full) || strings.HasSuffix(name, "__init__.py") || ignored(name) {
		return
	}
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	if _, ok := ix.files[base]; !ok {
		ix.names = append(ix.names, base)
	}
	for _, k := range []string{base, name} {
		if _, ok := ix.files[k]; !ok {
			ix.files[k] = full
		}
	}
}

func ignored(name string) bool {
	for _, x := range ignoredExts {
		if strings.HasSuffix(name, x) {
			return true
		}
	}
	return false
}

// legacyDirs is the ansible.legacy search path: library/ directories of
// playbooks and roles, the configured library paths (each preceded by its
// subdirectories one and two levels down, as Ansible lists them) and
// ansible-core's modules last. The bool marks ansible-core's directory.
func (f *Finder) legacyDirs() []searchDir {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.legacy != nil {
		return f.legacy
	}
	out := make([]searchDir, 0, len(f.dirs.library)+len(f.cfg.Library)+1)
	for _, d := range f.dirs.library {
		out = append(out, searchDir{path: d})
	}
	seen := map[string]bool{}
	for _, p := range f.cfg.Library {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		var subs []string
		for _, pattern := range []string{"*", "*/*"} {
			m, _ := filepath.Glob(filepath.Join(abs, pattern))
			subs = append(subs, m...)
		}
		for _, d := range append(subs, abs) {
			if !seen[d] && isDir(d) {
				seen[d] = true
				out = append(out, searchDir{path: d})
			}
		}
	}
	if f.cfg.AnsibleRoot != "" {
		out = append(out, searchDir{path: filepath.Join(f.cfg.AnsibleRoot, "modules"), builtin: true})
	}
	f.legacy = out
	return out
}

type searchDir struct {
	path    string
	builtin bool
}

// legacy resolves ansible.legacy.NAME: the first file of that name (with
// any extension) on the search path; failing that, ansible-core's routing
// of the name.
func (r *resolution) legacy(name string) (*Module, error) {
	for _, d := range r.f.legacyDirs() {
		if p, ok := r.f.index(d.path).files[name]; ok {
			return r.done(legacyModule(name, p, d.builtin)), nil
		}
		r.looked = appendNew(r.looked, d.path)
	}
	return r.routed("ansible.builtin", name)
}

// builtin resolves ansible.builtin.NAME: ansible-core's own module, or its
// routing of the name to a collection.
func (r *resolution) builtin(name string) (*Module, error) {
	if r.f.cfg.AnsibleRoot != "" {
		dir := filepath.Join(r.f.cfg.AnsibleRoot, "modules")
		if p, ok := r.f.index(dir).files[name]; ok && filepath.Ext(p) == ".py" {
			return r.done(legacyModule(name, p, true)), nil
		}
		r.looked = appendNew(r.looked, dir)
	}
	return r.routed("ansible.builtin", name)
}

func legacyModule(name, path string, builtin bool) *Module {
	short := strings.TrimSuffix(name, filepath.Ext(name))
	m := &Module{Name: short, FQCN: short, Path: path, Builtin: builtin, pyName: "ansible.modules." + short}
	if builtin {
		m.FQCN = "ansible.builtin." + short
	}
	return m
}
