package playbooks

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/drover/drover/tasks"
)

// moduleRunner is Call.RunModule for t's call c: the module is found by
// name, gets t's module_defaults for it under the arguments given, and runs
// with c's connection, modes and variables.
func (ps *playState) moduleRunner(t *Task, c *tasks.Call) func(context.Context, string, map[string]any) (*tasks.Result, error) {
	return func(ctx context.Context, name string, args map[string]any) (*tasks.Result, error) {
		spec, err := ps.run.loader.moduleFor(name, taskCollections(t))
		if err != nil || spec == nil || spec.Run == nil {
			return nil, fmt.Errorf("The module %s was not found in configured module paths", name)
		}
		sub := *t
		sub.Spec = spec
		given := maps.Clone(moduleDefaults(&sub, ps.run.loader.specFor))
		if given == nil {
			given = map[string]any{}
		}
		maps.Copy(given, args)
		if msg := unsupportedArgs(name, spec, given); msg != "" {
			return tasks.Failf("%s", msg), nil
		}
		prepared, err := spec.Prepare(given)
		if err != nil {
			return tasks.Failf("%v", err), nil
		}
		call := *c
		call.Module, call.ModuleAs, call.Args = spec.Name, name, prepared
		return spec.Run(ctx, &call)
	}
}

// withoutInternal is a module's facts as its registered result shows them:
// without the _ansible_ keys (gather_facts' _ansible_facts_gathered), which
// the host's facts keep.
func withoutInternal(facts map[string]any) map[string]any {
	out := make(map[string]any, len(facts))
	for k, v := range facts {
		if !strings.HasPrefix(k, "_ansible_") {
			out[k] = v
		}
	}
	return out
}

// unsupportedArgs is the failure of a module given arguments it does not
// take, in the words of Ansible's argument validation; "" when it takes
// them all.
func unsupportedArgs(name string, spec *tasks.Spec, given map[string]any) string {
	if spec.AnyArgs {
		return ""
	}
	var params, aliases []string
	known := map[string]bool{tasks.RawParams: spec.FreeForm != tasks.NoFreeForm}
	for _, a := range spec.Args {
		params = append(params, a.Name)
		aliases = append(aliases, a.Aliases...)
		known[a.Name] = true
		for _, al := range a.Aliases {
			known[al] = true
		}
	}
	var bad []string
	for k := range given {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	sort.Strings(bad)
	sort.Strings(params)
	sort.Strings(aliases)
	supported := strings.Join(params, ", ")
	if len(aliases) > 0 {
		supported += " (" + strings.Join(aliases, ", ") + ")"
	}
	return fmt.Sprintf("Unsupported parameters for (%s) module: %s. Supported parameters include: %s.", name, strings.Join(bad, ", "), supported)
}
