package playbooks

import (
	"maps"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// Variable precedence, from Ansible's "Understanding variable precedence",
// lowest first. A name is looked up from the top of this list down; the
// first layer that has it wins. Values are raw: the Jinja engine templates a
// value when a template reads it (lazily, recursively), with this same scope.
//
//  1. role defaults (roles/X/defaults/main.yml): the task's role, the roles
//     it runs for (its dependents, the role that included it), its
//     dependencies, then every role of the play (later roles over earlier),
//     as Ansible exposes role variables play-wide when private_role_vars is
//     off (its default); see roles_vars.go
//  2. inventory variables: group vars (all, then parents before children)
//     and host vars, inline and from group_vars/ and host_vars/ beside the
//     inventory, as package inventory merges them, with the group_vars/ and
//     host_vars/ beside the play's playbook (an imported playbook's own
//     directory) each just above the inventory's of the same level
//     (inventory.VarsWithPlaybookDir)
//  3. host facts (gathered by setup, or set_fact cacheable): every fact
//     under its own name (ansible_hostname) and all of them as ansible_facts
//  4. play vars
//  5. play vars_prompt
//  6. play vars_files
//  7. role vars (roles/X/vars/main.yml, and the vars: given with the role),
//     play-wide like role defaults
//  8. block vars (outer blocks first, inner blocks win)
//  9. task vars (including vars of an import_tasks)
//  10. include_vars
//  11. set_fact and registered variables
//  12. role parameters (the keys of a role entry that are no keyword), seen
//     by the role's tasks and its dependencies only, and include_tasks vars
//  13. extra vars (-e), which always win
//  14. magic variables (inventory_hostname, groups, hostvars, ...), which
//     Ansible sets last
//  15. loop variables (item, the loop_var, index_var, ansible_loop)
//
// ansible_host and ansible_user fall back to the inventory name and the
// login user below all layers when the inventory does not set them.

// hostState is what a run knows about one host across plays.
type hostState struct {
	name   string
	inv    map[string]any // inventory vars
	groups []string       // group_names
	// playInv computes the inventory vars with the group_vars/ and
	// host_vars/ of a playbook's directory; nil when there is none.
	playInv func(dir string) (map[string]any, error)
	invDirs map[string]map[string]any // playInv's results by directory

	mu          sync.RWMutex
	facts       map[string]any // as setup returns them: ansible_hostname, ...
	cleanFacts  map[string]any // facts without the ansible_ prefix (ansible_facts)
	includeVars map[string]any
	hostVars    map[string]any // set_fact and register
	hostOrder   []string       // hostVars' names in the order first set
}

func newHostState(name string, inv map[string]any, groups []string) *hostState {
	return &hostState{name: name, inv: inv, groups: groups,
		facts: map[string]any{}, includeVars: map[string]any{}, hostVars: map[string]any{}}
}

// invVars are the host's inventory variables as a play from dir sees them:
// with the group_vars/ and host_vars/ beside the playbook.
func (h *hostState) invVars(dir string) (map[string]any, error) {
	h.mu.RLock()
	m, ok := h.invDirs[dir]
	inv := h.inv
	h.mu.RUnlock()
	if h.playInv == nil {
		return inv, nil
	}
	if ok {
		return m, nil
	}
	m, err := h.playInv(dir)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.invDirs == nil {
		h.invDirs = map[string]map[string]any{}
	}
	h.invDirs[dir] = m
	h.mu.Unlock()
	return m, nil
}

// inv returns the inventory variables the scope's play sees (errors were
// reported when the play started).
func (s *scope) inv() map[string]any {
	m, err := s.h.invVars(s.ps.play.Dir)
	if err != nil {
		s.h.mu.RLock()
		defer s.h.mu.RUnlock()
		return s.h.inv
	}
	return m
}

// setFacts merges facts returned by setup (or cacheable set_fact).
func (h *hostState) setFacts(f map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range f {
		h.facts[k] = v
	}
	h.cleanFacts = nil
}

// fact returns one fact.
func (h *hostState) fact(name string) (any, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	v, ok := h.facts[name]
	return v, ok
}

// factsCopy returns a copy of the host's facts.
func (h *hostState) factsCopy() map[string]any {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make(map[string]any, len(h.facts))
	for k, v := range h.facts {
		out[k] = v
	}
	return out
}

// ansibleFacts returns the facts as the ansible_facts variable shows them.
func (h *hostState) ansibleFacts() map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cleanFacts == nil {
		h.cleanFacts = make(map[string]any, len(h.facts))
		for k, v := range h.facts {
			if k != "ansible_local" {
				k = strings.TrimPrefix(k, "ansible_")
			}
			h.cleanFacts[k] = v
		}
	}
	return h.cleanFacts
}

func (h *hostState) setVar(layer *map[string]any, name string, v any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, known := (*layer)[name]; !known && layer == &h.hostVars {
		h.hostOrder = append(h.hostOrder, name)
	}
	(*layer)[name] = v
}

func (h *hostState) get(layer map[string]any, name string) (any, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	v, ok := layer[name]
	return v, ok
}

// scope is the variables one task sees on one host: it implements
// jinja.Vars.
type scope struct {
	h     *hostState
	ps    *playState
	task  *Task
	extra map[string]any // include params
	loop  map[string]any // loop variables
	magic map[string]any // per-host magic variables
	over  map[string]any // engine-set values (ansible_failed_task, ...)

	chain    []*Role // roleChain, once computed
	chainSet bool
}

// Lookup finds name by precedence (see the table above).
func (s *scope) Lookup(name string) (any, bool) {
	if v, ok := s.loop[name]; ok {
		return v, true
	}
	if v, ok := s.magicVar(name); ok {
		return v, true
	}
	if v, ok := s.ps.run.extraVars[name]; ok {
		return v, true
	}
	if v, ok := s.extra[name]; ok {
		return v, true
	}
	if v, ok := s.roleParam(name); ok {
		return v, true
	}
	if v, ok := s.over[name]; ok {
		return v, true
	}
	if v, ok := s.h.get(s.h.hostVars, name); ok {
		return v, true
	}
	if v, ok := s.h.get(s.h.includeVars, name); ok {
		return v, true
	}
	if v, ok := s.taskVar(name); ok {
		return v, true
	}
	return s.playVar(name)
}

// playVar looks name up from role vars down to role defaults.
func (s *scope) playVar(name string) (any, bool) {
	if v, ok := s.roleVar(name); ok {
		return v, true
	}
	if v, ok := s.ps.varsFile(s.h.name, name); ok {
		return v, true
	}
	if v, ok := s.ps.prompted[name]; ok {
		return v, true
	}
	if v, ok := s.ps.play.Vars[name]; ok {
		return v, true
	}
	if v, ok := s.fact(name); ok {
		return v, true
	}
	if v, ok := s.inv()[name]; ok {
		return v, true
	}
	if v, ok := s.roleDefault(name); ok {
		return v, true
	}
	return s.fallback(name)
}

func (s *scope) fact(name string) (any, bool) {
	if name == "ansible_facts" {
		return s.h.ansibleFacts(), true
	}
	return s.h.get(s.h.facts, name)
}

// fallback supplies connection variables Ansible always defines.
func (s *scope) fallback(name string) (any, bool) {
	switch name {
	case "ansible_host":
		return s.h.name, true
	}
	return nil, false
}

// role is the role of the scope's task, nil outside roles.
func (s *scope) role() *Role {
	if c := s.roleChain(); len(c) > 0 {
		return c[0]
	}
	return nil
}

// roleChain lists the roles of the scope's task: its own role, then the
// roles it runs for (the role depending on it, or including it), nearest
// first, as Ansible's dependency chain reversed.
func (s *scope) roleChain() []*Role {
	if s.task == nil {
		return nil
	}
	if !s.chainSet {
		s.chain, s.chainSet = taskRoles(s.task), true
	}
	return s.chain
}

// taskVar looks name up in the vars of the task and its enclosing blocks,
// innermost first.
func (s *scope) taskVar(name string) (any, bool) {
	for t := s.task; t != nil; t = t.Parent {
		if m, ok := t.Kw["vars"].(map[string]any); ok {
			if v, ok := m[name]; ok {
				return v, true
			}
		}
	}
	return nil, false
}

// magicVar returns the magic variables.
func (s *scope) magicVar(name string) (any, bool) {
	if v, ok := s.magic[name]; ok {
		return v, true
	}
	switch name {
	case "inventory_hostname":
		return s.h.name, true
	case "inventory_hostname_short":
		short, _, _ := strings.Cut(s.h.name, ".")
		return short, true
	case "group_names":
		s.h.mu.RLock()
		defer s.h.mu.RUnlock()
		return stringsToAny(s.h.groups), true
	case "hostvars":
		return &hostvarsMapping{ps: s.ps}, true
	case "role_name":
		if r := s.role(); r != nil {
			return r.shortName(), true
		}
	case "ansible_role_name":
		if r := s.role(); r != nil {
			return r.Name, true
		}
	case "role_path":
		if r := s.role(); r != nil {
			return r.Path, true
		}
	case "ansible_parent_role_names", "ansible_parent_role_paths":
		return parentRoles(s.task, name == "ansible_parent_role_paths")
	case "ansible_search_path":
		if s.task != nil {
			return stringsToAny(appendNew(taskSearchPath(s.task), s.ps.play.Dir)), true
		}
	case "ansible_delegated_vars":
		return s.delegatedVars()
	}
	return s.ps.magic(name)
}

// delegatedVars is ansible_delegated_vars, defined for a task with
// delegate_to: the delegated host's name and its variables.
func (s *scope) delegatedVars() (any, bool) {
	if s.task == nil {
		return nil, false
	}
	v, ok := s.task.kw("delegate_to")
	if !ok || v == nil {
		return nil, false
	}
	tv, err := s.ps.run.env.TemplateValue(v, s)
	if err != nil {
		return nil, false
	}
	target, _ := tasks.ToStr(jinja.ToPlain(tv))
	if target == "" {
		return nil, false
	}
	vars, ok := (&hostvarsMapping{ps: s.ps}).Get(target)
	if !ok {
		vars = map[string]any{"inventory_hostname": target, "ansible_host": target}
	}
	return map[string]any{target: vars}, true
}

func stringsToAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// hostvarsMapping is the lazy hostvars variable: hostvars[h] is host h's
// variables as a play-level scope sees them, templated on access.
type hostvarsMapping struct{ ps *playState }

// Get returns the variables of one host.
func (m *hostvarsMapping) Get(key string) (any, bool) {
	h := m.ps.run.host(key)
	if h == nil {
		return nil, false
	}
	return &hostVarsOf{s: &scope{h: h, ps: m.ps}}, true
}

// Keys lists every inventory host.
func (m *hostvarsMapping) Keys() []string { return m.ps.run.hostNames() }

// hostVarsOf is hostvars[h]: each value templated with h's own variables.
type hostVarsOf struct{ s *scope }

// Get returns one variable of the host, templated with the host's own
// variables only; as Ansible's (fail_on_undefined off), a value using an
// undefined variable comes back as written.
func (v *hostVarsOf) Get(key string) (any, bool) {
	view := hostView{v.s}
	raw, ok := view.Lookup(key)
	if !ok {
		return nil, false
	}
	out, err := v.s.ps.run.env.TemplateValue(raw, view)
	if err != nil {
		if jinja.IsUndefined(err) {
			return raw, true
		}
		return nil, false
	}
	return out, true
}

// hostView is a host's variables as hostvars[host] shows them: its
// inventory variables, facts, include_vars, set_fact and registered
// values, extra vars and the magic variables, but not the play's vars,
// vars_files or roles' vars, as Ansible's hostvars have no play.
type hostView struct{ s *scope }

// Lookup finds name among the host's own variables, by precedence.
func (v hostView) Lookup(name string) (any, bool) {
	s := v.s
	if x, ok := s.magicVar(name); ok {
		return x, true
	}
	if x, ok := s.ps.run.extraVars[name]; ok {
		return x, true
	}
	if x, ok := s.h.get(s.h.hostVars, name); ok {
		return x, true
	}
	if x, ok := s.h.get(s.h.includeVars, name); ok {
		return x, true
	}
	if x, ok := s.fact(name); ok {
		return x, true
	}
	if x, ok := s.inv()[name]; ok {
		return x, true
	}
	return s.fallback(name)
}

// Keys lists the host's variables (not the magic ones).
func (v *hostVarsOf) Keys() []string {
	seen := map[string]bool{"inventory_hostname": true, "group_names": true}
	s := v.s
	add := func(m map[string]any) {
		for k := range m {
			seen[k] = true
		}
	}
	add(s.inv())
	s.h.mu.RLock()
	add(s.h.facts)
	add(s.h.includeVars)
	add(s.h.hostVars)
	s.h.mu.RUnlock()
	add(s.ps.run.extraVars)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ jinja.Mapping = (*hostvarsMapping)(nil)
var _ jinja.Mapping = (*hostVarsOf)(nil)

// withLoop returns a copy of s with loop variables set.
func (s *scope) withLoop(loop map[string]any) *scope {
	c := *s
	c.loop = loop
	return &c
}

// withOver returns a copy of s with engine-set variables added.
func (s *scope) withOver(over map[string]any) *scope {
	c := *s
	c.over = maps.Clone(s.over)
	if c.over == nil {
		c.over = map[string]any{}
	}
	maps.Copy(c.over, over)
	return &c
}
