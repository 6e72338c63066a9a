package playbooks

import (
	"fmt"

	"github.com/drover/drover/internal/pyplugin"
	"github.com/drover/drover/tasks"
)

// Pos is a place in a playbook file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Playbook is a loaded playbook: its plays, with import_playbook expanded.
type Playbook struct {
	Path  string // as given
	Dir   string // absolute directory of Path
	Plays []*Play
	// plugins are the Python plugins of the loader that read it.
	plugins *pyplugin.Plugins
}

// Play is one play. Keyword values are kept as written (templated at run
// time); Kw holds the keywords tasks inherit (become, environment, ...).
type Play struct {
	Pos   Pos
	Name  string
	Hosts []string // patterns, joined with ':' as Ansible does for a list
	Dir   string   // directory of the file the play is in (playbook_dir)

	Vars       map[string]any
	VarsFiles  []any // file names, or lists of alternatives
	VarsPrompt []Prompt

	GatherFacts       any // bool or template; nil means true
	GatherSubset      any
	GatherTimeout     any
	FactPath          any
	Serial            any // number, percent string, or list of them
	MaxFailPercentage any
	Strategy          string
	ForceHandlers     *bool // nil: as the run says (--force-handlers)
	Order             string

	PreTasks, Tasks, PostTasks, Handlers []*Task
	// Roles are the play's roles as role_names lists them: each entry of
	// roles: (a repeated entry once per mention) and each import_role, in
	// load order. Their variables are visible to the whole play.
	Roles []*Role
	// RoleBlocks are the tasks of roles:, one block per entry, each holding
	// its dependencies' blocks before its own tasks.
	RoleBlocks []*Task

	roleCache map[string]*Role // roles loaded for this play, by roleKey
	// roleImports are the import_role tasks in load order, with their
	// roles; handlersLinked the roles whose handler blocks have their
	// parent (see linkRoleHandlers).
	roleImports    []roleImport
	handlersLinked map[*Role]bool

	// Kw are the keywords inherited by tasks: become*, remote_user,
	// connection, environment, tags, when (from import_playbook),
	// check_mode, diff, ignore_errors, ignore_unreachable, no_log,
	// any_errors_fatal, run_once, module_defaults, ...
	Kw map[string]any
}

// Prompt is one vars_prompt entry.
type Prompt struct {
	Name, Prompt, Default string
	HasDefault            bool // default: was given (Default may be "")
	Private               bool
	Confirm               bool
	Encrypt               string // a password_hash hash type
	SaltSize              int    // 0: the hash type's default
	Salt                  string
	Unsafe                bool
}

// Task is a task, a handler, or a block (Block, Rescue and Always set, or an
// import_tasks expanded at load time).
type Task struct {
	Pos  Pos
	Name string

	// Action is the module's short name ("command"); "" for a block.
	Action string
	// ActionAs is the module's name as the task wrote it
	// ("ansible.builtin.command").
	ActionAs string
	Spec     *tasks.Spec
	// Args are the module's arguments as written; a free form is under
	// "_raw_params". ArgsTemplate is set when args: is a template string
	// that yields the whole mapping.
	Args         map[string]any
	ArgsTemplate string
	// actionTemplate is set when action: or local_action: names the
	// module with a template: the module is found when the task runs.
	actionTemplate *actionTemplate
	// actionErr fails the task on every host: its templated module name
	// did not give a module.
	actionErr string
	// ArgOrder are the argument names in the order a mapping wrote them.
	ArgOrder []string

	IsBlock               bool
	Block, Rescue, Always []*Task

	// Loop is the loop value (loop:, or with_X: with LoopWith "X").
	Loop     any
	HasLoop  bool
	LoopWith string

	Register string
	Notify   []string
	// notifyWhole is set when notify: is one string: a template there may
	// give a list of names.
	notifyWhole bool
	Listen      []string // handlers only
	Handler     bool

	// Kw are the remaining keywords as written (when, changed_when,
	// failed_when, until, retries, delay, ignore_errors, tags, become*,
	// delegate_to, run_once, no_log, check_mode, diff, environment, vars,
	// loop_control, ...).
	Kw map[string]any

	Parent *Task // the enclosing block or import
	Play   *Play
	Role   *Role
	Dir    string // directory of the file the task is in
	// Import is the file an expanded import_tasks block came from, or the
	// directory of the role a role block runs.
	Import string
	// RoleBlock marks the block that runs one mention of a role (its
	// dependencies' blocks, then its tasks); the role is complete for a
	// host when it ends.
	RoleBlock bool
	// includedBy is the include_tasks/include_role task a block of
	// included tasks stands for (its position among its siblings).
	includedBy *Task
	// ID numbers tasks of a run, in load order.
	ID int
}

// Role is a role loaded for a play: by roles:, a dependency in
// meta/main.yml, import_role or include_role. One Role stands for every
// mention with the same name, parameters, keywords and entry files, as
// Ansible's role cache does; each mention runs it again only when it allows
// duplicates.
type Role struct {
	Name     string
	Path     string // the role's directory
	Pos      Pos
	Params   map[string]any // role parameters (keys of the entry that are no keyword)
	Vars     map[string]any // vars/main.yml (or vars_from)
	Defaults map[string]any // defaults/main.yml (or defaults_from)
	// EntryVars are the vars: of the roles: entry or of the include_role
	// task; they rank with the role's vars.
	EntryVars map[string]any
	Deps      []*Role // meta/main.yml dependencies, in order
	// AllowDuplicates lets the role run again where it is mentioned again
	// (meta/main.yml allow_duplicates; include_role/import_role default to
	// true).
	AllowDuplicates bool
	Handlers        []*Task
	Kw              map[string]any // when, tags, become ... given with the role
	// ArgSpecs are the meta/argument_specs.yml entry points (or
	// meta/main.yml argument_specs), by name.
	ArgSpecs map[string]any

	files roleFiles
}

// DisplayName is the task's name as output shows it: its name, or the module
// and its arguments as Ansible shows a task without a name.
func (t *Task) DisplayName() string {
	if t.Name != "" {
		return t.Name
	}
	if t.IsBlock {
		return "block"
	}
	return t.Action
}

// kw returns a keyword of the task, of its enclosing blocks, role or play
// (the nearest wins) and whether it was set anywhere.
func (t *Task) kw(name string) (any, bool) {
	for x := t; x != nil; x = x.Parent {
		if v, ok := x.Kw[name]; ok {
			return v, true
		}
	}
	if t.Play != nil {
		v, ok := t.Play.Kw[name]
		return v, ok
	}
	return nil, false
}

// notify is the task's notify:, or that of the nearest enclosing import
// or block that has one (an import_tasks with notify: notifies for each of
// its tasks).
func (t *Task) notify() ([]string, bool) {
	for x := t; x != nil; x = x.Parent {
		if len(x.Notify) > 0 {
			return x.Notify, x.notifyWhole
		}
	}
	return nil, false
}

// chain lists the values of a keyword from the play down to the task, for
// keywords that accumulate (when, tags, vars, environment).
func (t *Task) chain(name string) []any {
	var rev []any
	for x := t; x != nil; x = x.Parent {
		if v, ok := x.Kw[name]; ok {
			rev = append(rev, v)
		}
	}
	if t.Play != nil {
		if v, ok := t.Play.Kw[name]; ok {
			rev = append(rev, v)
		}
	}
	out := make([]any, len(rev))
	for i, v := range rev {
		out[len(rev)-1-i] = v
	}
	return out
}
