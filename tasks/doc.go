// Package tasks holds drover's modules (command, shell, copy, file, …) and the
// API they are written against. Each module is one file that registers a Spec
// in an init function; the playbook engine (package playbooks) finds it by
// name, checks the task's arguments at load time, templates them, and calls
// Spec.Run once per host (and per loop item).
//
// # Writing a module
//
//	func init() {
//		tasks.Register(&tasks.Spec{
//			Name: "stat",
//			Args: []tasks.Arg{
//				{Name: "path", Aliases: []string{"dest", "name"}, Type: tasks.Path, Required: true},
//				{Name: "follow", Type: tasks.Bool, Default: false},
//				{Name: "checksum_algorithm", Aliases: []string{"checksum"}, Type: tasks.Str,
//					Default: "sha1", Choices: []string{"md5", "sha1", "sha256"}},
//			},
//			Run: runStat,
//		})
//	}
//
//	func runStat(ctx context.Context, c *tasks.Call) (*tasks.Result, error) {
//		fi, err := c.Conn.Stat(ctx, tasks.HostPath(c.Conn, c.Args.Str("path")))
//		...
//		return tasks.OK().Set("stat", map[string]any{"exists": true, ...}), nil
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
// nothing) and fills Result.Diff when Diff is set. Eval, Truth, Template and
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
// ToStr, ToBool, ToInt, ToList, ToDict convert values with Ansible's rules;
// PyRepr formats values as Python would in messages; Lines is
// str.splitlines; AnsibleTime and AnsibleDelta format start/end/delta;
// HostPath makes ~/ paths relative to the login directory; Exists checks a
// path or glob on the host. StartAsync starts a command or shell task
// detached on the host (async with poll: 0); the async_status module reads
// its job file.
package tasks
