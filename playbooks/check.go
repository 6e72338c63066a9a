package playbooks

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/jinja"
)

// Check finds the problems of a loaded playbook that need no host: a
// Jinja syntax error in a task's keywords or arguments. Like load errors
// they name FILE:LINE:COL. A notify naming no handler is found when it
// fires, as Ansible finds it (handlers may come from roles included later).
func Check(pb *Playbook) error {
	env := jinja.New()
	usePlugins(env, pb.plugins)
	for _, p := range pb.Plays {
		var err error
		walkTasks(p, func(t *Task) bool {
			if err == nil {
				err = checkTask(env, t)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// walkTasks calls f for every task and block of a play (handlers and role
// tasks included) until f returns false.
func walkTasks(p *Play, f func(*Task) bool) {
	var walk func(list []*Task) bool
	walk = func(list []*Task) bool {
		for _, t := range list {
			if !f(t) || !walk(t.Block) || !walk(t.Rescue) || !walk(t.Always) {
				return false
			}
		}
		return true
	}
	lists := [][]*Task{p.PreTasks, p.RoleBlocks, p.Tasks, p.PostTasks, p.Handlers}
	for _, r := range p.Roles {
		lists = append(lists, roleHandlerTasks(r))
	}
	for _, l := range lists {
		if !walk(l) {
			return
		}
	}
}

func checkTask(env *jinja.Env, t *Task) error {
	for _, k := range []string{"when", "changed_when", "failed_when", "until"} {
		for _, c := range asList(t.Kw[k]) {
			if s, ok := c.(string); ok {
				if err := env.CheckExpr(s); err != nil {
					return fmt.Errorf("%s: %s: %v", t.Pos, k, err)
				}
				if err := checkLookupNames(env, s, true); err != nil {
					return fmt.Errorf("%s: %s: %v", t.Pos, k, err)
				}
			}
		}
	}
	if err := checkStrings(env, t.Pos, t.Loop); err != nil {
		return err
	}
	return checkStrings(env, t.Pos, t.Args)
}

// checkLookupNames rejects a lookup(), query() or q() call naming, with a
// string literal, a lookup plugin drover does not have; the error gives
// the call's line and column in the template.
func checkLookupNames(env *jinja.Env, src string, bare bool) error {
	calls, err := env.LiteralCalls(src, bare, "lookup", "query", "q")
	if err != nil {
		return err
	}
	for _, c := range calls {
		if !knownLookup(env, c.Arg) {
			return fmt.Errorf("%v (template line %d, column %d)", unknownLookup(c.Arg), c.Line, c.Col)
		}
	}
	return nil
}

// checkStrings checks the Jinja syntax of every string in v.
func checkStrings(env *jinja.Env, pos Pos, v any) error {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "{{") || strings.Contains(x, "{%") {
			if err := env.CheckTemplate(x); err != nil {
				return fmt.Errorf("%s: %v", pos, err)
			}
			if err := checkLookupNames(env, x, false); err != nil {
				return fmt.Errorf("%s: %v", pos, err)
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := checkStrings(env, pos, e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := checkStrings(env, pos, e); err != nil {
				return err
			}
		}
	case *jinja.Dict:
		return checkStrings(env, pos, x.Values())
	}
	return nil
}
