package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "yum",
		Args: append(yumDnfArgs(),
			Arg{Name: "use_backend", Type: Str, Default: "auto", Choices: []string{"auto", "yum", "yum4", "dnf"}},
			Arg{Name: "use", Type: Str},
		),
		RequiredOneOf:     [][]string{{"name", "update_cache"}},
		MutuallyExclusive: [][]string{{"use", "use_backend"}},
		Run:               runYum,
	})
}

// runYum hands the task to the dnf module on dnf hosts (as Ansible's yum
// action does by the pkg_mgr fact), and otherwise manages packages with
// the yum command as Ansible's yum module does.
func runYum(ctx context.Context, c *Call) (*Result, error) {
	backend := c.Args.Str("use")
	if backend == "" {
		backend = c.Args.Str("use_backend")
	}
	if backend == "auto" {
		mgr, err := hostPkgMgr(ctx, c)
		if err != nil {
			return sysErr(err)
		}
		backend = "yum"
		if mgr == "dnf" {
			backend = "dnf"
		}
	}
	if backend == "dnf" || backend == "yum4" {
		raw := map[string]any{}
		for k, v := range c.Args {
			if k != "use" && k != "use_backend" && v != nil {
				raw[k] = v
			}
		}
		return runOtherModule(ctx, c, "dnf", raw)
	}
	return runYumCLI(ctx, c)
}

// runYumCLI installs, updates or removes packages with yum.
func runYumCLI(ctx context.Context, c *Call) (*Result, error) {
	names := c.Args.Strings("name")
	if c.Args.Bool("update_cache") && len(names) == 0 {
		rc, _, errOut, err := runArgv(ctx, c, []string{"yum", "makecache"}, rpmEnv)
		if err != nil {
			return sysErr(err)
		}
		if rc != 0 {
			return Failf("%s", strings.TrimSpace(errOut)).Set("rc", rc).Set("results", []any{}), nil
		}
		return (&Result{Msg: ""}).Set("results", []any{"Cache updated"}).Set("rc", 0).Set("changes", map[string]any{}), nil
	}
	state := dnfState(c)
	installed, err := rpmState(ctx, c, names)
	if err != nil {
		return sysErr(err)
	}
	plan := rpmPlanFor(state, names, installed, c.Args.Bool("update_only"))
	results := rpmSkipped(plan)
	for _, n := range names {
		nevras, have := installed[n]
		switch {
		case (state == "absent" || state == "removed") && !have && rpmPlainSpec(n):
			results = append(results, n+" is not installed")
		case state != "absent" && state != "removed" && state != "latest" && have && len(nevras) > 0:
			results = append(results, nevras[0]+" providing "+n+" is already installed")
		}
	}
	if plan.empty() {
		return OK().Set("msg", "").Set("results", results).Set("rc", 0), nil
	}
	return yumRun(ctx, c, plan, state, results)
}

// yumRun runs yum for the plan and reports as Ansible's yum module: the
// raw output in results, what was asked under changes.
func yumRun(ctx context.Context, c *Call, plan rpmPlan, state string, results []any) (*Result, error) {
	key, specs := "installed", plan.install
	switch {
	case state == "absent" || state == "removed":
		key, specs = "removed", plan.remove
	case state == "latest":
		key, specs = "updated", append(append([]string{}, plan.upgrade...), plan.install...)
	}
	changes := map[string]any{key: toAnyList(specs)}
	if state == "latest" {
		changes = map[string]any{"installed": toAnyList(plan.install), "updated": toAnyList(plan.upgrade)}
	}
	if c.Check {
		return (&Result{Changed: true}).Set("results", results).Set("changes", changes), nil
	}
	verbPlan := plan
	if c.Args.Bool("autoremove") && len(plan.remove) > 0 {
		verbPlan = rpmPlan{}
	}
	script := rpmCommands(c, "yum", verbPlan, state)
	if c.Args.Bool("autoremove") && len(plan.remove) > 0 {
		script = shList(append(append([]string{"yum"}, rpmOptions(c.Args, "yum", false)...), append([]string{"autoremove"}, plan.remove...)...))
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script}, Env: rpmEnv})
	if err != nil {
		return sysErr(err)
	}
	out, errOut := string(res.Stdout), string(res.Stderr)
	r := &Result{Changed: true, Msg: errOut}
	r.Set("results", append(results, out)).Set("rc", res.ExitCode).Set("changes", changes)
	if strings.Contains(out, "Nothing to do") && res.ExitCode == 0 || strings.Contains(errOut, "does not have any packages") {
		r.Changed = false
	}
	if res.ExitCode != 0 {
		r.Changed, r.Failed = false, true
		if r.Msg == "" {
			r.Msg = strings.TrimSpace(out)
		}
	}
	return r, nil
}

func toAnyList(l []string) []any {
	out := []any{}
	for _, s := range l {
		out = append(out, s)
	}
	return out
}
