package playbooks

import "strings"

// Keywords shared by plays, blocks and tasks (Ansible's Base, Become,
// Conditional, Taggable, CollectionSearch).
var commonKeywords = []string{
	"name", "become", "become_exe", "become_flags", "become_method", "become_user",
	"check_mode", "collections", "connection", "debugger", "diff", "environment",
	"ignore_errors", "ignore_unreachable", "module_defaults", "no_log", "port",
	"remote_user", "run_once", "tags", "throttle", "timeout", "vars", "any_errors_fatal",
}

// playKeywords are the keys a play accepts.
var playKeywords = append([]string{
	"hosts", "gather_facts", "gather_subset", "gather_timeout", "fact_path",
	"vars_files", "vars_prompt", "serial", "max_fail_percentage", "strategy",
	"pre_tasks", "tasks", "post_tasks", "handlers", "roles", "force_handlers", "order",
	"user", // the old name of remote_user
}, commonKeywords...)

// blockKeywords are the keys a block accepts.
var blockKeywords = append([]string{
	"block", "rescue", "always", "when", "delegate_to", "delegate_facts", "notify",
}, commonKeywords...)

// taskKeywords are the keys a task accepts besides its module.
var taskKeywords = append([]string{
	"action", "local_action", "args", "async", "poll", "changed_when", "failed_when",
	"delay", "retries", "until", "delegate_to", "delegate_facts", "loop", "loop_control",
	"notify", "register", "when", "listen",
}, commonKeywords...)

// importPlaybookKeywords are the keys an import_playbook entry accepts.
var importPlaybookKeywords = []string{"import_playbook", "ansible.builtin.import_playbook",
	"ansible.legacy.import_playbook", "name", "vars", "tags", "when"}

// loopControlKeys are the keys of loop_control.
var loopControlKeys = []string{"loop_var", "index_var", "label", "pause", "extended", "extended_allitems"}

// withLookups are the with_X loops drover carries out: its lookup
// plugins.
var withLookups = lookupNames()

func isTaskKeyword(k string) bool {
	for _, x := range taskKeywords {
		if x == k {
			return true
		}
	}
	return strings.HasPrefix(k, "with_")
}

// allTaskWords is every key a task may use besides module names, for
// suggestions.
func allTaskWords() []string {
	out := append([]string{}, taskKeywords...)
	for _, w := range withLookups {
		out = append(out, "with_"+w)
	}
	return append(out, "block", "rescue", "always", "include_tasks", "import_tasks")
}

// reservedNames are the names a variable should not take (Ansible warns):
// the attributes of plays, roles, blocks and tasks, and the globals of
// Ansible's Jinja environment.
var reservedNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`action always any_errors_fatal args async async_val become become_exe
		become_flags become_method become_user block changed_when check_mode collections connection debugger
		delay delegate_facts delegate_to diff environment fact_path failed_when force_handlers gather_facts
		gather_subset gather_timeout handlers hosts ignore_errors ignore_unreachable local_action loop
		loop_control loop_with max_fail_percentage module_defaults name no_log notify order poll port
		post_tasks pre_tasks register remote_user rescue retries roles run_once serial strategy tags tasks
		throttle timeout until vars_files vars_prompt when with_
		cycler dict joiner lipsum lookup namespace now q query range undef`) {
		reservedNames[n] = true
	}
}
