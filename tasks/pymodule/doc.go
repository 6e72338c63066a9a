// Package pymodule runs the Ansible modules drover has no native
// implementation for: a role's or playbook's library/ modules, collection
// modules and ansible-core's own, on the host's Python, as Ansible does.
//
// # Finding modules
//
// A Finder looks a task's module name up as Ansible 2.14's module loader
// does: an unqualified name in the collections of the task's `collections:`
// keyword, then as ansible.legacy: the library/ directories beside the
// playbooks and roles loaded so far (in that order), the configured library
// paths (ANSIBLE_LIBRARY) with their subdirectories, then the installed
// ansible-core's modules: the first directory with a file of that name
// (any extension but the ignored ones) wins. ansible.builtin.NAME is ansible-core's only;
// NS.COLL.NAME is found in the collection paths (beside the playbook,
// ANSIBLE_COLLECTIONS_PATH, the installed ansible_collections package).
// Redirects, deprecations and tombstones of a collection's
// meta/runtime.yml, and ansible-core's routing of old short names to
// collections, are followed. Module reports where the module came from and
// whether it is ansible-core's own (for which drover's native module, when
// it has one, runs instead).
//
// # Running them
//
// Spec makes a tasks.Spec whose Run sends the module to the host and runs
// it. A Python module (Ansible's "new style") travels with the module_utils
// it imports, found by reading its imports as AnsiballZ does, as one zip;
// the arguments carry Ansible's _ansible_* keys. On each host (connection
// and interpreter) one agent process, started on the first such task,
// keeps a temporary directory for the run: each payload is sent to it once
// and unpacked there, and each task is one request to the agent, which
// forks a child that runs the module with the task's arguments, environment
// and working directory, and returns its exit status and output. The
// module's JSON result is read as Ansible reads it. At the end of the run
// (also after failures and on Ctrl-C) the agents are told to stop; each
// removes its directory. Old-style, WANT_JSON, binary and other non-Python
// modules run as Ansible runs them: the module and an arguments file in a
// temporary directory, one command per task.
//
// The interpreter is ansible_python_interpreter, or found by Ansible's
// interpreter discovery (auto, auto_silent, auto_legacy,
// auto_legacy_silent), reported as the discovered_interpreter_python fact.
package pymodule
