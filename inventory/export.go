package inventory

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

// internalVars are the variables ansible-inventory leaves out of its output.
var internalVars = map[string]bool{
	"ansible_diff_mode": true, "ansible_config_file": true, "ansible_facts": true, "ansible_forks": true,
	"ansible_inventory_sources": true, "ansible_limit": true, "ansible_playbook_python": true,
	"ansible_run_tags": true, "ansible_skip_tags": true, "ansible_verbosity": true, "ansible_version": true,
	"inventory_dir": true, "inventory_file": true, "inventory_hostname": true, "inventory_hostname_short": true,
	"groups": true, "group_names": true, "omit": true, "playbook_dir": true,
}

// ExportVars returns h's variables as ansible-inventory shows them: without
// inventory_file, inventory_dir and the other internal names.
func (inv *Inventory) ExportVars(h *Host) map[string]any {
	out := make(map[string]any, len(h.Vars))
	for k, v := range h.Vars {
		if !internalVars[k] {
			out[k] = v
		}
	}
	return out
}

// List returns the document `ansible-inventory --list` prints: one entry per
// group with its hosts and children (empty ones left out, all without
// hosts), and _meta.hostvars with every host's variables.
func (inv *Inventory) List() map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := map[string]any{}
	seen := map[*group]bool{}
	inv.listGroup(inv.groups["all"], out, seen)
	hostvars := map[string]any{}
	for _, h := range inv.groupHosts(inv.groups["all"]) {
		if v := inv.ExportVars(h); len(v) > 0 {
			hostvars[h.Name] = v
		}
	}
	out["_meta"] = map[string]any{"hostvars": hostvars}
	return out
}

func (inv *Inventory) listGroup(g *group, out map[string]any, seen map[*group]bool) {
	entry := map[string]any{}
	if g.name != "all" && len(g.hosts) > 0 {
		entry["hosts"] = hostNames(g.hosts)
	}
	var children []any
	for _, c := range g.children {
		children = append(children, c.name)
		if !seen[c] {
			inv.listGroup(c, out, seen)
			seen[c] = true
		}
	}
	if len(children) > 0 {
		entry["children"] = children
	}
	if len(entry) > 0 {
		out[g.name] = entry
	}
}

func hostNames(hs []*Host) []any {
	out := make([]any, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

// ListYAML returns the document `ansible-inventory --list --yaml` prints:
// groups nested under their parents, each host's variables given once, at
// its first appearance.
func (inv *Inventory) ListYAML() map[string]any {
	seen := map[*Host]bool{}
	return map[string]any{"all": inv.yamlGroupDoc(inv.groups["all"], seen)}
}

func (inv *Inventory) yamlGroupDoc(g *group, seen map[*Host]bool) map[string]any {
	entry := map[string]any{}
	children := map[string]any{}
	for _, c := range g.children {
		if c.name != "all" {
			children[c.name] = inv.yamlGroupDoc(c, seen)
		}
	}
	if len(children) > 0 {
		entry["children"] = children
	}
	if g.name != "all" && len(g.hosts) > 0 {
		hosts := map[string]any{}
		for _, h := range g.hosts {
			vars := map[string]any{}
			if !seen[h] {
				seen[h] = true
				vars = inv.ExportVars(h)
			}
			hosts[h.Name] = vars
		}
		entry["hosts"] = hosts
	}
	return entry
}

// Graph draws the group tree from group as `ansible-inventory --graph`
// does; withVars adds each host's and group's variables.
func (inv *Inventory) Graph(groupName string, withVars bool) (string, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	g, ok := inv.groups[groupName]
	if !ok {
		return "", fmt.Errorf("pattern must be valid group name when using --graph: %q is not a group%s", groupName, suggestHint(groupName, inv.GroupNames()))
	}
	var lines []string
	inv.graphGroup(g, 0, withVars, &lines)
	return strings.Join(lines, "\n"), nil
}

func graphName(name string, depth int) string {
	if depth == 0 {
		return name
	}
	return strings.Repeat("  |", depth) + "--" + name
}

func (inv *Inventory) graphGroup(g *group, depth int, withVars bool, lines *[]string) {
	*lines = append(*lines, graphName("@"+g.name+":", depth))
	depth++
	for _, c := range g.children {
		inv.graphGroup(c, depth, withVars, lines)
	}
	if g.name != "all" {
		for _, h := range g.hosts {
			*lines = append(*lines, graphName(h.Name, depth))
			if withVars {
				graphVars(inv.ExportVars(h), depth+1, lines)
			}
		}
	}
	if withVars {
		graphVars(inv.groupVars(g.name), depth, lines)
	}
}

func graphVars(vars map[string]any, depth int, lines *[]string) {
	for _, k := range pyfmt.SortedKeys(vars) {
		*lines = append(*lines, graphName("{"+k+" = "+pyfmt.Str(vars[k])+"}", depth))
	}
}

// GroupVars returns a group's own variables as ansible-inventory shows them:
// inline vars, then its group_vars files, and ansible_group_priority when
// not the default.
func (inv *Inventory) GroupVars(name string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.groupVars(name)
}

func (inv *Inventory) groupVars(name string) map[string]any {
	g, ok := inv.groups[name]
	if !ok {
		return nil
	}
	out := copyVars(g.vars)
	for _, src := range inv.sources {
		mergeInto(out, inv.fileVarsFor(src, "group_vars", name))
	}
	if g.priority != 1 {
		out["ansible_group_priority"] = g.priority
	}
	for k := range out {
		if internalVars[k] {
			delete(out, k)
		}
	}
	return out
}

// ExportOptions are the options drover inventory loads with so that values
// print as ansible-inventory prints them: inline !vault values as
// {"__ansible_vault": CIPHERTEXT} (never decrypted), !unsafe strings as
// yamlx.Unsafe and timestamps as yamlx.Timestamp. Decrypt is still needed
// for vaulted files.
func ExportOptions() Options {
	return Options{
		VaultValue: func(ciphertext []byte, _ string) (any, error) {
			return map[string]any{"__ansible_vault": string(ciphertext)}, nil
		},
		KeepTypes: true,
	}
}
