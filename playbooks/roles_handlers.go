package playbooks

// roleImport is an import_role task and the role it imports.
type roleImport struct {
	role *Role
	task *Task
}

// linkRoleHandlers gives the handler blocks of the play's roles their
// parents, whose keywords they inherit, as Ansible compiles role handlers
// once per play: first the roles import_role brings in, in load order,
// under their import_role task (a later import of the same role takes its
// handlers under it); then the roles of roles:, in order, under nothing. A
// role's dependencies sit under the handler block of the first role
// reached that depends on them; a role reached again keeps its parent.
func linkRoleHandlers(p *Play) {
	for _, ri := range p.roleImports {
		p.linkHandlers(ri.role, ri.task)
		ri.role.Handlers[0].Parent = ri.task
	}
	for _, r := range p.Roles {
		p.linkHandlers(r, nil)
	}
}

// linkHandlers puts r's handler block, and those of its dependencies not
// linked yet, under parent unless r was linked already.
func (p *Play) linkHandlers(r *Role, parent *Task) {
	if p.handlersLinked[r] {
		return
	}
	if p.handlersLinked == nil {
		p.handlersLinked = map[*Role]bool{}
	}
	p.handlersLinked[r] = true
	r.Handlers[0].Parent = parent
	for _, d := range r.Deps {
		p.linkHandlers(d, r.Handlers[0])
	}
}
