package inventory

// VarsWithPlaybookDir returns h's variables with the group_vars/ and
// host_vars/ directories of dir (a playbook's directory) merged in at
// Ansible's places ("Understanding variable precedence"): the playbook's
// group_vars/all right after the inventory's group_vars/all, its
// group_vars/GROUP files right after the inventory's, and its
// host_vars/HOST files last. Of the same level, the playbook's win. It
// returns h.Vars itself when dir has neither directory. Vaulted files are
// decrypted with Options.Decrypt.
func (inv *Inventory) VarsWithPlaybookDir(h *Host, dir string) (map[string]any, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if dir == "" || !inv.hasVarsDirs(dir) {
		return h.Vars, nil
	}
	if !inv.playDirsRead[dir] {
		inv.preloadVarsFiles([]string{dir})
		if inv.playDirsRead == nil {
			inv.playDirsRead = map[string]bool{}
		}
		inv.playDirsRead[dir] = true
	}
	all := inv.groups["all"]
	groups := sortGroups(withoutGroup(h.groups, all))
	v := copyVars(all.vars)
	for _, g := range groups {
		mergeInto(v, g.vars)
	}
	for _, src := range inv.sources {
		mergeInto(v, inv.fileVarsFor(src, "group_vars", "all"))
	}
	m, err := inv.loadVarsFor(dir, "group_vars", "all")
	if err != nil {
		return nil, err
	}
	mergeInto(v, m)
	for _, src := range inv.sources {
		for _, g := range groups {
			mergeInto(v, inv.fileVarsFor(src, "group_vars", g.name))
		}
	}
	for _, g := range groups {
		m, err := inv.loadVarsFor(dir, "group_vars", g.name)
		if err != nil {
			return nil, err
		}
		mergeInto(v, m)
	}
	mergeInto(v, h.vars)
	for _, src := range inv.sources {
		mergeInto(v, inv.fileVarsFor(src, "host_vars", h.Name))
	}
	m, err = inv.loadVarsFor(dir, "host_vars", h.Name)
	if err != nil {
		return nil, err
	}
	mergeInto(v, m)
	return v, nil
}

// hasVarsDirs reports whether dir holds a group_vars or host_vars entry.
func (inv *Inventory) hasVarsDirs(dir string) bool {
	for _, sub := range []string{"group_vars", "host_vars"} {
		if d, err := inv.varsDirFor(dir, sub); err != nil || d != nil && len(d.entries) > 0 {
			return true
		}
	}
	return false
}
