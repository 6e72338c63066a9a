package playbooks

import (
	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/tasks"
)

// metaSpecs is the argument_specs key of a role's meta/main.yml.
type metaSpecs struct {
	f *yamlx.File
	n *yaml.Node
}

// roleArgSpecs reads the role's argument specs: meta/argument_specs.yml
// (its argument_specs key) when it exists, else those of meta/main.yml.
func (l *Loader) roleArgSpecs(r *Role, fromMeta *metaSpecs) error {
	if file := roleFile(r.Path, "meta", "argument_specs"); file != "" {
		f, err := l.file(file)
		if err != nil {
			return err
		}
		if len(f.Docs) == 0 {
			return nil
		}
		v, err := l.ordered(f, f.Docs[0])
		if err != nil {
			return err
		}
		top, _ := topMap(v)
		r.ArgSpecs, _ = topMap(top["argument_specs"])
		return nil
	}
	if fromMeta == nil || fromMeta.n == nil {
		return nil
	}
	v, err := l.ordered(fromMeta.f, fromMeta.n)
	if err != nil {
		return err
	}
	r.ArgSpecs, _ = topMap(v)
	return nil
}

// validationTask is the task Ansible puts first in a role whose entry point
// has an argument spec: validate_argument_spec with the spec's options and
// the role's parameters, tagged always.
func (l *Loader) validationTask(r *Role, p *Play, parent *Task) *Task {
	entry, _ := topMap(r.ArgSpecs[r.files.tasks])
	if entry == nil {
		return nil
	}
	spec, _ := tasks.Lookup("validate_argument_spec")
	name := "Validating arguments against arg spec '" + r.files.tasks + "'"
	if d, ok := entry["short_description"]; ok {
		s, _ := tasks.ToStr(jinja.ToPlain(d))
		name += " - " + s
	}
	options := entry["options"]
	if options == nil {
		options = map[string]any{}
	}
	params := map[string]any{}
	for k, v := range r.Params {
		params[k] = v
	}
	l.nextID++
	return &Task{Pos: r.Pos, Name: name, Action: spec.Name, ActionAs: "ansible.builtin.validate_argument_spec", Spec: spec,
		Args: map[string]any{"argument_spec": options, "provided_arguments": params,
			"validate_args_context": map[string]any{"type": "role", "name": r.shortName(), "argument_spec_name": r.files.tasks, "path": r.Path}},
		Kw: map[string]any{"tags": []string{"always"}}, Parent: parent, Play: p, Role: r, Dir: r.Path, ID: l.nextID}
}
