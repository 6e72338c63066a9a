package inventory

import (
	"fmt"
	"reflect"
)

// Changes made while a playbook runs (add_host, group_by) go through the
// methods of this file: they take the inventory's lock, apply Ansible's
// reconcile rules again and recompute every host's variables, so patterns,
// `groups`, group_names and group vars (group_vars/ files of groups created
// at run time included) see them at once.

// AddHost adds a host while a playbook runs, as Ansible's add_host does: a
// new host joins all (and so ungrouped while it has no other group), vars
// are merged over the host's own inventory variables, and the host joins
// each of groups, created when missing. It reports whether anything changed.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) (bool, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	changed := false
	h, ok := inv.hosts[name]
	if !ok {
		var err error
		if h, err = inv.addHost(name, "all", 0); err != nil {
			return false, err
		}
		changed = true
	}
	for k, v := range vars {
		if old, ok := h.vars[k]; !ok || !reflect.DeepEqual(old, v) {
			h.vars[k] = v
			changed = true
		}
	}
	for _, gname := range groups {
		g, ok := inv.groups[gname]
		if !ok {
			g = inv.addGroup(gname)
			changed = true
		}
		if g.addHost(h) {
			changed = true
		}
	}
	if changed {
		return true, inv.refresh()
	}
	return false, nil
}

// AddToGroup puts a host in a group while a playbook runs, as Ansible's
// group_by does: the group is created when missing, under parents (each
// created when missing; all when none are given). It reports whether
// anything changed.
func (inv *Inventory) AddToGroup(host, group string, parents []string) (bool, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, ok := inv.hosts[host]
	if !ok {
		if !isLocalhostName(host) {
			return false, fmt.Errorf("%s cannot be matched in inventory", host)
		}
		h = inv.implicitLocalhost(host)
	}
	changed := false
	g, ok := inv.groups[group]
	if !ok {
		g = inv.addGroup(group)
	}
	for _, pname := range parents {
		if _, ok := inv.groups[pname]; !ok {
			inv.addGroup(pname)
			changed = true
		}
		if p := inv.groups[pname]; !hasChild(p, g) {
			if err := inv.addChild(pname, g.name); err != nil {
				return false, err
			}
			changed = true
		}
	}
	if g.addHost(h) {
		changed = true
	}
	if changed {
		return true, inv.refresh()
	}
	return false, nil
}

// HostView returns a host's merged variables and group names as they are
// now; ok is false when the inventory has no such host.
func (inv *Inventory) HostView(name string) (vars map[string]any, groups []string, ok bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, found := inv.hosts[name]
	if !found {
		if !isLocalhostName(name) {
			return nil, nil, false
		}
		h = inv.implicitLocalhost(name)
	}
	return h.Vars, h.Groups, true
}

// GroupOrder lists every group name in the order groups were created (all
// and ungrouped first), the order of Ansible's `groups` variable.
func (inv *Inventory) GroupOrder() []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := make([]string, len(inv.groupOrder))
	for i, g := range inv.groupOrder {
		out[i] = g.name
	}
	return out
}

func hasChild(p, c *group) bool {
	for _, x := range p.children {
		if x == c {
			return true
		}
	}
	return false
}

// refresh applies the reconcile rules again after a change and recomputes
// the caches and every host's variables. The caller holds inv.mu.
func (inv *Inventory) refresh() error {
	inv.groupsDict = nil
	for _, g := range inv.groupOrder {
		g.hostCache = nil
	}
	inv.reconcile()
	if lh := inv.localhost; lh != nil && lh.Implicit {
		lh.groups = ancestorsOf(inv.directGroups()[lh])
		lh.Groups = groupNames(lh.groups)
	}
	return inv.mergeHostVars()
}
