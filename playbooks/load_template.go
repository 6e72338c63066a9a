package playbooks

import (
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// staticName templates the name of something loaded statically (an
// import_role's role, an import_tasks' file) with what is known while
// loading, as Ansible does: extra vars, the vars of the enclosing blocks
// and imports, the role's parameters and variables, import_playbook vars
// and the play's vars.
func (l *Loader) staticName(name string, tc *taskCtx) (string, error) {
	if !strings.Contains(name, "{{") && !strings.Contains(name, "{%") {
		return name, nil
	}
	if l.env == nil {
		l.env = jinja.New()
	}
	v, err := l.env.Template(name, l.staticVars(tc))
	if err != nil {
		return "", err
	}
	s, _ := tasks.ToStr(jinja.ToPlain(v))
	return s, nil
}

func (l *Loader) staticVars(tc *taskCtx) jinja.ChainVars {
	vars := jinja.ChainVars{jinja.MapVars(l.opts.ExtraVars)}
	for x := tc.parent; x != nil; x = x.Parent {
		if m, ok := x.Kw["vars"].(map[string]any); ok {
			vars = append(vars, jinja.MapVars(m))
		}
	}
	if r := tc.role; r != nil {
		vars = append(vars, jinja.MapVars(r.Params), jinja.MapVars(r.Vars), jinja.MapVars(r.EntryVars))
	}
	for i := len(l.importVars) - 1; i >= 0; i-- {
		vars = append(vars, jinja.MapVars(l.importVars[i]))
	}
	if tc.play != nil {
		vars = append(vars, jinja.MapVars(tc.play.Vars))
	}
	if r := tc.role; r != nil {
		vars = append(vars, jinja.MapVars(r.Defaults))
	}
	return vars
}
