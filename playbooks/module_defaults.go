package playbooks

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// moduleDefaults returns the module_defaults that apply to t's module, or
// nil. As in Ansible, the module_defaults of the play, role, blocks and task
// are one list of mappings, outermost first; a later mapping's entry for a
// module replaces an earlier one whole, and entries name a module by short
// or ansible.builtin. name. group/NAME entries hold the defaults of an
// action group; no module drover has belongs to one, so they never apply.
// The task's own arguments override the defaults (see taskArgs).
// spec resolves a module name of module_defaults.
func moduleDefaults(t *Task, spec func(name string) *tasks.Spec) map[string]any {
	if t.Spec == nil {
		return nil
	}
	var out map[string]any
	for _, v := range t.chain("module_defaults") {
		for _, d := range asList(v) {
			m, _ := d.(map[string]any)
			for k, args := range m {
				if s := spec(k); s != nil && s == t.Spec {
					out, _ = args.(map[string]any)
				}
			}
		}
	}
	return out
}

// checkModuleDefaults checks a module_defaults value when the playbook
// loads: a mapping (or a list of mappings) from module names or group/NAME
// to mappings of arguments, each argument known to the module.
func (l *Loader) checkModuleDefaults(f *yamlx.File, n *yaml.Node, v any) error {
	for _, d := range asList(v) {
		m, ok := d.(map[string]any)
		if !ok {
			return f.Errorf(n, "module_defaults must be a mapping (or a list of mappings) of module names to arguments")
		}
		for k, args := range m {
			kn := keyNode(n, k)
			if group, ok := strings.CutPrefix(k, "group/"); ok {
				if fq, known := actionGroup(group); !known {
					return f.Errorf(kn, "Error loading module_defaults: could not resolve the module_defaults group %s", fq)
				}
				continue
			}
			spec := l.specFor(k)
			if spec == nil && l.modules.IsCollectionAction(k) {
				continue // a collection's action plugin: its arguments are its own
			}
			if spec == nil {
				return f.Errorf(kn, "Could not resolve action %s in module_defaults%s", k, l.suggestModule(k))
			}
			a, ok := args.(map[string]any)
			if args != nil && !ok {
				return f.Errorf(kn, "the module_defaults of %s must be a mapping of arguments", k)
			}
			names := make([]string, 0, len(a))
			for name := range a {
				names = append(names, name)
			}
			if err := spec.CheckNames(names); err != nil {
				return f.Errorf(kn, "module_defaults: %v", err)
			}
		}
	}
	return nil
}

// suggestModule is a " (did you mean …?)" for a misspelled module name.
func (l *Loader) suggestModule(name string) string {
	if s := l.modules.Suggest(name); s != "" {
		return " (did you mean \"" + s + "\"?)"
	}
	return ""
}

// builtinGroups are the action groups ansible-core 2.14 itself defines
// (config/ansible_builtin_runtime.yml); their modules live in collections
// that drover does not have, so their defaults never apply.
var builtinGroups = map[string]bool{"acme": true, "aws": true, "azure": true, "cpm": true, "docker": true,
	"gcp": true, "k8s": true, "os": true, "ovirt": true, "testgroup": true, "testlegacy": true, "vmware": true}

// actionGroup resolves a module_defaults group name as Ansible does: a bare
// name is ansible.builtin's; it reports the fully qualified name and
// whether the group exists (only ansible.builtin's can, without
// collections).
func actionGroup(name string) (string, bool) {
	if strings.Count(name, ".") < 2 {
		name = "ansible.builtin." + name
	}
	rest, ok := strings.CutPrefix(name, "ansible.builtin.")
	return name, ok && builtinGroups[rest]
}
