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
	ps.mu.Lock()
	defer ps.mu.Unlock()
	key := actionKey{t, name}
	if rt, ok := ps.actions[key]; ok {
		return rt, nil
	}
	rt := *t
	rt.actionTemplate, rt.Kw = nil, maps.Clone(t.Kw)
	l := ps.run.loader
	l.mu.Lock()
	f := l.taskFile(t)
	l.mu.Unlock()
	if text, ok := freeForm(at.raw); ok {
		rt.actionErr = fmt.Sprintf("invalid or malformed argument: '%s'", text)
	} else if err := l.bindAction(f, taskNode(t), &rt, name, at.raw, at.node, false); err != nil {
		rt.actionErr = err.Error()
		var ye *yamlx.Error
		if errors.As(err, &ye) {
			rt.actionErr = ye.Msg
		}
	}
	if ps.actions == nil {
		ps.actions = map[actionKey]*Task{}
	}
	ps.actions[key] = &rt
	return &rt, nil
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
