package playbooks

import (
	"errors"

	"github.com/drover/drover/tasks"
	"github.com/drover/drover/tasks/pymodule"
)

// moduleFor resolves the module a task names: drover's native module where
// Ansible would run ansible-core's own, else a module found as Ansible
// finds it (library/ directories, collections, the installed
// ansible-core) and run on the host's Python (package tasks/pymodule).
// Deprecations met on the way (a collection's routing) become the
// loader's warnings, each once.
func (l *Loader) moduleFor(name string, collections []string) (*tasks.Spec, error) {
	if err := l.blockedModule(name); err != nil {
		return nil, err
	}
	spec, m, err := l.modules.Choose(name, collections)
	if m != nil {
		for _, w := range m.Warnings {
			if !contains(l.notes, w) {
				l.notes = append(l.notes, w)
			}
		}
	}
	return spec, err
}

// notFound is the error for a module name found nowhere; nil when name
// resolves to a module (native or not), or fails for another reason that
// setAction reports.
func (l *Loader) notFound(name string, collections []string) *pymodule.NotFoundError {
	_, err := l.moduleFor(name, collections)
	var nf *pymodule.NotFoundError
	if errors.As(err, &nf) {
		return nf
	}
	return nil
}

// specFor is the spec a module name in module_defaults stands for; nil
// when it names none.
func (l *Loader) specFor(name string) *tasks.Spec {
	spec, _ := l.moduleFor(name, nil)
	return spec
}

// Modules is the loader's module finder: the paths it searches, grown as
// playbooks and roles are read (for listings).
func (l *Loader) Modules() *pymodule.Finder { return l.modules }

// taskCollections is the collections keyword in effect for a task: its
// own, its blocks', its role's or its play's, the nearest.
func taskCollections(t *Task) []string {
	v, _ := t.kw("collections")
	var out []string
	for _, c := range asList(v) {
		if s, ok := c.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
