package playbooks

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
)

// Check finds the problems of a loaded playbook that need no host: a
// notify naming no handler, a Jinja syntax error in a task's keywords or
// arguments. Like load errors they name FILE:LINE:COL.
func Check(pb *Playbook) error { return CheckWith(pb, CheckOptions{}) }

// CheckOptions relax Check.
type CheckOptions struct {
	// MissingHandlerOK lets a task notify a handler the play does not have
	// (error_on_missing_handler = false): the run warns when it notifies.
	MissingHandlerOK bool
}

// CheckWith is Check with options.
func CheckWith(pb *Playbook, opts CheckOptions) error {
	env := jinja.New()
	for _, p := range pb.Plays {
		handlers := handlerNames(p)
		if opts.MissingHandlerOK {
			handlers = nil
		}
		var err error
		walkTasks(p, func(t *Task) bool {
			if err == nil {
				err = checkTask(env, t, handlers)
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

// handlerNames lists the names and listen topics of a play's handlers.
func handlerNames(p *Play) map[string]bool {
	out := map[string]bool{}
	add := func(list []*Task) {
		var walk func(list []*Task)
		walk = func(list []*Task) {
			for _, t := range list {
				if t.IsBlock {
					walk(t.Block)
					walk(t.Rescue)
					walk(t.Always)
					continue
				}
				out[t.Name] = true
				for _, l := range t.Listen {
					out[l] = true
				}
				if t.Role != nil {
					out[t.Role.Name+" : "+t.Name] = true
				}
			}
		}
		walk(list)
	}
	for _, r := range p.Roles {
		add(roleHandlerTasks(r))
	}
	add(p.Handlers)
	return out
}

// missingHandler says that a notified handler is not in the play, in
// Ansible's words (scripts grep them).
func missingHandler(name string) string {
	return fmt.Sprintf("The requested handler '%s' was not found in either the main handlers list nor in the listening handlers list", name)
}

func checkTask(env *jinja.Env, t *Task, handlers map[string]bool) error {
	names, _ := t.notify()
	for _, n := range names {
		if handlers != nil && !strings.Contains(n, "{{") && !handlers[n] {
			return &yamlx.Error{File: t.Pos.File, Line: t.Pos.Line, Column: t.Pos.Col, Msg: missingHandler(n)}
		}
	}
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
		if _, ok := canonicalLookup(c.Arg); !ok {
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
