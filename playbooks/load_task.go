package playbooks

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// taskCtx is where a task list is being read.
type taskCtx struct {
	play    *Play
	role    *Role
	parent  *Task
	dir     string // directory for relative task files
	handler bool
	// inBlock is set inside a block of handlers, where a nested block
	// is refused as Ansible refuses it.
	inBlock bool
	// dynamic is set inside a file an include loads when it runs: a legacy
	// include there is dynamic too.
	dynamic bool
}

// taskList parses a list of tasks.
func (l *Loader) taskList(f *yamlx.File, n *yaml.Node, tc *taskCtx) ([]*Task, error) {
	n = yamlx.Resolve(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, f.Errorf(n, "a task list must be a list, got a %s", yamlx.KindName(n))
	}
	var out []*Task
	for _, item := range n.Content {
		t, err := l.task(f, yamlx.Resolve(item), tc)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// TaskFile loads a file of tasks (import_tasks, include_tasks).
func (l *Loader) TaskFile(path string, tc *taskCtx, at *yamlx.File, atNode *yaml.Node) ([]*Task, error) {
	f, err := l.file(path)
	if err != nil {
		if at != nil {
			return nil, at.Errorf(atNode, "%v", err)
		}
		return nil, err
	}
	if at != nil {
		if err := l.enter(path, at, atNode); err != nil {
			return nil, err
		}
		defer l.leave()
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	sub := *tc
	sub.dir = filepath.Dir(path)
	return l.taskList(f, f.Docs[0], &sub)
}

// task parses one task, block or import.
func (l *Loader) task(f *yamlx.File, n *yaml.Node, tc *taskCtx) (*Task, error) {
	if n.Kind != yaml.MappingNode {
		return nil, f.Errorf(n, "a task must be a mapping, got a %s", yamlx.KindName(n))
	}
	fields, err := f.Fields(n, "task")
	if err != nil {
		return nil, err
	}
	l.nextID++
	t := &Task{Pos: pos(f, n), Kw: map[string]any{}, Parent: tc.parent, Play: tc.play, Role: tc.role,
		Dir: tc.dir, Handler: tc.handler, ID: l.nextID}
	if isBlock(fields) {
		if tc.handler && tc.inBlock {
			return nil, f.Errorf(n, "Using a block as a handler is not supported.")
		}
		return t, l.block(f, n, fields, t, tc)
	}
	var action *yamlx.Field
	colls := l.fieldCollections(f, fields, t)
	for i := range fields {
		fl := &fields[i]
		if isTaskKeyword(fl.Key) {
			if err := l.taskKeyword(f, t, fl, tc); err != nil {
				return nil, err
			}
			continue
		}
		if err := l.checkActionKey(f, fl, action, tc, colls); err != nil {
			return nil, err
		}
		action = fl
	}
	if err := l.setAction(f, n, t, action, tc); err != nil {
		return nil, err
	}
	return l.expandImport(f, n, t, tc)
}

func isBlock(fields []yamlx.Field) bool {
	for _, fl := range fields {
		if fl.Key == "block" {
			return true
		}
	}
	return false
}

// fieldCollections is the collections keyword a task's fields give, or
// the one it inherits.
func (l *Loader) fieldCollections(f *yamlx.File, fields []yamlx.Field, t *Task) []string {
	for _, fl := range fields {
		if fl.Key == "collections" {
			v, _ := l.value(f, fl.Value)
			return taskCollections(&Task{Kw: map[string]any{"collections": v}})
		}
	}
	return taskCollections(t)
}

// checkActionKey accepts fl as the task's module, or reports an unknown
// keyword or module, or a second module.
func (l *Loader) checkActionKey(f *yamlx.File, fl *yamlx.Field, prev *yamlx.Field, tc *taskCtx, colls []string) error {
	if nf := l.notFound(fl.Key, colls); nf != nil {
		words := append(allTaskWords(), tasks.Names()...)
		if tc.handler {
			words = append(words, "listen")
		}
		hint := ""
		if s, ok := closest(fl.Key, words); ok {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(nf.Looked) > 0 {
			hint = fmt.Sprintf("; drover looked for a module in %s", strings.Join(nf.Looked, ", "))
			if nf.Suggestion != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", nf.Suggestion) + hint
			}
		}
		return f.Errorf(fl.KeyNode, "%q is not a task keyword nor a known module%s", fl.Key, hint)
	}
	if prev != nil {
		return f.Errorf(fl.KeyNode, "conflicting action statements: %s, %s", prev.Key, fl.Key)
	}
	return nil
}

// block parses a block with its rescue and always sections.
func (l *Loader) block(f *yamlx.File, n *yaml.Node, fields []yamlx.Field, t *Task, tc *taskCtx) error {
	t.IsBlock = true
	sub := *tc
	sub.parent, sub.inBlock = t, true
	for _, fl := range fields {
		var err error
		switch fl.Key {
		case "block":
			t.Block, err = l.taskList(f, fl.Value, &sub)
		case "rescue":
			t.Rescue, err = l.taskList(f, fl.Value, &sub)
		case "always":
			t.Always, err = l.taskList(f, fl.Value, &sub)
		default:
			if !contains(blockKeywords, fl.Key) {
				hint := ""
				if s, ok := closest(fl.Key, blockKeywords); ok {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
				return f.Errorf(fl.KeyNode, "%q is not a valid attribute for a block%s", fl.Key, hint)
			}
			err = l.taskKeyword(f, t, &fl, tc)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// taskKeyword stores one keyword of a task, checking its shape.
func (l *Loader) taskKeyword(f *yamlx.File, t *Task, fl *yamlx.Field, tc *taskCtx) error {
	if fl.Key == "loop_control" {
		if _, err := f.Fields(fl.Value, "loop_control", loopControlKeys...); err != nil {
			return err
		}
	}
	v, err := l.value(f, fl.Value)
	if err != nil {
		return err
	}
	switch {
	case fl.Key == "name":
		t.Name, _ = tasks.ToStr(v)
	case fl.Key == "loop":
		t.Loop, t.HasLoop = v, true
	case strings.HasPrefix(fl.Key, "with_"):
		return l.withLoop(f, t, fl, v)
	case fl.Key == "register":
		s, ok := v.(string)
		if !ok || !validVarName(s) {
			return f.Errorf(fl.Value, "Invalid variable name in 'register' specified: '%v' (a name of letters, digits and underscores is expected)", v)
		}
		t.Register = s
	case fl.Key == "notify":
		t.Notify, err = stringList(f, fl.Value, v, "notify")
		_, t.notifyWhole = v.(string)
	case fl.Key == "listen":
		if !tc.handler {
			return f.Errorf(fl.KeyNode, "listen is only valid in handlers")
		}
		t.Listen, err = stringList(f, fl.Value, v, "listen")
	case fl.Key == "tags":
		t.Kw["tags"], err = tagList(f, fl.Value, v)
	case fl.Key == "vars":
		t.Kw["vars"], err = l.varsMap(f, fl.Value, v)
	case fl.Key == "args":
		return setArgsKeyword(f, t, fl, v)
	case fl.Key == "action" || fl.Key == "local_action":
		t.Kw["_"+fl.Key] = fl
	case fl.Key == "module_defaults":
		if err = l.checkModuleDefaults(f, fl.Value, v); err == nil {
			t.Kw[fl.Key] = v
		}
	default:
		t.Kw[fl.Key] = v
	}
	return err
}

func (l *Loader) withLoop(f *yamlx.File, t *Task, fl *yamlx.Field, v any) error {
	name := strings.TrimPrefix(fl.Key, "with_")
	if _, ok := canonicalLookup(name); !ok && !l.pythonLookup(name) {
		hint := ""
		if s, ok := closest(name, withLookups); ok {
			hint = fmt.Sprintf(" (did you mean \"with_%s\"?)", s)
		}
		return f.Errorf(fl.KeyNode, "unknown loop %s%s", fl.Key, hint)
	}
	if t.HasLoop {
		return f.Errorf(fl.KeyNode, "a task can have only one loop (loop or with_*)")
	}
	t.Loop, t.HasLoop, t.LoopWith = v, true, name
	return nil
}

func setArgsKeyword(f *yamlx.File, t *Task, fl *yamlx.Field, v any) error {
	switch x := v.(type) {
	case map[string]any:
		t.Kw["_args"] = x
	case string:
		if !strings.Contains(x, "{{") {
			kv, err := tasks.ParseKV(x, false)
			if err != nil {
				return f.Errorf(fl.Value, "%v", err)
			}
			t.Kw["_args"] = kv
			return nil
		}
		t.ArgsTemplate = x
	case nil:
	default:
		return f.Errorf(fl.Value, "args must be a mapping")
	}
	t.Kw["_argsnode"] = fl.Value
	return nil
}

func stringList(f *yamlx.File, n *yaml.Node, v any, what string) ([]string, error) {
	var out []string
	for _, e := range asList(v) {
		s, ok := e.(string)
		if !ok {
			return nil, f.Errorf(n, "%s must be a string or a list of strings", what)
		}
		out = append(out, s)
	}
	return out, nil
}

// setAction finds the task's module from its module key or its action: /
// local_action: keyword, and parses and checks its arguments.
func (l *Loader) setAction(f *yamlx.File, n *yaml.Node, t *Task, action *yamlx.Field, tc *taskCtx) error {
	var name string
	var argsNode *yaml.Node
	var raw any
	for _, k := range []string{"_action", "_local_action"} {
		fl, ok := t.Kw[k].(*yamlx.Field)
		if !ok {
			continue
		}
		delete(t.Kw, k)
		if action != nil {
			return f.Errorf(fl.KeyNode, "conflicting action statements: %s, %s", action.Key, fl.Key)
		}
		if k == "_local_action" {
			t.Kw["delegate_to"] = "localhost"
		}
		var err error
		if name, raw, argsNode, err = l.actionForm(f, fl); err != nil {
			return err
		}
		action = fl
	}
	if action == nil {
		return f.Errorf(n, "no module/action detected in task (give a module such as command: or debug:)")
	}
	direct := name == "" // module: ARGS, not action: or local_action:
	if direct {
		name, argsNode = action.Key, action.Value
		v, err := l.value(f, action.Value)
		if err != nil {
			return err
		}
		raw = v
	} else if strings.Contains(name, "{{") {
		t.ActionAs, t.actionTemplate = name, &actionTemplate{name: name, raw: raw, node: argsNode}
		return nil
	}
	return l.bindAction(f, n, t, name, raw, argsNode, direct)
}

// bindAction sets the task's module by name with its arguments (raw, as
// written after the name), checked against the module.
func (l *Loader) bindAction(f *yamlx.File, n *yaml.Node, t *Task, name string, raw any, argsNode *yaml.Node, direct bool) error {
	spec, err := l.moduleFor(name, taskCollections(t))
	if err != nil {
		return f.Errorf(argsNode, "%v", err)
	}
	t.Action, t.ActionAs, t.Spec = spec.Name, name, spec
	args, err := moduleArgs(f, argsNode, spec, raw)
	if err != nil {
		return err
	}
	if _, isMap := raw.(map[string]any); isMap && direct {
		ov, err := l.ordered(f, argsNode)
		if err != nil {
			return err
		}
		args, _ = topMap(ov)
	}
	return finishArgs(f, n, t, args, argsNode)
}

// actionForm reads `action: module k=v` or `action: {module: x, k: v}`.
func (l *Loader) actionForm(f *yamlx.File, fl *yamlx.Field) (string, any, *yaml.Node, error) {
	v, err := l.value(f, fl.Value)
	if err != nil {
		return "", nil, nil, err
	}
	switch x := v.(type) {
	case string:
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "{{") { // a templated module name
			if end := strings.Index(x, "}}"); end > 0 {
				return x[:end+2], strings.TrimSpace(x[end+2:]), fl.Value, nil
			}
		}
		name, rest, _ := strings.Cut(x, " ")
		if j := strings.IndexAny(name, "\n\t"); j >= 0 {
			name, rest = name[:j], x[j+1:]
		}
		return name, strings.TrimSpace(rest), fl.Value, nil
	case map[string]any:
		name, _ := x["module"].(string)
		if name == "" {
			return "", nil, nil, f.Errorf(fl.Value, "%s needs a module: key", fl.Key)
		}
		args := map[string]any{}
		for k, a := range x {
			if k != "module" {
				args[k] = a
			}
		}
		return name, args, fl.Value, nil
	}
	return "", nil, nil, f.Errorf(fl.Value, "%s must be a string or a mapping", fl.Key)
}

// moduleArgs turns what follows the module name into an argument mapping.
func moduleArgs(f *yamlx.File, n *yaml.Node, spec *tasks.Spec, raw any) (map[string]any, error) {
	switch x := raw.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	case string:
		args, err := tasks.ParseKV(x, spec.FreeForm == tasks.FreeFormCommand)
		if err != nil {
			return nil, f.Errorf(n, "%v", err)
		}
		return args, nil
	case []any:
		return nil, f.Errorf(n, "arguments of %s must be a mapping or a string, got a list", spec.Name)
	}
	s, _ := tasks.ToStr(raw)
	return map[string]any{tasks.RawParams: s}, nil
}

// finishArgs merges args: into the module's arguments and checks their names.
func finishArgs(f *yamlx.File, n *yaml.Node, t *Task, args map[string]any, argsNode *yaml.Node) error {
	if extra, ok := t.Kw["_args"].(map[string]any); ok {
		merged := map[string]any{}
		for k, v := range extra {
			merged[k] = v
		}
		for k, v := range args {
			merged[k] = v
		}
		args = merged
	}
	delete(t.Kw, "_args")
	if an, ok := t.Kw["_argsnode"].(*yaml.Node); ok {
		if argsNode == nil || len(args) > 0 {
			argsNode = an
		}
		delete(t.Kw, "_argsnode")
	}
	t.Args = args
	if argsNode != nil && argsNode.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(argsNode.Content); i += 2 {
			t.ArgOrder = append(t.ArgOrder, argsNode.Content[i].Value)
		}
	}
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	if err := t.Spec.CheckNames(names); err != nil {
		var ae *tasks.ArgError
		at := argsNode
		if errors.As(err, &ae) && ae.Arg != "" {
			at = keyNode(argsNode, ae.Arg)
		}
		if at == nil {
			at = n
		}
		return f.Errorf(at, "%v", err)
	}
	if t.Spec.Validate != nil && t.ArgsTemplate == "" {
		if err := t.Spec.Validate(jinja.ToPlain(args).(map[string]any)); err != nil {
			return f.Errorf(argErrorNode(argsNode, n, err), "%v", err)
		}
	}
	return nil
}

// argErrorNode is the node an argument error points at: the value its Arg
// and Path lead to, as deep as the YAML goes, or the task.
func argErrorNode(argsNode, task *yaml.Node, err error) *yaml.Node {
	var ae *tasks.ArgError
	if !errors.As(err, &ae) || ae.Arg == "" || argsNode == nil {
		return task
	}
	at := childNode(argsNode, ae.Arg)
	if at == nil {
		return keyNode(argsNode, ae.Arg)
	}
	for _, p := range ae.Path {
		next := childNode(at, p)
		if next == nil {
			break
		}
		at = next
	}
	return at
}

// childNode is the value under a mapping key (a string) or at a list
// position (an int) of n; nil when n has none.
func childNode(n *yaml.Node, p any) *yaml.Node {
	n = yamlx.Resolve(n)
	if n == nil {
		return nil
	}
	switch p := p.(type) {
	case string:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				return n.Content[i+1]
			}
		}
	case int:
		if n.Kind == yaml.SequenceNode && p >= 0 && p < len(n.Content) {
			return n.Content[p]
		}
	}
	return nil
}

// expandImport replaces an import_tasks task (or a legacy include Ansible
// loads statically) by a block holding the tasks of the file, which inherit
// the import's keywords. include_tasks, include_role and a dynamic include
// are left as they are: their files are read when they run.
func (l *Loader) expandImport(f *yamlx.File, n *yaml.Node, t *Task, tc *taskCtx) (*Task, error) {
	if t.Action == "import_role" || t.Action == "include_role" {
		return l.expandRole(f, n, t, tc)
	}
	if t.Action != "import_tasks" && t.Action != "include_tasks" && t.Action != "include" {
		return t, nil
	}
	if err := checkIncludeOptions(t); err != nil {
		return nil, f.Errorf(n, "%v", err)
	}
	name := includeFile(t.Args)
	if name == "" {
		return nil, f.Errorf(n, "No file specified for %s", t.ActionAs)
	}
	if t.Action == "include" {
		legacyIncludeVars(t)
		t.Action = "import_tasks"
		if strings.Contains(name, "{{") || t.HasLoop || tc.dynamic {
			t.Action = "include_tasks"
		}
	}
	if t.Action == "include_tasks" {
		return t, nil
	}
	if t.HasLoop {
		return nil, f.Errorf(n, "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.")
	}
	own := *tc // the import's own vars are known to its file name
	own.parent = t
	name, err := l.staticName(name, &own)
	if err != nil {
		return nil, f.Errorf(n, "Error when evaluating variable in import path: %s.\n\nWhen using static imports, ensure that any variables used in their names are defined in vars/vars_files\nor extra-vars passed in from the command line. Static imports cannot use variables from facts or inventory\nsources like group or host vars. (%v)", includeFile(t.Args), err)
	}
	path := findTaskFile(tc, name)
	sub := *tc
	sub.parent = t
	loaded, err := l.TaskFile(path, &sub, f, n)
	if err != nil {
		return nil, err
	}
	t.IsBlock, t.Block, t.Import = true, loaded, path
	t.Action, t.Spec, t.Args = "", nil, nil
	return t, nil
}

// legacyIncludeVars makes the arguments of a legacy include besides its
// file name variables of the included tasks.
func legacyIncludeVars(t *Task) {
	vars, _ := t.Kw["vars"].(map[string]any)
	for k, v := range t.Args {
		if k == "file" || k == tasks.RawParams {
			continue
		}
		if vars == nil {
			vars = map[string]any{}
		}
		vars[k] = v
		delete(t.Args, k)
	}
	if vars != nil {
		t.Kw["vars"] = vars
	}
}

// checkIncludeOptions refuses options include_tasks and import_tasks do
// not have.
func checkIncludeOptions(t *Task) error {
	for k, v := range t.Args {
		switch k {
		case "file", tasks.RawParams:
		case "apply":
			if t.Action != "include_tasks" {
				return fmt.Errorf("Invalid options for %s: apply", t.ActionAs)
			}
			if _, ok := topMap(v); !ok {
				return fmt.Errorf("Expected a dict for apply but got <class '%s'> instead", pyTypeName(v))
			}
		default:
			if t.Action != "include" {
				hint := ""
				if s, ok := closest(k, []string{"file", "apply"}); ok {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
				return fmt.Errorf("Invalid options for %s: %s%s", t.ActionAs, k, hint)
			}
		}
	}
	return nil
}

// includeFile is the file named by include/import arguments.
func includeFile(args map[string]any) string {
	for _, k := range []string{"file", tasks.RawParams} {
		if s, ok := args[k].(string); ok && s != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// findTaskFile resolves a task file name: relative to the including file,
// then the role's tasks directory and the role's own, then the playbook's
// directory.
func findTaskFile(tc *taskCtx, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	candidates := []string{filepath.Join(tc.dir, name)}
	if tc.role != nil {
		candidates = append(candidates, filepath.Join(tc.role.Path, "tasks", name), filepath.Join(tc.role.Path, name))
	}
	if tc.play != nil {
		candidates = append(candidates, filepath.Join(tc.play.Dir, name))
	}
	for _, c := range candidates {
		if fileExists(c) {
			return c
		}
	}
	return candidates[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
