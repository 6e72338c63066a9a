package tasks

import (
	"context"
	"errors"
	"maps"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/transport"
)

// Call is everything a module needs to run on one host: its arguments, the
// connections, the run's modes and the task's variables.
type Call struct {
	// Module is the module's short name; Task the task's name.
	Module, Task string
	// ModuleAs is the module's name as the task wrote it
	// ("ansible.builtin.expect"), for messages that quote it.
	ModuleAs string
	// Host is the inventory name of the host the task runs for.
	Host string
	// Args are the templated, converted arguments (see Spec.Prepare).
	Args Args

	// Conn reaches the host the task acts on: the task's host, or the host it
	// is delegated to; become is already applied to it. Nil for Controller
	// modules.
	Conn transport.Conn
	// Local is the controller (for modules reading src files, fetch, ...).
	Local transport.Conn
	// Connect returns the connection to the host Conn reaches, become
	// applied, opening it when it is not open; with fresh, the open one is
	// closed first and a new one opened, which the run's later tasks use
	// too (reboot, wait_for_connection). Nil for Controller modules.
	Connect func(ctx context.Context, fresh bool) (transport.Conn, error)
	// TTY is set when Conn gives raw and script commands a terminal, as
	// Ansible's ssh connection does (ssh -tt): their stderr then arrives in
	// stdout and lines end in "\r\n".
	TTY bool

	// Check is --check (or the task's check_mode); a module then reports
	// what it would change and changes nothing. Diff is --diff.
	Check, Diff bool
	// Verbosity is the number of -v given.
	Verbosity int
	// OutputLimit is the most bytes of each of a command's stdout and
	// stderr that Run keeps; 0 is the package's OutputLimit.
	OutputLimit int64
	// Become are the task's privilege escalation settings; Conn already
	// runs as Become.User when Become.Enabled.
	Become Become
	// Environment is the task's `environment:` (play, block and task merged).
	Environment map[string]string

	// Var looks a variable up by name, templated; ok is false when it is
	// undefined.
	Var func(name string) (v any, ok bool)
	// Eval evaluates a bare Jinja expression ("x | length > 2") with the
	// task's variables.
	Eval func(expr string) (any, error)
	// Truth evaluates a conditional (`when`, `that`) to a boolean.
	Truth func(expr string) (bool, error)
	// Template templates every string inside v with the task's variables; a
	// string that is exactly one {{ expression }} becomes its native value.
	Template func(v any) (any, error)
	// Render renders a template file's text (the template module), with
	// extra variables on top of the task's.
	Render func(text string, extra map[string]any) (string, error)
	// RenderTemplate renders a template file for the template module: name
	// is its path on the controller (errors read name:line:col, and
	// {% include %} and {% import %} find templates beside it and in the
	// role's and playbook's templates/ directories), with the Jinja
	// settings opts and extra variables on top of the task's.
	RenderTemplate func(name, text string, extra map[string]any, opts TemplateOptions) (string, error)
	// Find locates a controller file named by a task: kind "files",
	// "templates" or "vars" also searches those directories beside the
	// playbook (and role). It returns an absolute path.
	Find func(kind, name string) (string, error)
	// LoadFile reads a YAML or JSON file on the controller (decrypting vault
	// data) into plain values.
	LoadFile func(path string) (any, error)
	// Vault decrypts the content of a vault-encrypted controller file (a
	// copy, template, script or unarchive source) in memory, registering
	// the plaintext as secret; name is the file, for errors. Nil when the
	// run has no vault password. Modules read such files with
	// ReadControllerFile.
	Vault func(name string, data []byte) ([]byte, error)
	// Prompt asks the person at the terminal; nil when there is none.
	Prompt func(ctx context.Context, prompt string, echo bool) (string, error)
	// RunModule runs another module on the task's host for this module
	// (gather_facts runs the fact modules): name resolved as a task's
	// module name is, the task's module_defaults for it under args, with
	// this call's connection, modes and variables. Nil outside a run.
	RunModule func(ctx context.Context, name string, args map[string]any) (*Result, error)
	// FactsModules are the fact modules gather_facts runs where the
	// variable ansible_facts_modules does not say (facts_modules); nil
	// means smart.
	FactsModules []string
	// InterpreterPython is interpreter_python as configured ("" is auto):
	// the native modules that stand in for Python ones report discovery
	// (see PythonInterpreter) as those do.
	InterpreterPython string

	// Redactor holds the run's secrets (vault values, passwords); a module
	// that learns more secrets (expect's secret answers) adds them so that
	// output masks them too. Nil when the caller masks nothing.
	Redactor *redact.Redactor
	// NoLog is the task's no_log: the module treats what it sends as secret.
	NoLog bool
	// Session is the run's shared state (see Session); nil outside a run.
	Session *Session
	// Inventory changes the run's inventory (add_host, group_by); nil
	// when the run has none to change.
	Inventory InventoryEditor
	// Jinja2Native is set when the run templates with jinja2_native (the
	// arguments then keep the types templates gave them).
	Jinja2Native bool
}

// InventoryEditor changes the inventory of a running playbook: later plays'
// host patterns, groups, group_names and hostvars see the change at once.
// Each method reports whether anything changed.
type InventoryEditor interface {
	// AddHost adds a host (or updates one): vars merged over its own
	// inventory variables, and membership of groups (created when missing).
	AddHost(name string, groups []string, vars map[string]any) (bool, error)
	// AddToGroup puts the host in group, created under parents (all when
	// none are given) when missing.
	AddToGroup(host, group string, parents []string) (bool, error)
	// SplitAddress splits "host:port" and "[addr]:port" with the
	// inventory's address grammar; ok is false when address is not one.
	SplitAddress(address string) (host string, port int, ok bool)
}

// TemplateOptions are the Jinja settings of the template module.
type TemplateOptions struct {
	TrimBlocks, LstripBlocks bool
	// NewlineSequence ends every line of the output: "\n", "\r" or "\r\n".
	NewlineSequence string
}

// Become are privilege escalation settings (become, become_user,
// become_method, become_flags, the become password).
type Become struct {
	Enabled  bool
	User     string // "root" when empty
	Method   string // "sudo" (default) or "su"
	Flags    string
	Password string
	Exe      string // the program, when not the method's name
}

// RegisterSecretArgs registers with the Redactor the values of the
// arguments spec declares NoLog (url_password, a user's password ...), so
// that they are masked wherever they show, as Ansible hides no_log
// parameters.
func (c *Call) RegisterSecretArgs(spec *Spec) {
	if c.Redactor == nil || spec == nil {
		return
	}
	for _, name := range spec.SecretArgs() {
		if s, ok := c.Args[name].(string); ok {
			c.Redactor.Add(s)
		}
	}
}

// tty is the terminal raw and script commands run on, or nil (see TTY).
func (c *Call) tty() *transport.PTY {
	if !c.TTY {
		return nil
	}
	return &transport.PTY{}
}

// Run runs cmd on the host with the task's environment added. Output the
// command does not send elsewhere is kept up to OutputLimit per stream.
func (c *Call) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if len(c.Environment) > 0 {
		env := maps.Clone(c.Environment)
		maps.Copy(env, cmd.Env)
		cmd.Env = env
	}
	if c.Conn == nil {
		return transport.Result{}, errors.New("module " + c.Module + " has no connection to the host")
	}
	return RunCapped(ctx, c.Conn, cmd, c.OutputLimit)
}
