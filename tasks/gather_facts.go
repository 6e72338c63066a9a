package tasks

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
)

// FactsGatheredKey is the fact gather_facts sets, by which smart gathering
// knows a host's facts were gathered.
const FactsGatheredKey = "_ansible_facts_gathered"

func init() {
	Register(&Spec{
		Name:    "gather_facts",
		AnyArgs: true,
		Facts:   HostFacts,
		NoFiles: true,
		Run:     runGatherFacts,
	})
}

// setupNames are the names of the setup module, whose arguments
// gather_facts passes on whole.
var setupNames = map[string]bool{"setup": true, "ansible.builtin.setup": true, "ansible.legacy.setup": true}

// gatherOutcome is what the fact modules of one gather_facts gave.
type gatherOutcome struct {
	facts, failed, skipped map[string]any
	failedOrder            []string
	skippedOrder           []string
	warnings, deprecations []any
	notes                  []string // gather_facts' own warnings
}

// runGatherFacts runs each fact module (facts_modules, the variable
// ansible_facts_modules; "smart" is setup) with the task's arguments and
// merges their facts as Ansible's gather_facts action does: deep, later
// modules winning, lists appended without repeats of the later one's
// elements.
func runGatherFacts(ctx context.Context, c *Call) (*Result, error) {
	args := maps.Clone(c.Args)
	delete(args, "parallel")
	modules := factModules(c)
	g := &gatherOutcome{facts: map[string]any{}, failed: map[string]any{}, skipped: map[string]any{}}
	for _, m := range modules {
		res, err := runFactModule(ctx, c, m, g.moduleArgs(m, args))
		if err != nil {
			return nil, err
		}
		g.add(m, res)
	}
	return g.result(len(modules)), nil
}

// factModules are the fact modules to run.
func factModules(c *Call) []string {
	mods := c.FactsModules
	if c.Var != nil {
		if v, ok := c.Var("ansible_facts_modules"); ok {
			if l, err := ToList(v); err == nil {
				mods = nil
				for _, x := range l {
					s, _ := ToStr(x)
					mods = append(mods, s)
				}
			}
		}
	}
	if len(mods) == 0 {
		mods = []string{"smart"}
	}
	out := make([]string, 0, len(mods))
	for _, m := range mods {
		if m == "smart" {
			m = "ansible.legacy.setup"
		}
		out = append(out, m)
	}
	return out
}

// moduleArgs are the arguments a fact module gets: all of the task's for
// setup; others lose setup's gather_subset, gather_timeout and filter,
// with Ansible's warnings.
func (g *gatherOutcome) moduleArgs(module string, args Args) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		if v != nil {
			out[k] = v
		}
	}
	if setupNames[module] {
		return out
	}
	if s, ok := out["gather_subset"]; ok {
		if l, _ := ToList(s); len(l) != 1 || l[0] != "all" {
			g.notes = append(g.notes, fmt.Sprintf("Ignoring subset(%s) for %s", PyRepr(s), module))
		}
	}
	for _, k := range []string{"gather_timeout", "filter"} {
		if v, ok := out[k]; ok {
			g.notes = append(g.notes, fmt.Sprintf("Ignoring %s(%s) for %s", strings.TrimPrefix(k, "gather_"), PyRepr(v), module))
		}
	}
	delete(out, "gather_subset")
	delete(out, "gather_timeout")
	delete(out, "filter")
	return out
}

// runFactModule runs one fact module and returns its registered result.
func runFactModule(ctx context.Context, c *Call, module string, args map[string]any) (map[string]any, error) {
	if c.RunModule == nil {
		return Failf("no way to run the fact module %s", module).Registered(), nil
	}
	res, err := c.RunModule(ctx, module, args)
	if err != nil {
		return nil, err
	}
	return res.Registered(), nil
}

// add merges one module's result.
func (g *gatherOutcome) add(module string, res map[string]any) {
	switch {
	case res["failed"] == true:
		g.failed[module] = res
		g.failedOrder = append(g.failedOrder, module)
	case res["skipped"] == true:
		g.skipped[module] = res
		g.skippedOrder = append(g.skippedOrder, module)
	default:
		facts, _ := res["ansible_facts"].(map[string]any)
		g.facts = mergeAppendRP(g.facts, facts)
		w, _ := res["warnings"].([]any)
		g.warnings = appendRP(g.warnings, w)
		d, _ := res["deprecations"].([]any)
		g.deprecations = appendRP(g.deprecations, d)
	}
}

// result is the gather_facts result for n modules run.
func (g *gatherOutcome) result(n int) *Result {
	r := &Result{Facts: g.facts, Warnings: g.notes}
	if len(g.failed)+len(g.skipped) < n {
		r.Set("warnings", nonNil(g.warnings)).Set("deprecations", nonNil(g.deprecations))
	}
	if len(g.skipped) > 0 {
		r.Msg = "The following modules were skipped: " + strings.Join(g.skippedOrder, ", ") + "\n"
		r.Set("skipped_modules", g.skipped)
		r.Skipped = len(g.skipped) == n
	}
	if len(g.failed) > 0 {
		r.Failed = true
		r.Msg = "The following modules failed to execute: " + strings.Join(g.failedOrder, ", ") + "\n"
		r.Set("failed_modules", g.failed)
		return r
	}
	g.facts[FactsGatheredKey] = true
	for _, w := range g.warnings {
		s, _ := ToStr(w)
		r.Warnings = append(r.Warnings, s)
	}
	return r
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// mergeAppendRP is Ansible's merge_hash(a, b, list_merge='append_rp').
func mergeAppendRP(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	for k, bv := range b {
		av, ok := out[k]
		if !ok {
			out[k] = bv
			continue
		}
		am, aIsMap := av.(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		al, aIsList := av.([]any)
		bl, bIsList := bv.([]any)
		switch {
		case aIsMap && bIsMap:
			out[k] = mergeAppendRP(am, bm)
		case aIsList && bIsList:
			out[k] = appendRP(al, bl)
		default:
			out[k] = bv
		}
	}
	return out
}

// appendRP is a's elements that b lacks, then b's.
func appendRP(a, b []any) []any {
	var out []any
	for _, x := range a {
		if !hasEqual(b, x) {
			out = append(out, x)
		}
	}
	return append(out, b...)
}

// hasEqual is Python's "v in l" for plain values.
func hasEqual(l []any, v any) bool {
	for _, x := range l {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}
