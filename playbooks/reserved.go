package playbooks

import "sort"

// reservedNames are the names a play-level variable should not take, as
// Ansible warns about them: the keywords of plays, roles, blocks and tasks,
// and the globals of its templating (lipsum, range, lookup, ...).
var reservedNames = map[string]bool{}

func init() {
	for _, n := range []string{"action", "always", "any_errors_fatal", "args", "async", "async_val", "become",
		"become_exe", "become_flags", "become_method", "become_user", "block", "changed_when", "check_mode",
		"collections", "connection", "debugger", "delay", "delegate_facts", "delegate_to", "diff", "environment",
		"fact_path", "failed_when", "force_handlers", "gather_facts", "gather_subset", "gather_timeout", "handlers",
		"hosts", "ignore_errors", "ignore_unreachable", "local_action", "loop", "loop_control", "loop_with",
		"max_fail_percentage", "module_defaults", "name", "no_log", "notify", "order", "poll", "port", "post_tasks",
		"pre_tasks", "register", "remote_user", "rescue", "retries", "roles", "run_once", "serial", "strategy",
		"tags", "tasks", "throttle", "timeout", "until", "vars_files", "vars_prompt", "when", "with_",
		"cycler", "dict", "joiner", "lipsum", "lookup", "namespace", "now", "q", "query", "range", "undef"} {
		reservedNames[n] = true
	}
}

// warnReserved warns, once per name and in name order, about the play-level
// variables (extra vars, the play's vars, its roles' defaults and vars)
// that use a reserved name, as Ansible does when a play starts.
func (r *run) warnReserved(p *Play) {
	found := map[string]bool{}
	check := func(vars map[string]any) {
		for k := range vars {
			if reservedNames[k] {
				found[k] = true
			}
		}
	}
	check(r.opts.ExtraVars)
	check(p.Vars)
	for _, role := range p.Roles {
		check(role.Defaults)
		check(role.Vars)
	}
	names := make([]string, 0, len(found))
	for k := range found {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		r.out.Warn("Found variable using reserved name: " + n)
	}
}
