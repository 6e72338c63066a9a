package playbooks

import (
	"fmt"

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
	Serial            any // number, percent string, or list of them
	MaxFailPercentage any
	Strategy          string
	ForceHandlers     bool
	Order             string

	PreTasks, Tasks, PostTasks, Handlers []*Task
	Roles                                []*Role
	// ImportedRoles are roles brought in by import_role/include_role tasks:
	// their tasks are in those tasks' blocks; their handlers and variables
	// belong to the play.
	ImportedRoles []*Role

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
	// ActionTemplate is set when the module's name is a template
	// (action: {module: "{{ m }}"}): each host's run resolves it.
	ActionTemplate string
	Spec           *tasks.Spec
	// Args are the module's arguments as written; a free form is under
	// "_raw_params". ArgsTemplate is set when args: is a template string
	// that yields the whole mapping.
	Args         map[string]any
	ArgsTemplate string
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
	Listen   []string // handlers only
	Handler  bool

	// Kw are the remaining keywords as written (when, changed_when,
	// failed_when, until, retries, delay, ignore_errors, tags, become*,
	// delegate_to, run_once, no_log, check_mode, diff, environment, vars,
	// loop_control, ...).
	Kw map[string]any

	Parent *Task // the enclosing block or import
	Play   *Play
	Role   *Role
	Dir    string // directory of the file the task is in
	// Import is the file an expanded import_tasks block came from.
	Import string
	// ID numbers tasks of a run, in load order.
	ID int
}

// Role is a role applied by a play's roles: section.
type Role struct {
	Name     string
	Path     string // the role's directory
	Pos      Pos
	Params   map[string]any // role parameters (vars given in roles:)
	Defaults map[string]any // defaults/main.yml
	Vars     map[string]any // vars/main.yml
	Tasks    []*Task
	Handlers []*Task
	Kw       map[string]any // when, tags, become ... given in roles:
	from     *Task          // the import_role/include_role task, nil for roles:
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

// notifies are the handlers the task notifies: its own notify, or that of
// the nearest enclosing block that has one.
func (t *Task) notifies() []string {
	for x := t; x != nil; x = x.Parent {
		if len(x.Notify) > 0 {
			return x.Notify
		}
	}
	return nil
}

// kw returns a keyword of the task, of its enclosing blocks, role or play
// (the nearest wins) and whether it was set anywhere.
func (t *Task) kw(name string) (any, bool) {
	for x := t; x != nil; x = x.Parent {
		if v, ok := x.Kw[name]; ok {
			return v, true
		}
		if x.Parent == nil && x.Role != nil {
			if v, ok := x.Role.Kw[name]; ok {
				return v, true
			}
		}
	}
	if t.Play != nil {
		v, ok := t.Play.Kw[name]
		return v, ok
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
		if x.Parent == nil && x.Role != nil {
			if v, ok := x.Role.Kw[name]; ok {
				rev = append(rev, v)
			}
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
