package pymodule

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/drover/drover/internal/suggest"
	"github.com/drover/drover/tasks"
)

// Choose picks what runs the module a task names (with the task's
// collections keyword): drover's native module where Ansible would run
// ansible-core's own module or action of that name, else the module the
// Finder found, run by Spec. A name found nowhere is a *NotFoundError with
// a suggestion among native and discoverable names.
func (f *Finder) Choose(name string, collections []string) (*tasks.Spec, *Module, error) {
	native, hasNative := tasks.Lookup(name)
	if hasNative && (native.Engine || f.coreAction(native.Name)) {
		return native, nil, nil
	}
	m, err := f.Resolve(name, collections)
	var nf *NotFoundError
	switch {
	case errors.As(err, &nf) && hasNative:
		return native, nil, nil
	case nf != nil && f.IsCollectionAction(name):
		return nil, nil, fmt.Errorf("%s is a collection's action plugin (it runs on the controller in Ansible), which drover cannot run", name)
	case nf != nil:
		nf.Suggestion = f.Suggest(name)
		return nil, nil, nf
	case err != nil:
		return nil, nil, err
	}
	if m.Builtin {
		if s, ok := tasks.Lookup(m.Name); ok {
			return s, m, nil
		}
		if f.coreAction(m.Name) {
			return nil, m, fmt.Errorf("%s is an action Ansible runs on the controller; drover does not implement it", m.FQCN)
		}
	}
	if m.Collection != "" && f.collectionAction(m) {
		return nil, m, fmt.Errorf("%s needs its action plugin (%s), which drover cannot run", m.FQCN,
			filepath.Join(f.collectionDir(m.Collection), "plugins", "action", m.Name+".py"))
	}
	return f.Spec(m), m, nil
}

// coreAction reports whether ansible-core has an action plugin of that
// name: the action, not a module, is what a task of that name runs.
func (f *Finder) coreAction(name string) bool {
	return f.cfg.AnsibleRoot != "" && fileExists(filepath.Join(f.cfg.AnsibleRoot, "plugins", "action", name+".py"))
}

// collectionAction reports whether m's collection has an action plugin
// of m's name.
func (f *Finder) collectionAction(m *Module) bool {
	dir := f.collectionDir(m.Collection)
	return dir != "" && fileExists(filepath.Join(dir, "plugins", "action", m.Name+".py"))
}

// Suggest is the known module name closest to a misspelled one: among
// drover's native modules and the modules of the library paths and
// ansible-core, and for a qualified name the collections' too.
func (f *Finder) Suggest(name string) string {
	names := tasks.Names()
	for _, e := range f.legacyEntries() {
		names = append(names, e.Name)
	}
	if strings.Count(name, ".") >= 2 {
		for _, e := range f.collectionEntries() {
			names = append(names, e.FQCN)
		}
	}
	return suggest.Name(name, names)
}

// IsCollectionAction reports whether NS.COLL.NAME is an action plugin of
// an installed collection (which drover cannot run, but module_defaults
// may name).
func (f *Finder) IsCollectionAction(name string) bool {
	parts := strings.SplitN(name, ".", 3)
	if len(parts) != 3 {
		return false
	}
	dir := f.collectionDir(parts[0] + "." + parts[1])
	return dir != "" && fileExists(filepath.Join(dir, "plugins", "action", parts[2]+".py"))
}
