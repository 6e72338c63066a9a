package playbooks

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/drover/drover/internal/fqcn"
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/suggest"
	"github.com/drover/drover/tasks"
)

// Lookup plugins, as Ansible 2.14 runs them: lookup('name', terms…,
// options…) in templates (a comma-joined string unless wantlist=True),
// query()/q() (always a list), and the with_<name> loops. They run on the
// controller; files are found in the task's search path (see
// lookup_path.go).

// lookupFunc runs a plugin over its terms with its keyword options.
type lookupFunc func(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error)

// lookupPlugin is one lookup plugin.
type lookupPlugin struct {
	run lookupFunc
	// options are the keyword options the plugin reads; others are
	// ignored with a warning, as Ansible ignores them.
	options []string
}

// lookupPlugins are the plugins drover carries out, by short name.
var lookupPlugins = map[string]lookupPlugin{
	"file":                {lookupFile, []string{"lstrip", "rstrip"}},
	"unvault":             {lookupUnvault, nil},
	"env":                 {lookupEnv, []string{"default"}},
	"pipe":                {lookupPipe, nil},
	"lines":               {lookupLines, nil},
	"template":            {lookupTemplate, templateLookupOptions},
	"vars":                {lookupVars, []string{"default"}},
	"fileglob":            {lookupFileglob, nil},
	"first_found":         {lookupFirstFound, []string{"files", "paths", "skip"}},
	"items":               {lookupItems, nil},
	"list":                {lookupList, nil},
	"dict":                {lookupDict, nil},
	"indexed_items":       {lookupIndexedItems, nil},
	"together":            {lookupTogether, nil},
	"nested":              {lookupNested, nil},
	"sequence":            {lookupSequence, nil},
	"subelements":         {lookupSubelements, []string{"skip_missing"}},
	"random_choice":       {lookupRandomChoice, nil},
	"password":            {lookupPassword, passwordParams},
	"inventory_hostnames": {lookupInventoryHostnames, nil},
	"url":                 {lookupURL, urlOptions},
	"csvfile":             {lookupCsvfile, csvfileOptions},
	"ini":                 {lookupIni, iniOptions},
	"flattened":           {lookupFlattened, nil},
	"cartesian":           {lookupCartesian, nil},
	"varnames":            {lookupVarnames, nil},
}

// lookupAliases are the fully qualified names of the plugins.
var lookupAliases = map[string]string{
	"community.general.flattened": "flattened",
	"community.general.cartesian": "cartesian",
}

// lookupNames lists the plugin names, sorted (with_X loops, suggestions).
func lookupNames() []string {
	out := make([]string, 0, len(lookupPlugins))
	for n := range lookupPlugins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// canonicalLookup maps a plugin name as written (file,
// ansible.builtin.file, ansible.legacy.file,
// community.general.flattened) to its short name; ok is false for a
// plugin drover does not have.
func canonicalLookup(name string) (string, bool) {
	name = fqcn.Short(name)
	if a, ok := lookupAliases[name]; ok {
		name = a
	}
	_, ok := lookupPlugins[name]
	return name, ok
}

// unknownLookup is the error for a plugin name drover does not have.
func unknownLookup(name string) error {
	if hint := suggest.Hint(name, lookupNames()); hint != "" {
		return fmt.Errorf("lookup plugin (%s) not found%s", name, hint)
	}
	return fmt.Errorf("lookup plugin (%s) not found; drover has: %s", name, strings.Join(lookupNames(), ", "))
}

// lookupError is an error a plugin raises: an AnsibleLookupError (class
// ""), whose message is shown as it is, or another exception, which
// Ansible reports as unhandled with its Python class. Options errors
// always fail; the others obey the errors= option of lookup()/query().
type lookupError struct {
	msg     string
	class   string // Python class of an exception the plugin did not handle
	options bool   // AnsibleOptionsError: invalid options, never ignored
}

func (e *lookupError) Error() string { return e.msg }

// lookupErrorf is an AnsibleLookupError.
func lookupErrorf(format string, args ...any) error {
	return &lookupError{msg: fmt.Sprintf(format, args...)}
}

// unhandledErrorf is an AnsibleError raised by a plugin.
func unhandledErrorf(format string, args ...any) error {
	return &lookupError{msg: fmt.Sprintf(format, args...), class: "ansible.errors.AnsibleError"}
}

// optionsErrorf is an AnsibleOptionsError.
func optionsErrorf(format string, args ...any) error {
	return &lookupError{msg: fmt.Sprintf(format, args...), options: true}
}

// lookupCtx is where a lookup runs.
type lookupCtx struct {
	name string
	ps   *playState
	s    *scope // nil when templating play keywords
	vars jinja.Vars
	// subdir is where first_found looks: "files", or "templates"/"vars"
	// in a with_first_found loop of a template/include_vars task.
	subdir string
}

// env is the run's template environment.
func (lc *lookupCtx) env() *jinja.Env { return lc.ps.run.env }

// task is the task the lookup runs for, nil at play level.
func (lc *lookupCtx) task() *Task {
	if lc.s == nil {
		return nil
	}
	return lc.s.task
}

// warn shows a warning of the run.
func (lc *lookupCtx) warn(msg string) { lc.ps.run.out.Warn(msg) }

// basedir is the loader's base directory in Ansible: the directory of the
// playbook file the play is in.
func (lc *lookupCtx) basedir() string { return lc.ps.play.Dir }

// lookupMarker lets lookups called from play-level templates (hosts,
// vars_files names, serial…) find their play: it holds no variables.
type lookupMarker struct{ ps *playState }

// Lookup never finds a variable.
func (lookupMarker) Lookup(string) (any, bool) { return nil, false }

// lookupContext finds the play and scope behind a render's variables.
func lookupContext(v jinja.Vars) (*playState, *scope) {
	switch x := v.(type) {
	case *scope:
		return x.ps, x
	case hostView:
		return x.s.ps, x.s
	case lookupMarker:
		return x.ps, nil
	case jinja.ChainVars:
		for _, e := range x {
			if ps, s := lookupContext(e); ps != nil {
				return ps, s
			}
		}
	}
	return nil, nil
}

// registerLookups adds lookup(), query() and q() to a template
// environment. They find their run through the variables of the render, so
// one environment may serve several runs.
func registerLookups(env *jinja.Env) {
	env.AddGlobal("lookup", jinja.CtxFunc(func(c *jinja.Call, args []any, kw map[string]any) (any, error) {
		return callLookup(c, args, kw, false)
	}))
	for _, name := range []string{"query", "q"} {
		env.AddGlobal(name, jinja.CtxFunc(func(c *jinja.Call, args []any, kw map[string]any) (any, error) {
			return callLookup(c, args, kw, true)
		}))
	}
}

// callLookup is Ansible's Templar._lookup: it runs the plugin over the
// call's terms and shapes the result (wantlist, errors, allow_unsafe).
func callLookup(c *jinja.Call, args []any, kw map[string]any, query bool) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("lookup() needs the name of a lookup plugin")
	}
	raw, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("the lookup plugin name must be a string, got %s", tasks.PyRepr(jinja.ToPlain(args[0])))
	}
	name, ok := canonicalLookup(raw)
	ps, s := lookupContext(c.Vars())
	if !ok && ps != nil && ps.run.loader.pythonLookup(raw) {
		name, ok = raw, true
	}
	if !ok {
		return nil, unknownLookup(raw)
	}
	if ps == nil {
		return nil, fmt.Errorf("lookup('%s') is not available in this template", raw)
	}
	opts := lookupOpts{}
	for k, v := range kw {
		opts[k] = v
	}
	wantlist, err := opts.pop("wantlist", query)
	if err != nil {
		return nil, err
	}
	wantlist = wantlist || query
	allowUnsafe, err := opts.pop("allow_unsafe", false)
	if err != nil {
		return nil, err
	}
	mode := "strict"
	if v, ok := opts["errors"]; ok {
		mode, _ = tasks.ToStr(jinja.ToPlain(v))
		delete(opts, "errors")
	}
	lc := &lookupCtx{name: name, ps: ps, s: s, vars: c.Vars(), subdir: "files"}
	terms, err := literalTerms(c, lc, args[1:])
	if err != nil {
		return nil, err
	}
	ran, err := runLookup(lc, terms, opts)
	if err != nil {
		if !ignorable(err) {
			return nil, err
		}
		return lookupFailed(lc, err, mode, wantlist)
	}
	if len(ran) > 0 && !allowUnsafe {
		c.MarkUnsafe() // as Ansible wraps a lookup's result: never templated again
	}
	return shapeLookup(ran, wantlist, allowUnsafe), nil
}

// literalTerms renders the template markers in terms written as string
// literals, as Ansible templates a lookup's terms before running it
// (lookup('file', '{{ playbook_dir }}/x')). Values of variables are not
// rendered again: they were when read, and registered results or lookup
// output must never be.
func literalTerms(c *jinja.Call, lc *lookupCtx, terms []any) ([]any, error) {
	var out []any
	for i, t := range terms {
		str, ok := t.(string)
		if !ok || !c.LiteralArg(i+1) || !strings.Contains(str, "{") {
			continue
		}
		v, err := lc.env().Template(str, lc.vars)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = append([]any(nil), terms...)
		}
		out[i] = jinja.ToPlain(v)
	}
	if out == nil {
		return terms, nil
	}
	return out, nil
}

// runLookup runs the named plugin, after warning about options it does not
// read.
func runLookup(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	p, ok := lookupPlugins[lc.name]
	if !ok {
		return lookupPython(lc, terms, opts)
	}
	for k := range opts {
		if !contains(p.options, k) {
			lc.warn(fmt.Sprintf("lookup('%s'): unknown option %q ignored%s", lc.name, k, suggest.Hint(k, p.options)))
		}
	}
	return p.run(lc, terms, opts)
}

// ignorable tells errors that errors=warn|ignore may swallow: not
// undefined variables, not invalid options.
func ignorable(err error) bool {
	var le *lookupError
	if errors.As(err, &le) && le.options {
		return false
	}
	return !jinja.IsUndefined(err)
}

// lookupFailed applies errors=: strict fails, warn and ignore give an
// empty result (None, or [] with wantlist). The messages are Ansible's.
func lookupFailed(lc *lookupCtx, err error, mode string, wantlist bool) (any, error) {
	le, ok := err.(*lookupError)
	if !ok {
		le = &lookupError{msg: err.Error(), class: "ansible.errors.AnsibleError"}
	}
	shown, failure := "Lookup failed but the error is being ignored: "+le.msg, le.msg
	if le.class != "" {
		shown = fmt.Sprintf("An unhandled exception occurred while running the lookup plugin '%s'. Error was a <class '%s'>, original message: %s",
			lc.name, le.class, le.msg)
		failure = shown + ". " + le.msg
	}
	switch mode {
	case "warn":
		lc.warn(shown)
	case "ignore":
	default:
		return nil, errors.New(failure)
	}
	if wantlist {
		return []any{}, nil
	}
	return nil, nil
}

// shapeLookup turns a plugin's list into lookup()'s value: the list with
// wantlist (or allow_unsafe); else its strings joined with commas, its
// only element, or the list when it holds non-strings.
func shapeLookup(ran []any, wantlist, allowUnsafe bool) any {
	if ran == nil {
		ran = []any{}
	}
	if wantlist || allowUnsafe || len(ran) == 0 {
		return ran
	}
	parts := make([]string, len(ran))
	for i, v := range ran {
		s, ok := v.(string)
		if !ok {
			if len(ran) == 1 {
				return ran[0]
			}
			return ran
		}
		parts[i] = s
	}
	return strings.Join(parts, ",")
}

// lookupOpts are a lookup's keyword options.
type lookupOpts map[string]any

// pop removes a boolean option and returns it (def when absent).
func (o lookupOpts) pop(name string, def bool) (bool, error) {
	v, ok := o[name]
	if !ok {
		return def, nil
	}
	delete(o, name)
	b, err := tasks.ToBool(jinja.ToPlain(v))
	if err != nil {
		return false, optionsErrorf("%s: %v", name, err)
	}
	return b, nil
}

// boolOpt reads a boolean option.
func (o lookupOpts) boolOpt(name string, def bool) (bool, error) {
	v, ok := o[name]
	if !ok || v == nil {
		return def, nil
	}
	b, err := tasks.ToBool(jinja.ToPlain(v))
	if err != nil {
		return false, optionsErrorf("Invalid type for configuration option %s: %v", name, err)
	}
	return b, nil
}

// strOpt reads a string option; ok is false when it is absent or None.
func (o lookupOpts) strOpt(name string) (string, bool) {
	v, ok := o[name]
	if !ok || v == nil {
		return "", false
	}
	s, _ := tasks.ToStr(jinja.ToPlain(v))
	return s, true
}

// listOpt reads a list option as Ansible's config does: a string is split
// on commas (each part stripped of spaces and quotes).
func (o lookupOpts) listOpt(name string) []any {
	v, ok := o[name]
	if !ok || v == nil {
		return nil
	}
	if s, isStr := v.(string); isStr {
		var out []any
		for _, part := range strings.Split(s, ",") {
			out = append(out, unquoteOpt(strings.TrimSpace(part)))
		}
		return out
	}
	if l, isList := seqOf(v); isList {
		return l
	}
	return []any{v}
}

// unquoteOpt removes one pair of matching quotes around a config value.
func unquoteOpt(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
