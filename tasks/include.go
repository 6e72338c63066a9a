package tasks

// The task-level includes are carried out by the playbook engine; their specs
// let the loader check their arguments.
func init() {
	includeArgs := []Arg{{Name: "file", Type: Str}, {Name: "apply", Type: Dict}}
	// The loader checks their options itself, with Ansible's messages; a
	// legacy include's other arguments are variables for the included tasks.
	Register(&Spec{Name: "include_tasks", Args: includeArgs, FreeForm: FreeFormOptional, AnyArgs: true, Engine: true, Controller: true})
	Register(&Spec{Name: "include", Args: includeArgs[:1], FreeForm: FreeFormOptional, AnyArgs: true, Engine: true, Controller: true})
	Register(&Spec{Name: "import_tasks", Args: includeArgs, FreeForm: FreeFormOptional, AnyArgs: true, Engine: true, Controller: true})
	roleArgs := []Arg{{Name: "name", Type: Str}, {Name: "role", Type: Str}, {Name: "tasks_from", Type: Str},
		{Name: "vars_from", Type: Str}, {Name: "defaults_from", Type: Str}, {Name: "handlers_from", Type: Str},
		{Name: "allow_duplicates", Type: Bool}, {Name: "public", Type: Bool}, {Name: "apply", Type: Dict},
		{Name: "rolespec_validate", Type: Bool}}
	Register(&Spec{Name: "include_role", Args: roleArgs, Engine: true, Controller: true})
	Register(&Spec{Name: "import_role", Args: roleArgs, Engine: true, Controller: true})
}
