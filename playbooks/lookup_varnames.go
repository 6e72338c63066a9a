package playbooks

import (
	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/pyregex"
)

// magicNames are the magic variables every task sees, as varnames lists
// them after all others.
var magicNames = []string{"inventory_hostname", "inventory_hostname_short", "group_names", "groups", "hostvars",
	"omit", "playbook_dir", "play_hosts", "ansible_play_batch", "ansible_play_hosts", "ansible_play_hosts_all",
	"ansible_play_name", "ansible_check_mode", "ansible_diff_mode", "ansible_forks", "ansible_verbosity",
	"ansible_run_tags", "ansible_skip_tags", "ansible_version", "ansible_playbook_python"}

// lookupVarnames is the varnames plugin: the names of the task's
// variables that each regular expression matches (re.search), term after
// term, in the order Ansible's variables are merged.
func lookupVarnames(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	names := lc.variableNames()
	var out []any
	for _, term := range terms {
		pat, ok := termString(term)
		if !ok {
			return nil, unhandledErrorf("Invalid setting identifier, \"%s\" is not a string, it is a <class '%s'>", pyStr(term), pyTypeName(term))
		}
		re, err := pyregex.Compile(pat, pyregex.Flags{})
		if err != nil {
			return nil, unhandledErrorf("Unable to use \"%s\" as a search parameter: %v", pat, err)
		}
		for _, n := range names {
			if found, _ := re.MatchString(n); found {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// variableNames lists the variables a task sees, each once, in Ansible's
// merge order: a name stays where its lowest precedence layer put it
// (layers without an order of their own sorted).
func (lc *lookupCtx) variableNames() []string {
	s := lc.s
	if s == nil {
		return pyfmt.SortedKeys(lc.ps.run.extraVars)
	}
	var out []string
	seen := map[string]bool{}
	add := func(names ...string) {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	for _, r := range s.ps.play.Roles {
		add(pyfmt.SortedKeys(r.Defaults)...)
	}
	add(pyfmt.SortedKeys(s.inv())...)
	s.h.mu.RLock()
	facts := pyfmt.SortedKeys(s.h.facts)
	includeVars := pyfmt.SortedKeys(s.h.includeVars)
	hostOrder := append([]string(nil), s.h.hostOrder...)
	s.h.mu.RUnlock()
	add(facts...)
	add(pyfmt.SortedKeys(s.ps.play.Vars)...)
	for _, r := range s.ps.play.Roles {
		add(pyfmt.SortedKeys(r.Vars)...)
	}
	for t := s.task; t != nil; t = t.Parent {
		if m, ok := t.Kw["vars"].(map[string]any); ok {
			add(pyfmt.SortedKeys(m)...)
		}
	}
	add(includeVars...)
	add(hostOrder...)
	add(pyfmt.SortedKeys(s.extra)...)
	add(pyfmt.SortedKeys(s.ps.run.extraVars)...)
	add(magicNames...)
	add(pyfmt.SortedKeys(s.loop)...)
	return out
}
