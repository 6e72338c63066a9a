// Package tasks holds drover's modules (command, shell, copy, file, …) and the
// API they are written against. Each module is one file that registers a Spec
// in an init function; the playbook engine (package playbooks) finds it by
// name, checks the task's arguments at load time, templates them, and calls
// Spec.Run once per host (and per loop item).
//
// # Writing a module (modules live in this package)
//
//	func init() {
//		Register(&Spec{
//			Name: "stat",
//			Args: []Arg{
//				{Name: "path", Aliases: []string{"dest", "name"}, Type: Path, Required: true},
//				{Name: "follow", Type: Bool, Default: false},
//				{Name: "checksum_algorithm", Aliases: []string{"checksum"}, Type: Str,
//					Default: "sha1", Choices: []string{"md5", "sha1", "sha256"}},
//			},
//			Run: runStat,
//		})
//	}
//
//	func runStat(ctx context.Context, c *Call) (*Result, error) {
//		fi, err := c.Conn.Stat(ctx, hostPath(c.Conn, c.Args.Str("path")))
//		...
//		return OK().Set("stat", map[string]any{"exists": true, ...}), nil
//	}
//
// Spec declares the arguments with Ansible's names, aliases, types, choices,
// defaults and required flags, plus MutuallyExclusive and RequiredOneOf
// groups. Unknown arguments are reported when the playbook is loaded, with a
// "did you mean". Modules taking a free form (`command: ls -l`) set
// FreeForm; the string arrives in Args[RawParams] ("_raw_params"). Modules
// that run only on the controller (debug, set_fact, assert) set Controller,
// so no connection to the host is opened for them.
//
// Set NoFiles on a module that never uses the connection's file operations
// (as command, shell, raw, setup and ping do): for plays using any other
// module the engine opens the file channel as soon as a host connects.
// Facts says where returned ansible_facts go (host facts, set_fact or
// include_vars precedence); BypassHostLoop runs an action once for the play
// (pause); Engine marks keywords the engine carries out itself (meta,
// include_tasks, import_tasks, include_role).
//
// # Adding a module
//
// A module is three things, best copied from a module of the same kind
// (stat for a read-only module, lineinfile for a file edit, user for a
// system setting):
//
//  1. tasks/NAME.go: the Spec registered in init and its Run function, the
//     module's own helpers beside it, with unit tests for pure helpers.
//  2. playbooks/testdata/diff/NAME.yml: a playbook using the module's
//     arguments and failure cases. TestDifferential runs it with
//     ansible-playbook and with drover against a real sshd host and
//     compares recaps, registered results and the files left on the host;
//     this is the module's real test (see playbooks/difftest_test.go for
//     the directives a playbook can carry).
//  3. For a module that changes the system (users, services, packages):
//     tests in tasks/ that run it through sysRun (sysmod_helpers_test.go)
//     on a throwaway object (a test user, a unit of its own), as
//     user_test.go and systemd_test.go do.
//
// # What a module receives: Call
//
// Args are already templated and converted to the declared types, under the
// argument's canonical name (never an alias), with defaults applied; read
// them with Args.Str, Bool, Int, List, Strings, Dict and Has.
//
// Conn reaches the target host (the delegated host with delegate_to, with
// become already applied). Local is the controller. Use Call.Run to run a
// command: it adds the task's `environment:`. Check and Diff are the run
// modes; a module honours check mode itself (report what would change, change
// nothing) and, when Diff is set, returns Ansible's diff under
// Values["diff"]: a before/after mapping (with before_header/after_header)
// or a list of them (setDiff; destDiff and srcDiff fill the halves of a
// file-content diff within Ansible's size and binary limits). Eval, Truth, Template and
// Render evaluate Jinja with the task's variables (RenderTemplate renders a
// template file with the template module's Jinja settings and search
// path); Find locates a controller file (src:) beside the playbook or
// role, in its files/ or templates/ directory; Var reads one variable. Eval and Template errors for undefined
// variables match errors.Is(err, ErrUndefined). LoadFile reads a YAML/JSON
// file on the controller (vault aware); Prompt asks at the terminal (nil
// without one). Become holds the become settings already applied to Conn.
//
// # Speed rules
//
// A task costs the round trips it makes. A module must not create
// per-task temporary files on the host, and should use the Conn's file
// operations (Stat, Checksum, Put, Chmod, … — SFTP over the existing
// connection, no process spawned) instead of running commands. Whatever must
// run as a process should be one exec (command/shell/raw are exactly one).
// Put is atomic (temporary name + rename) and takes the final mode, so a
// copy is Checksum + Put, two round trips, with no follow-up chmod.
// HostIdentity (umask, uid, gid, home) is learnt by the first command or
// shell task of a connection at no extra cost; other modules needing it
// before that pay one command.
//
// # State kept for the run
//
// Call.Session is shared by every task of a run: a module keeps there what
// it set up on a host once (package pymodule's agents, the code they
// hold) and registers with OnEnd what must be undone when the run ends;
// the engine ends the session before it closes the connections, also after
// failures and on Ctrl-C. Spec.StartAsync lets a module other than command
// and shell run detached for async with poll: 0.
//
// # What a module returns: Result
//
// Changed, Failed, Skipped and Msg are the common keys; Values holds the
// module's own return values under Ansible's names (rc, stdout, path, mode,
// checksum, …); SetOutput fills stdout/stdout_lines/stderr/stderr_lines.
// Facts become ansible_facts (stored as Spec.Facts says). Result.Registered
// is what `register:` stores. A failure of the module itself is a Result with
// Failed set (Failf); a returned error means the host is unreachable (a
// *transport.UnreachableError) or the context was cancelled, and any other
// error fails the task with the error as message.
//
// # Helpers
//
// Inventory (an InventoryEditor) lets add_host and group_by change the
// run's inventory.
//
// ParseKV splits Ansible's k=v free form (command lines split as Python's
// shlex.split with internal/shlex.Python);
// ToStr, ToBool, ToInt, ToList, toDict convert values with Ansible's rules;
// PyRepr formats values as Python would in messages; Lines is
// str.splitlines; ansibleTime and ansibleDelta format start/end/delta;
// hostPath makes ~/ paths relative to the login directory; exists checks a
// path or glob on the host. StartAsync starts a command or shell task
// detached on the host (async with poll: 0); the async_status module reads
// its job file. PythonInterpreter resolves the host's Python as Ansible
// does (ansible_python_interpreter, interpreter_python, discovery), and
// Result.ReportDiscovery reports a discovery as Ansible's Python modules
// do (the discovered_interpreter_python fact).
package tasks
