package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "dnf",
		Args: append(yumDnfArgs(),
			Arg{Name: "allowerasing", Type: Bool, Default: false},
			Arg{Name: "nobest", Type: Bool, Default: false},
		),
		RequiredOneOf: [][]string{{"name", "update_cache"}},
		Run:           runDnf,
	})
}

// rpmPlan is what a dnf/yum call must do: the specs to install, upgrade
// and remove, and the failures found before running anything.
type rpmPlan struct {
	install, upgrade, remove []string
	skipped                  []string // not installed, left alone by update_only
}

func (p rpmPlan) empty() bool { return len(p.install)+len(p.upgrade)+len(p.remove) == 0 }

// rpmState reads which plain specs are installed (rpm -q, one command).
func rpmState(ctx context.Context, c *Call, specs []string) (map[string][]string, error) {
	s := rpmQueryScript(specs)
	if s.String() == "" {
		return map[string][]string{}, nil
	}
	secs, _, err := runHostScript(ctx, c, s, rpmEnv)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for i, spec := range specs {
		if sec, ok := secs[rpmSection(i)]; ok && sec.RC == 0 {
			out[spec] = strings.Fields(sec.Out)
		}
	}
	return out, nil
}

// rpmPlanFor decides, from rpm's answers, what the state asks for; specs
// rpm cannot check are always handed to the package manager, which skips
// what is already done.
func rpmPlanFor(state string, specs []string, installed map[string][]string, updateOnly bool) rpmPlan {
	var p rpmPlan
	for _, s := range specs {
		_, have := installed[s]
		plain := rpmPlainSpec(s)
		switch state {
		case "absent", "removed":
			if have || !plain {
				p.remove = append(p.remove, s)
			}
		case "latest":
			switch {
			case have || updateOnly && !plain:
				p.upgrade = append(p.upgrade, s)
			case updateOnly:
				p.skipped = append(p.skipped, s)
			default:
				p.install = append(p.install, s)
			}
		default:
			if !have || !plain {
				p.install = append(p.install, s)
			}
		}
	}
	return p
}

// rpmSkipped are Ansible's results for packages update_only left alone.
func rpmSkipped(p rpmPlan) []any {
	out := []any{}
	for _, s := range p.skipped {
		out = append(out, "Packages providing "+s+" not installed due to update_only specified")
	}
	return out
}

// dnfState is the state argument with Ansible's defaults.
func dnfState(c *Call) string {
	state := c.Args.Str("state")
	if state == "" {
		state = "installed"
		if len(c.Args.Strings("name")) == 0 && c.Args.Bool("autoremove") {
			state = "absent"
		}
	}
	return state
}

// runDnf installs, upgrades or removes packages with the dnf command, as
// Ansible's dnf module does with dnf's Python API: rpm -q decides first
// whether anything is to do, dnf's transaction summary (or, in check mode,
// its --assumeno table) gives the results.
func runDnf(ctx context.Context, c *Call) (*Result, error) {
	return runRPMTool(ctx, c, "dnf")
}

// runRPMTool is the dnf module's logic for tool "dnf" or "yum".
func runRPMTool(ctx context.Context, c *Call, tool string) (*Result, error) {
	names := c.Args.Strings("name")
	if c.Args.Bool("update_cache") && len(names) == 0 {
		if rc, _, errOut, err := runArgv(ctx, c, append([]string{tool}, append(rpmOptions(c.Args, tool, false), "makecache")...), rpmEnv); err != nil {
			return sysErr(err)
		} else if rc != 0 {
			return Failf("Failed to synchronize repodata: %s", strings.TrimSpace(errOut)).Set("rc", 1).Set("results", []any{}), nil
		}
		return (&Result{Msg: "Cache updated"}).Set("results", []any{}).Set("rc", 0), nil
	}
	state := dnfState(c)
	if len(names) == 1 && names[0] == "*" && state == "latest" {
		return rpmRun(ctx, c, tool, rpmPlan{upgrade: []string{}}, state)
	}
	if len(names) == 0 && state == "absent" && c.Args.Bool("autoremove") {
		return rpmRun(ctx, c, tool, rpmPlan{}, state)
	}
	installed, err := rpmState(ctx, c, names)
	if err != nil {
		return sysErr(err)
	}
	plan := rpmPlanFor(state, names, installed, c.Args.Bool("update_only"))
	if plan.empty() && !(c.Args.Bool("autoremove") && (state == "absent" || state == "removed")) {
		return (&Result{Msg: "Nothing to do"}).Set("results", rpmSkipped(plan)).Set("rc", 0), nil
	}
	r, err := rpmRun(ctx, c, tool, plan, state)
	if r != nil && !r.Failed {
		if l, ok := r.Values["results"].([]any); ok {
			r.Values["results"] = append(rpmSkipped(plan), l...)
		}
	}
	return r, err
}

// rpmCommands are the command lines (one sh script) a plan runs.
func rpmCommands(c *Call, tool string, plan rpmPlan, state string) string {
	opts := rpmOptions(c.Args, tool, c.Check)
	run := func(verb string, specs []string) string {
		argv := append(append([]string{tool}, opts...), verb)
		return shList(append(argv, specs...))
	}
	var lines []string
	if len(plan.install) > 0 {
		lines = append(lines, run("install", plan.install))
	}
	if plan.upgrade != nil {
		lines = append(lines, run("upgrade", plan.upgrade))
	}
	if len(plan.remove) > 0 {
		lines = append(lines, run("remove", plan.remove))
	}
	if c.Args.Bool("autoremove") && (state == "absent" || state == "removed") {
		lines = append(lines, run("autoremove", nil))
	}
	return strings.Join(lines, " && \\\n")
}

// rpmRun runs the plan and reports as Ansible's dnf module.
func rpmRun(ctx context.Context, c *Call, tool string, plan rpmPlan, state string) (*Result, error) {
	script := rpmCommands(c, tool, plan, state)
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script}, Env: rpmEnv})
	if err != nil {
		return sysErr(err)
	}
	out, errOut := string(res.Stdout), string(res.Stderr)
	t := parseRPMOutput(out)
	if missing := rpmNoMatch(out + "\n" + errOut); len(missing) > 0 && state != "absent" && state != "removed" {
		var failures []any
		for _, m := range missing {
			failures = append(failures, "No package "+m+" available.")
		}
		return Failf("Failed to install some of the specified packages").Set("failures", failures).
			Set("results", []any{}).Set("rc", 1), nil
	}
	action := "Installed"
	if c.Args.Bool("download_only") {
		action = "Downloaded"
	}
	results := t.results(action)
	if c.Check {
		if len(results) == 0 {
			return (&Result{Msg: "Nothing to do"}).Set("results", []any{}).Set("rc", 0), nil
		}
		return (&Result{Changed: true, Msg: "Check mode: No changes made, but would have if not in check mode"}).
			Set("results", results).Set("rc", 0), nil
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(errOut)
		if msg == "" {
			msg = strings.TrimSpace(out)
		}
		return Failf("%s", msg).Set("failures", []any{}).Set("results", []any{}).Set("rc", 1), nil
	}
	if len(results) == 0 {
		return (&Result{Msg: "Nothing to do"}).Set("results", []any{}).Set("rc", 0), nil
	}
	return (&Result{Changed: true}).Set("msg", "").Set("results", results).Set("rc", 0), nil
}
