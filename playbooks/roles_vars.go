package playbooks

import (
	"sync"
	"sync/atomic"
)

// taskRoles lists the roles of a task's enclosing blocks, nearest first:
// its own role, then the role it is a dependency of or that included it,
// and so on.
func taskRoles(t *Task) []*Role {
	var out []*Role
	for x := t; x != nil; x = x.Parent {
		if x.Role != nil && (len(out) == 0 || out[len(out)-1] != x.Role) {
			out = append(out, x.Role)
		}
	}
	return out
}

// roleVar looks name up in role variables (vars/ and the vars given with
// the role), as Ansible merges them: the task's own role, its
// dependencies, the roles it runs for, then every role of the play (later
// over earlier; private_role_vars off).
func (s *scope) roleVar(name string) (any, bool) {
	if chain := s.roleChain(); len(chain) > 0 {
		if v, ok := roleVarsOf(chain[0], name); ok {
			return v, true
		}
		for _, r := range chain[1:] {
			if v, ok := ownRoleVar(r, name); ok {
				return v, true
			}
		}
	}
	return s.ps.fromPlayRoles(name, roleVarsOf)
}

func ownRoleVar(r *Role, name string) (any, bool) {
	if v, ok := r.Vars[name]; ok {
		return v, true
	}
	v, ok := r.EntryVars[name]
	return v, ok
}

// roleVarsOf is name in r's variables, or its dependencies' (later
// dependencies over earlier).
func roleVarsOf(r *Role, name string) (any, bool) {
	if v, ok := ownRoleVar(r, name); ok {
		return v, true
	}
	for i := len(r.Deps) - 1; i >= 0; i-- {
		if v, ok := roleVarsOf(r.Deps[i], name); ok {
			return v, true
		}
	}
	return nil, false
}

// roleDefault looks name up in role defaults: the task's own role, the
// roles it runs for, its dependencies, then every role of the play.
func (s *scope) roleDefault(name string) (any, bool) {
	if chain := s.roleChain(); len(chain) > 0 {
		for _, r := range chain {
			if v, ok := r.Defaults[name]; ok {
				return v, true
			}
		}
		deps := chain[0].Deps
		for i := len(deps) - 1; i >= 0; i-- {
			if v, ok := roleDefaultsOf(deps[i], name); ok {
				return v, true
			}
		}
	}
	return s.ps.fromPlayRoles(name, roleDefaultsOf)
}

// roleDefaultsOf is name in r's defaults, or its dependencies'.
func roleDefaultsOf(r *Role, name string) (any, bool) {
	if v, ok := r.Defaults[name]; ok {
		return v, true
	}
	for i := len(r.Deps) - 1; i >= 0; i-- {
		if v, ok := roleDefaultsOf(r.Deps[i], name); ok {
			return v, true
		}
	}
	return nil, false
}

// roleParam looks name up in the parameters of the task's role and of the
// roles it runs for; parameters are not visible outside.
func (s *scope) roleParam(name string) (any, bool) {
	for _, r := range s.roleChain() {
		if v, ok := r.Params[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// fromPlayRoles looks name up with get in the play's roles, the last one
// first: those of roles: and import_role, and public include_roles that
// ran.
func (ps *playState) fromPlayRoles(name string, get func(*Role, string) (any, bool)) (any, bool) {
	public := ps.run.roles.public(ps.play)
	for i := len(public) - 1; i >= 0; i-- {
		if v, ok := get(public[i], name); ok {
			return v, true
		}
	}
	roles := ps.play.Roles
	for i := len(roles) - 1; i >= 0; i-- {
		if v, ok := get(roles[i], name); ok {
			return v, true
		}
	}
	return nil, false
}

// playRoleNames are role_names and ansible_play_role_names: the play's
// roles as mentioned, with public include_roles that ran.
func (ps *playState) playRoleNames() []any {
	out := []any{}
	for _, r := range ps.play.Roles {
		out = append(out, r.Name)
	}
	for _, r := range ps.run.roles.public(ps.play) {
		out = append(out, r.Name)
	}
	return out
}

// dependentRoleNames are ansible_dependent_role_names: every dependency of
// the play's roles, once each.
func (ps *playState) dependentRoleNames() []any {
	out := []any{}
	var walk func(r *Role)
	walk = func(r *Role) {
		for _, d := range r.Deps {
			walk(d)
			if !containsAny(out, d.Name) {
				out = append(out, d.Name)
			}
		}
	}
	for _, r := range append(append([]*Role{}, ps.play.Roles...), ps.run.roles.public(ps.play)...) {
		walk(r)
	}
	return out
}

// allRoleNames are ansible_role_names: the play's roles and their
// dependencies, once each.
func (ps *playState) allRoleNames() []any {
	out := []any{}
	for _, n := range append(ps.playRoleNames(), ps.dependentRoleNames()...) {
		if !containsAny(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func containsAny(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// parentRoles are ansible_parent_role_names (or _paths): for a task of a
// role run by import_role or include_role from another role, that role,
// then the role that one was included from, and so on; undefined
// elsewhere.
func parentRoles(t *Task, paths bool) (any, bool) {
	var out []any
	for x := t; x != nil; x = x.Parent {
		if !x.RoleBlock || x.Parent == nil || x.Parent.RoleBlock {
			continue
		}
		for p := x.Parent; p != nil; p = p.Parent {
			if p.Role != nil {
				if paths {
					out = append(out, p.Role.Path)
				} else {
					out = append(out, p.Role.Name)
				}
				break
			}
		}
	}
	if out == nil {
		return nil, false
	}
	return out, true
}

// roleRuns is what a run knows of its roles: on which hosts a task of a
// role ran and which role mentions completed there (a role that completed
// is not run again unless it allows duplicates), and the public roles
// include_role added to each play.
type roleRuns struct {
	anyPublic atomic.Bool // set once a public role is added: variable lookups skip the lock before
	mu        sync.Mutex
	ran       map[*Role]map[string]bool
	done      map[*Role]map[string]bool
	publics   map[*Play][]*Role
}

func (rr *roleRuns) public(p *Play) []*Role {
	if !rr.anyPublic.Load() {
		return nil
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.publics[p]
}

func (rr *roleRuns) addPublic(p *Play, r *Role) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.publics == nil {
		rr.publics = map[*Play][]*Role{}
	}
	if !containsRole(rr.publics[p], r) {
		rr.publics[p] = append(rr.publics[p], r)
	}
	rr.anyPublic.Store(true)
}

// markRan records that a task of r ran (ok, changed or failed) on host.
func (rr *roleRuns) markRan(r *Role, host string) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.ran == nil {
		rr.ran = map[*Role]map[string]bool{}
	}
	if rr.ran[r] == nil {
		rr.ran[r] = map[string]bool{}
	}
	rr.ran[r][host] = true
}

// complete ends a mention of r on host: r has run there if one of its
// tasks ran.
func (rr *roleRuns) complete(r *Role, host string) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if !rr.ran[r][host] {
		return
	}
	if rr.done == nil {
		rr.done = map[*Role]map[string]bool{}
	}
	if rr.done[r] == nil {
		rr.done[r] = map[string]bool{}
	}
	rr.done[r][host] = true
}

// skip reports whether a task of r is skipped on host because r has run
// there already and does not allow duplicates.
func (rr *roleRuns) skip(r *Role, host string) bool {
	if r == nil || r.AllowDuplicates {
		return false
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.done[r][host]
}

func containsRole(list []*Role, r *Role) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}
