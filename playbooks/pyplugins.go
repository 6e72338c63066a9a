package playbooks

import (
	"context"
	"errors"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/pyplugin"
	"github.com/drover/drover/tasks/pymodule"
)

// Python plugins: the filters, tests and lookups that Ansible content
// carries in Python (filter_plugins/ beside a playbook or in a role, the
// configured plugin paths, collections). drover's own come first; a name
// none of them has is looked for among these, which run on the controller
// (see package internal/pyplugin).

// newPlugins are a loader's Python plugins: the configured directories and
// the collections its module finder finds.
func newPlugins(opts LoadOptions, f *pymodule.Finder) *pyplugin.Plugins {
	return pyplugin.New(pyplugin.Config{Dirs: opts.PluginDirs, Roots: f.CollectionRoots, SysPaths: f.SysPaths()})
}

// pluginSource offers Python filters and tests to a template environment.
type pluginSource struct{ p *pyplugin.Plugins }

// usePlugins makes env fall back to the Python plugins p.
func usePlugins(env *jinja.Env, p *pyplugin.Plugins) {
	if p != nil {
		env.SetPlugins(pluginSource{p})
	}
}

// Filter is the Python filter name, or nil.
func (ps pluginSource) Filter(name string) jinja.Filter {
	if !ps.p.Has(context.Background(), pyplugin.Filter, name) {
		return nil
	}
	return func(v any, args []any, kw map[string]any) (any, error) {
		r, err := ps.p.Filter(context.Background(), name, jinja.ToPlain(v), plainArgs(args), plainKwargs(kw))
		return r, pluginError(err)
	}
}

// Test is the Python test name, or nil.
func (ps pluginSource) Test(name string) jinja.Test {
	if !ps.p.Has(context.Background(), pyplugin.Test, name) {
		return nil
	}
	return func(v any, args []any, kw map[string]any) (bool, error) {
		r, err := ps.p.Test(context.Background(), name, jinja.ToPlain(v), plainArgs(args), plainKwargs(kw))
		return r, pluginError(err)
	}
}

func plainArgs(args []any) []any {
	out, _ := jinja.ToPlain(args).([]any)
	return out
}

func plainKwargs(kw map[string]any) map[string]any {
	out, _ := jinja.ToPlain(kw).(map[string]any)
	return out
}

// pluginError is a plugin's exception as a template error: its message.
func pluginError(err error) error {
	var pe *pyplugin.Error
	if errors.As(err, &pe) {
		return errors.New(pe.Msg)
	}
	return err
}

// pythonLookup reports whether a Python lookup plugin has the name.
func (l *Loader) pythonLookup(name string) bool {
	return l.plugins.Has(context.Background(), pyplugin.Lookup, name)
}

// knownLookup reports whether drover or a Python plugin env falls back to
// has the lookup name.
func knownLookup(env *jinja.Env, name string) bool {
	if _, ok := canonicalLookup(name); ok {
		return true
	}
	src, ok := env.InstalledPlugins().(pluginSource)
	return ok && src.p.Has(context.Background(), pyplugin.Lookup, name)
}

// lookupPython runs a Python lookup plugin with the task's variables, as
// Ansible passes them (hostvars left out).
func lookupPython(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	kw, _ := jinja.ToPlain(map[string]any(opts)).(map[string]any)
	out, err := lc.ps.run.loader.plugins.Lookup(lc.ps.run.ctx, pyplugin.LookupCall{Name: lc.name,
		Terms: plainArgs(terms), Variables: lookupVariables(lc), Kwargs: kw, Basedir: lc.basedir()})
	var pe *pyplugin.Error
	if !errors.As(err, &pe) {
		return out, err
	}
	switch pe.Class {
	case "ansible.errors.AnsibleLookupError":
		return nil, lookupErrorf("%s", pe.Msg)
	case "ansible.errors.AnsibleOptionsError":
		return nil, optionsErrorf("%s", pe.Msg)
	}
	return nil, &lookupError{msg: pe.Msg, class: pe.Class}
}

// lookupVariables are the templated variables of the lookup's task; those
// that fail to template are left out.
func lookupVariables(lc *lookupCtx) map[string]any {
	out := map[string]any{}
	if lc.s == nil {
		return out
	}
	for _, name := range lc.s.names() {
		if name == "hostvars" {
			continue
		}
		raw, ok := lc.vars.Lookup(name)
		if !ok {
			continue
		}
		if v, err := lc.env().TemplateValue(raw, lc.vars); err == nil {
			out[name] = jinja.ToPlain(v)
		}
	}
	return out
}
