package tasks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/internal/fqcn"
	"github.com/drover/drover/internal/suggest"
)

// Type is the type an argument is converted to before the module sees it,
// with Ansible's conversions (strings "yes"/"no" to booleans, numbers to
// strings, a comma-separated string to a list, ...).
type Type int

// Argument types, named after Ansible's argument_spec types.
const (
	Raw   Type = iota // any value, unconverted
	Str               // a string; numbers and booleans are converted
	Bool              // yes/no/true/false/on/off/1/0
	Int               // an integer; numeric strings are converted
	Float             // a number
	List              // a list; a string is split on commas
	Dict              // a mapping; "k=v k2=v2" and JSON strings are parsed
	Path              // a string with ~ left for the host to expand
)

var typeNames = map[Type]string{Raw: "raw", Str: "str", Bool: "bool", Int: "int", Float: "float",
	List: "list", Dict: "dict", Path: "path"}

func (t Type) String() string { return typeNames[t] }

// Arg declares one argument of a module.
type Arg struct {
	Name     string
	Aliases  []string
	Type     Type
	Elements Type // the type of each element of a List; Raw when unset
	Required bool
	Choices  []string
	Default  any
	// NoLog marks a secret (a password): its value never reaches output.
	NoLog bool
}

// FreeForm says whether a module takes a free-form string of parameters
// (`command: ls -l /tmp`), stored under the argument "_raw_params".
type FreeForm int

// Free-form kinds.
const (
	NoFreeForm       FreeForm = iota // only k=v pairs
	FreeFormOptional                 // free form allowed (include_vars: file.yml)
	FreeFormCommand                  // command, shell, raw, script: only the command keys are k=v
)

// FactScope says where the ansible_facts a module returns are stored.
type FactScope int

// Fact scopes.
const (
	HostFacts   FactScope = iota // facts of the host (setup): ansible_facts and ansible_* variables
	SetFacts                     // set_fact: host variables above inventory and play vars
	IncludeVars                  // include_vars: host variables at include_vars precedence
)

// Spec declares a module: its names, its arguments and the function that runs
// it. A module registers its Spec in an init function with Register.
type Spec struct {
	// Name is the short name ("command"); ansible.builtin.NAME and
	// ansible.legacy.NAME find it too.
	Name string
	// Aliases are more short names for the same module ("systemd_service").
	Aliases []string
	Args    []Arg
	// FreeForm allows a free-form string; see FreeForm.
	FreeForm FreeForm
	// AnyArgs accepts arguments of any name (set_fact).
	AnyArgs bool
	// MutuallyExclusive lists groups of arguments of which at most one may be
	// given; RequiredOneOf groups of which at least one must be.
	MutuallyExclusive [][]string
	RequiredOneOf     [][]string
	// Controller marks an action that runs on the controller only and needs
	// no connection to the host (debug, set_fact, assert, fail, pause).
	Controller bool
	// NeedsConn, when set on a Controller module, tells from the prepared
	// arguments whether this call needs the host's connection after all (a
	// probe with via: host); the engine then opens it as for any module.
	NeedsConn func(Args) bool
	// Facts is where returned ansible_facts go.
	Facts FactScope
	// BypassHostLoop runs the action once for all hosts of the play, as
	// Ansible runs pause.
	BypassHostLoop bool
	// ConnectsItself marks a module that opens the host's connection
	// itself, with Call.Connect (wait_for_connection, which waits for a host
	// that may be down): the engine does not connect before Run, and
	// Call.Conn is nil until the module sets it.
	ConnectsItself bool
	// NoFiles marks a module that never uses the connection's file
	// operations (command, shell, raw, setup, ping); for plays using any other
	// module the engine starts the file channel (SFTP) as soon as a host is
	// connected, in parallel with the first task.
	NoFiles bool
	// Engine marks a keyword the playbook engine carries out itself (meta,
	// include_tasks, import_tasks, import_playbook); Run is nil.
	Engine bool
	// Validate, when set, checks the arguments as written when the playbook
	// is loaded, before templating: a string holding Jinja ({{ }} or {% %})
	// is not a value yet and must not be judged. An *ArgError naming Arg (and
	// Path inside it) lets the loader point at the value's line and column.
	Validate func(args map[string]any) error
	// StartAsync, when set, starts the module detached on the host for
	// async with poll: 0 (jid names the job, limit its time in seconds) and
	// returns Ansible's started result; async_status reads the job.
	StartAsync func(ctx context.Context, c *Call, jid string, limit int) (*Result, error)
	// Run carries out the module on one host with arguments already templated
	// and converted. A returned error is either a *transport.UnreachableError
	// (the host is unreachable) or ends the task as failed with the error as
	// its message; a module reports its own failures in Result.Failed.
	Run func(ctx context.Context, c *Call) (*Result, error)
}

var (
	regMu    sync.RWMutex
	registry = map[string]*Spec{}
)

// Register adds a module. It panics when a name is taken twice, which is a
// programming error found by any test.
func Register(s *Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, n := range append([]string{s.Name}, s.Aliases...) {
		if _, dup := registry[n]; dup {
			panic("tasks: module " + n + " registered twice")
		}
		registry[n] = s
	}
}

// Lookup finds a module by its short name or its ansible.builtin. or
// ansible.legacy. name.
func Lookup(name string) (*Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := registry[fqcn.Short(name)]
	return s, ok
}

// Names lists every registered short name, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// suggestModule returns the registered module name closest to a misspelled
// name, or "".
func suggestModule(name string) string { return suggest.Name(name, Names()) }

// ArgError is an argument problem found in a task: an unknown or missing
// argument, a wrong type or choice. Arg names the argument ("" when the
// problem is not about one argument); Suggestion is the closest known name.
type ArgError struct {
	Module     string
	Arg        string
	Msg        string
	Suggestion string
	// Path leads from Arg to the value at fault inside it: mapping keys as
	// strings, list positions as ints (set by Spec.Validate).
	Path []any
}

func (e *ArgError) Error() string {
	msg := e.Msg
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg
}

// argNames lists the names and aliases the module accepts.
func (s *Spec) argNames() []string {
	var out []string
	for _, a := range s.Args {
		out = append(out, a.Name)
		out = append(out, a.Aliases...)
	}
	return out
}

// arg finds the declaration of name or of an alias.
func (s *Spec) arg(name string) (*Arg, bool) {
	for i := range s.Args {
		a := &s.Args[i]
		if a.Name == name {
			return a, true
		}
		for _, al := range a.Aliases {
			if al == name {
				return a, true
			}
		}
	}
	return nil, false
}

// CheckNames validates the argument names given to a task, before any value
// is templated: unknown names (with a suggestion), a free form given to a
// module that takes none, arguments given twice through aliases, mutually
// exclusive arguments given together. Loaders call it to report errors at
// load time.
func (s *Spec) CheckNames(names []string) error {
	seen := map[string]string{}
	for _, n := range names {
		if n == RawParams {
			if s.FreeForm == NoFreeForm && !s.AnyArgs {
				return &ArgError{Module: s.Name, Msg: fmt.Sprintf("module %s takes no free-form arguments; give them as key=value", s.Name)}
			}
			continue
		}
		if s.AnyArgs {
			continue
		}
		a, ok := s.arg(n)
		if !ok {
			return &ArgError{Module: s.Name, Arg: n, Msg: fmt.Sprintf("unsupported argument %q for module %s", n, s.Name),
				Suggestion: suggest.Name(n, s.argNames())}
		}
		if prev, dup := seen[a.Name]; dup {
			return &ArgError{Module: s.Name, Arg: n, Msg: fmt.Sprintf("arguments %q and %q of module %s are the same", prev, n, s.Name)}
		}
		seen[a.Name] = n
	}
	return s.checkExclusive(func(name string) bool { _, ok := seen[name]; return ok })
}

func (s *Spec) checkExclusive(given func(string) bool) error {
	for _, group := range s.MutuallyExclusive {
		var both []string
		for _, n := range group {
			if given(n) {
				both = append(both, n)
			}
		}
		if len(both) > 1 {
			return &ArgError{Module: s.Name, Arg: both[1], Msg: "parameters are mutually exclusive: " + strings.Join(both, "|")}
		}
	}
	return nil
}

// RawParams is the argument that holds a free-form string.
const RawParams = "_raw_params"

// Prepare turns templated arguments into the Args a module runs with:
// aliases are resolved to names, defaults applied, values converted to their
// declared types and checked against choices, required and exclusive groups.
func (s *Spec) Prepare(raw map[string]any) (Args, error) {
	if err := s.CheckNames(keys(raw)); err != nil {
		return nil, err
	}
	out := Args{}
	for k, v := range raw {
		if k == RawParams || s.AnyArgs {
			out[k] = v
			continue
		}
		a, _ := s.arg(k)
		cv, err := convertArg(s.Name, a, v)
		if err != nil {
			return nil, err
		}
		out[a.Name] = cv
	}
	for _, a := range s.Args {
		if _, ok := out[a.Name]; ok && out[a.Name] != nil {
			continue
		}
		if a.Required {
			return nil, &ArgError{Module: s.Name, Arg: a.Name, Msg: "missing required arguments: " + a.Name}
		}
		if a.Default != nil {
			out[a.Name] = a.Default
		}
	}
	return out, s.checkOneOf(out)
}

func (s *Spec) checkOneOf(out Args) error {
	for _, group := range s.RequiredOneOf {
		found := false
		for _, n := range group {
			if out.Has(n) {
				found = true
			}
		}
		if !found {
			return &ArgError{Module: s.Name, Msg: "one of the following is required: " + strings.Join(group, ", ")}
		}
	}
	return nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SecretArgs lists the arguments of the module declared NoLog.
func (s *Spec) SecretArgs() []string {
	var out []string
	for _, a := range s.Args {
		if a.NoLog {
			out = append(out, a.Name)
		}
	}
	return out
}
