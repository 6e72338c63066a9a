package pymodule

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// locate finds the file a wanted module_utils name stands for; nil when
// there is none.
func (f *Finder) locate(w muWanted) (*muFound, error) {
	parts := strings.Split(w.name, ".")
	if parts[0] == "ansible_collections" {
		return f.locateCollection(w)
	}
	if len(parts) > 2 && parts[2] == "six" {
		// six makes its submodules at run time: ship six itself
		w = muWanted{name: "ansible.module_utils.six", optional: w.optional}
	}
	for _, c := range candidates(w) {
		if found := f.findLegacyUtil(c); found != nil {
			return found, nil
		}
		if found, err := f.redirectUtil("ansible.builtin", c, strings.Split(c, ".")[2:]); found != nil || err != nil {
			return found, err
		}
	}
	return emptyPackage(w), nil
}

// emptyPackage stands in for a package above a redirected module that
// exists nowhere.
func emptyPackage(w muWanted) *muFound {
	if !w.parentRedirected {
		return nil
	}
	return &muFound{name: w.name, path: strings.ReplaceAll(w.name, ".", "/") + "/__init__.py", pkg: true}
}

// moduleUtilsDirs are where ansible.module_utils.* are looked for: the
// module_utils/ directories beside playbooks and roles, the configured
// paths, then ansible-core's.
func (f *Finder) moduleUtilsDirs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range append(append([]string{}, f.dirs.moduleUtils...), f.cfg.ModuleUtils...) {
		if isDir(d) {
			out = appendNew(out, d)
		}
	}
	if f.cfg.AnsibleRoot != "" {
		out = appendNew(out, filepath.Join(f.cfg.AnsibleRoot, "module_utils"))
	}
	return out
}

// findLegacyUtil looks ansible.module_utils.X[.Y…] up as a package
// (X/…/__init__.py) or a module (.py) in the module_utils directories.
func (f *Finder) findLegacyUtil(name string) *muFound {
	rel := strings.Split(name, ".")[2:]
	if len(rel) == 0 {
		return nil
	}
	for _, d := range f.moduleUtilsDirs() {
		base := filepath.Join(append([]string{d}, rel...)...)
		if found := readUtil(name, base); found != nil {
			return found
		}
	}
	return nil
}

// readUtil reads the package or module at base (a path without
// extension) as Python module name.
func readUtil(name, base string) *muFound {
	zipPath := strings.ReplaceAll(name, ".", "/")
	if src, err := os.ReadFile(filepath.Join(base, "__init__.py")); err == nil {
		return &muFound{name: name, path: zipPath + "/__init__.py", src: src, pkg: true}
	}
	if src, err := os.ReadFile(base + ".py"); err == nil {
		return &muFound{name: name, path: zipPath + ".py", src: src}
	}
	return nil
}

// locateCollection finds ansible_collections.NS.COLL.plugins.module_utils.…:
// the collection's routing first, then its files; the packages down to
// module_utils are empty ones.
func (f *Finder) locateCollection(w muWanted) (*muFound, error) {
	parts := strings.Split(w.name, ".")
	if len(parts) < 6 {
		return &muFound{name: w.name, path: strings.Join(parts, "/") + "/__init__.py", pkg: true}, nil
	}
	coll := parts[1] + "." + parts[2]
	for _, c := range candidates(w) {
		cparts := strings.Split(c, ".")
		if found, err := f.redirectUtil(coll, c, cparts[5:]); found != nil || err != nil {
			return found, err
		}
		dir := f.collectionDir(coll)
		if dir == "" {
			continue
		}
		if found := readUtil(c, filepath.Join(append([]string{dir}, cparts[3:]...)...)); found != nil {
			return found, nil
		}
	}
	return emptyPackage(w), nil
}

// redirectUtil applies coll's routing of module_utils rel: a redirect
// ships a small module that imports the target in the name's place.
func (f *Finder) redirectUtil(coll, name string, rel []string) (*muFound, error) {
	if len(rel) == 0 {
		return nil, nil
	}
	e, ok := f.meta(coll).PluginRouting.ModuleUtils[strings.Join(rel, ".")]
	if !ok {
		return nil, nil
	}
	if e.Tombstone != nil {
		return nil, fmt.Errorf("module_util %s has been removed", name)
	}
	if e.Redirect == "" {
		return nil, nil
	}
	target := e.Redirect
	if !strings.HasPrefix(target, "ansible_collections") {
		fq := strings.Split(target, ".")
		if len(fq) < 3 {
			return nil, fmt.Errorf("invalid redirect for %s: %s", name, target)
		}
		target = "ansible_collections." + fq[0] + "." + fq[1] + ".plugins.module_utils." + strings.Join(fq[2:], ".")
	}
	shim := fmt.Sprintf("import sys\nimport %s as _target\nsys.modules[%q] = _target\n", target, name)
	return &muFound{name: name, path: strings.ReplaceAll(name, ".", "/") + "/__init__.py", src: []byte(shim), pkg: true, redirected: true}, nil
}
