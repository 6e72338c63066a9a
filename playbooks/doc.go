// Package playbooks loads and runs Ansible playbooks.
//
// Load reads a playbook with strict YAML (package yamlx): every play, block
// and task key is checked, modules and their arguments are checked against
// the module registry of package tasks (a module drover has no native
// implementation of is found as Ansible finds it and run on the host's
// Python by package tasks/pymodule; see load_module.go), import_playbook,
// import_tasks and
// import_role are expanded, and roles are loaded with their meta/main.yml
// dependencies (roles.go: found in roles/ beside the playbook, the roles
// path, collections; one Role per name and parameters, as Ansible's role
// cache). include_tasks and include_role files are read when they run
// (include.go). Every problem is reported with FILE:LINE:COL, the
// offending lines and a "did you mean". Check then finds what needs no
// host: Jinja syntax errors.
//
// Run runs the plays on an inventory: hosts by pattern and --limit, serial
// batches, forks hosts at a time, the linear strategy (task by task across
// hosts; blocks, rescue and always per host) or free; loops (loop, with_X,
// loop_control), conditionals, register, changed_when/failed_when,
// until/retries, ignore_errors/ignore_unreachable, handlers (notify, listen,
// flush_handlers, once at the end of each section), tags, check and diff
// modes, delegate_to, run_once, no_log, environment, become (through
// Options.WrapBecome), any_errors_fatal and max_fail_percentage, the order
// play keyword, throttle, module_defaults, async/poll (async.go; poll: 0
// with the async_status module), the timeout keyword, --step (Options.Step)
// and ad-hoc tasks (Loader.AdHoc, for drover run -m). add_host and group_by
// change the run's inventory (inventory_edit.go): later plays' patterns,
// groups, group_names and hostvars see the change. A module named by a
// template (action: {module: "{{ m }}"}) is resolved per host. Variables follow Ansible's precedence
// (see vars.go; group_vars/ and host_vars/ beside the playbook too) and are
// templated lazily by package jinja; mappings read from YAML keep their
// order (*jinja.Dict), as Python's dicts do. Each host gets one connection
// for the whole run (Options.Connect is called once per host).
//
// Lookup plugins (lookup.go and lookup_*.go) run on the controller, as
// Ansible's do: lookup(), query() and q() in templates and the with_X loops
// share one plugin table (file, unvault, template, fileglob, first_found,
// csvfile, ini, env, pipe, lines, vars, varnames, inventory_hostnames,
// password, url, items, list, dict, indexed_items, together, nested,
// cartesian, flattened, subelements, sequence, random_choice). As in
// Ansible, their results are unsafe: never templated again. Files are found in the task's
// search path (its roles, its file's directory, the playbook's directory),
// and vault-encrypted ones are decrypted in memory.
//
// What happens is reported to an Output: TextOutput prints for people
// (a live progress line per task on a terminal, results folded by host,
// PLAY RECAP), JSONOutput streams one JSON event per line. Stats are the
// recap counters, counted as Ansible counts them; Stats.ExitCode is the exit
// status they call for.
//
// The differential harness (difftest_test.go) runs every playbook of
// testdata/diff with ansible-playbook and with Run and compares recaps,
// debug output and files; drop a playbook there to have it compared.
package playbooks
