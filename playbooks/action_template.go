package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// actionTemplate is an action: or local_action: whose module name is a
// template, kept as written until the task runs.
type actionTemplate struct {
	name string     // the template giving the module's name
	raw  any        // what follows the name: a k=v string or a mapping
	node *yaml.Node // where it is written, for errors
}

// resolveActions returns the task each host runs, as resolveAction binds
// it on that host: Ansible templates a module name for each host. A name
// that does not template on some host is the error that stops the run.
func (ps *playState) resolveActions(t *Task, hosts []*hostRun) ([]*Task, error) {
	out := make([]*Task, len(hosts))
	for i, hr := range hosts {
		rt, err := ps.resolveAction(t, hr)
		if err != nil {
			return nil, err
		}
		out[i] = rt
	}
	return out, nil
}

// resolveAction returns the task to run for t: t itself, or for a
// templated module name the task bound to the module the name gives on
// hr (one per module name, kept for the play). A name naming no module
// gives a task that fails with the reason, as Ansible fails the host; a
// name that does not template is an error that stops the run, as in
// Ansible.
func (ps *playState) resolveAction(t *Task, hr *hostRun) (*Task, error) {
	at := t.actionTemplate
	if at == nil {
		return t, nil
	}
	v, err := ps.run.env.Template(at.name, ps.scope(hr, t))
	if err != nil {
		return nil, err
	}
	name, _ := tasks.ToStr(jinja.ToPlain(v))
	name = strings.TrimSpace(name)
	key := actionKey{t, name}
	ps.mu.Lock()
	rt, ok := ps.actions[key]
	ps.mu.Unlock()
	if ok {
		return rt, nil
	}
	rt = ps.bindTemplated(t, name)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if first, ok := ps.actions[key]; ok {
		return first, nil
	}
	if ps.actions == nil {
		ps.actions = map[actionKey]*Task{}
	}
	ps.actions[key] = rt
	return rt, nil
}

// bindTemplated is a copy of t bound to the module name; its actionErr
// says why when the name gives no module (a keyword the engine carries
// out, such as include_tasks, is none) or the arguments do not suit it.
func (ps *playState) bindTemplated(t *Task, name string) *Task {
	at := t.actionTemplate
	rt := *t
	rt.actionTemplate, rt.Kw = nil, maps.Clone(t.Kw)
	if text, ok := freeForm(at.raw); ok {
		rt.actionErr = fmt.Sprintf("invalid or malformed argument: '%s'", text)
		return &rt
	}
	l := ps.run.loader
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.bindAction(l.taskFile(t), taskNode(t), &rt, name, at.raw, at.node, false); err != nil {
		rt.actionErr = err.Error()
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			rt.actionErr = ye.Msg
		}
	} else if rt.Spec.Engine {
		rt.actionErr = fmt.Sprintf("couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.", name)
	}
	return &rt
}

// freeForm returns the free-form text of arguments written after a
// templated module name: Ansible takes only key=value arguments there.
func freeForm(raw any) (string, bool) {
	s, ok := raw.(string)
	if !ok || s == "" {
		return "", false
	}
	kv, err := tasks.ParseKV(s, false)
	if err != nil {
		return s, true
	}
	text, ok := kv[tasks.RawParams].(string)
	return text, ok && text != ""
}

// actionKey names a task bound to the module a templated name gave.
type actionKey struct {
	t    *Task
	name string
}
