package playbooks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// loopControl is a task's loop_control, templated.
type loopControl struct {
	loopVar, indexVar string
	label             any
	pause             float64
	extended          bool
	allItems          bool // extended_allitems: ansible_loop.allitems is set
}

func (ps *playState) loopControl(t *Task, s *scope) (loopControl, error) {
	lc := loopControl{loopVar: "item", allItems: true}
	raw, ok := t.Kw["loop_control"].(map[string]any)
	if !ok {
		return lc, nil
	}
	get := func(k string) (any, error) {
		v, err := ps.run.env.TemplateValue(raw[k], s)
		return jinja.ToPlain(v), err
	}
	for _, k := range []string{"loop_var", "index_var", "pause", "extended", "extended_allitems"} {
		if raw[k] == nil {
			continue
		}
		v, err := get(k)
		if err != nil {
			return lc, fmt.Errorf("loop_control.%s: %v", k, err)
		}
		switch k {
		case "loop_var":
			lc.loopVar, _ = tasks.ToStr(v)
		case "index_var":
			lc.indexVar, _ = tasks.ToStr(v)
		case "pause":
			lc.pause, _ = tasks.ToFloat(v)
		case "extended":
			lc.extended, _ = tasks.ToBool(v)
		case "extended_allitems":
			lc.allItems, _ = tasks.ToBool(v)
		}
	}
	lc.label = raw["label"]
	return lc, nil
}

// loopError is the outcome of a loop whose items could not be computed:
// as Ansible does, an undefined variable in the loop skips the task when
// its condition, evaluated without an item, is false.
func (ps *playState) loopError(t *Task, s *scope, err error) itemOutcome {
	if jinja.IsUndefined(err) {
		if ok, cond, werr := ps.evalWhen(t, s); werr == nil && !ok {
			return skipItem(cond)
		}
	}
	return failItem(err.Error())
}

// loop runs the task once per loop item and aggregates the results the way
// Ansible registers them (results, msg, changed, failed, skipped).
func (ps *playState) loop(ctx context.Context, t *Task, hr *hostRun, s *scope, o *outcome) itemOutcome {
	lc, err := ps.loopControl(t, s)
	if err != nil {
		return failItem(err.Error())
	}
	items, err := ps.loopItems(t, s)
	if err != nil {
		return ps.loopError(t, s, err)
	}
	if len(items) == 0 {
		return itemOutcome{status: statusSkipped, result: map[string]any{"changed": false, "skipped": true,
			"skipped_reason": "No items in the list", "results": []any{}}}
	}
	results := make([]any, 0, len(items))
	carry := map[string]any{} // facts of earlier items, seen by later ones
	for i, item := range items {
		if i > 0 && lc.pause > 0 && !sleep(ctx, time.Duration(lc.pause*float64(time.Second))) {
			return failItem("interrupted")
		}
		is := s.withLoop(loopVars(lc, items, i))
		if len(carry) > 0 {
			is = is.withOver(carry)
		}
		included := len(o.includes)
		it := ps.loopItem(ctx, t, hr, is, o)
		if f, ok := it.result["ansible_facts"].(map[string]any); ok && t.Action != "debug" {
			for k, v := range f {
				carry[k] = v
			}
		}
		it.result["item"] = jinja.ToPlain(item)
		it.result["ansible_loop_var"] = lc.loopVar
		if lc.indexVar != "" {
			it.result["ansible_index_var"] = lc.indexVar
			it.result[lc.indexVar] = i
		}
		if lc.extended {
			it.result["ansible_loop"] = is.loop["ansible_loop"]
		}
		it.label = ps.itemLabel(lc, is, item)
		if len(o.includes) > included {
			o.includes[len(o.includes)-1].label = it.label
		}
		o.items = append(o.items, it)
		results = append(results, it.result)
		if it.status == statusUnreachable {
			break
		}
	}
	return aggregate(o.items, results)
}

// loopItem evaluates when for one item and runs it.
func (ps *playState) loopItem(ctx context.Context, t *Task, hr *hostRun, is *scope, o *outcome) itemOutcome {
	ok, cond, err := ps.evalWhen(t, is)
	if err != nil {
		return failItem(err.Error())
	}
	if !ok {
		return skipItem(cond)
	}
	return ps.once(ctx, t, hr, is, o)
}

func (ps *playState) itemLabel(lc loopControl, s *scope, item any) string {
	v := jinja.ToPlain(item)
	if lc.label != nil {
		if l, err := ps.run.env.TemplateValue(lc.label, s); err == nil {
			v = jinja.ToPlain(l)
		}
	}
	if str, ok := v.(string); ok {
		return str
	}
	return tasks.PyRepr(v)
}

// loopVars are the variables one iteration sees.
func loopVars(lc loopControl, items []any, i int) map[string]any {
	vars := map[string]any{lc.loopVar: items[i], "ansible_loop_var": lc.loopVar}
	if lc.indexVar != "" {
		vars[lc.indexVar] = i
		vars["ansible_index_var"] = lc.indexVar
	}
	if lc.extended {
		n := len(items)
		l := map[string]any{"index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
			"first": i == 0, "last": i == n-1, "length": n}
		if lc.allItems {
			l["allitems"] = items
		}
		if i > 0 {
			l["previtem"] = items[i-1]
		}
		if i < n-1 {
			l["nextitem"] = items[i+1]
		}
		vars["ansible_loop"] = l
	}
	return vars
}

// aggregate builds a loop task's registered result.
func aggregate(items []itemOutcome, results []any) itemOutcome {
	changed, failed, unreachable, allSkipped := false, false, false, true
	for _, it := range items {
		changed = changed || it.result["changed"] == true
		failed = failed || it.status == statusFailed
		unreachable = unreachable || it.status == statusUnreachable
		allSkipped = allSkipped && it.status == statusSkipped
	}
	res := map[string]any{"changed": changed, "results": results, "msg": "All items completed", "skipped": false}
	switch {
	case unreachable:
		res["unreachable"] = true
		res["msg"] = "One or more items were unreachable"
	case failed:
		res["failed"] = true
		res["msg"] = "One or more items failed"
	case allSkipped:
		res["skipped"] = true
		res["msg"] = "All items skipped"
	}
	return itemOutcome{status: statusOf(res), result: res}
}

// loopItems evaluates the task's loop (loop: or with_X:) to its items.
// As in Ansible, the items of a with_X loop (a lookup's result) and of a
// loop whose template read unsafe data are unsafe: never templated again.
func (ps *playState) loopItems(t *Task, s *scope) ([]any, error) {
	if t.LoopWith != "" {
		items, err := ps.withItems(t, s)
		return unsafeItems(items), err
	}
	v, err := ps.run.env.TemplateValue(t.Loop, s)
	if err != nil {
		return nil, err
	}
	l, ok := jinja.ToPlain(v).([]any)
	if _, tainted := v.(jinja.Unsafe); tainted && ok {
		l = unsafeItems(l)
	}
	if !ok {
		return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", tasks.PyRepr(jinja.ToPlain(v)))
	}
	return l, nil
}

// unsafeItems marks every item unsafe.
func unsafeItems(items []any) []any {
	for i, it := range items {
		if _, done := it.(jinja.Unsafe); !done {
			items[i] = jinja.Unsafe{V: it}
		}
	}
	return items
}

// withItems runs a with_X loop's lookup plugin over the templated loop
// value, as Ansible's task executor does: first_found looks in the
// subdirectory of the task's kind (templates/ for template, vars/ for
// include_vars) and drops candidates left undefined.
func (ps *playState) withItems(t *Task, s *scope) ([]any, error) {
	name, ok := canonicalLookup(t.LoopWith)
	if !ok && ps.run.loader.pythonLookup(t.LoopWith) {
		name, ok = t.LoopWith, true
	}
	if !ok {
		return nil, unknownLookup(t.LoopWith)
	}
	terms, err := ps.loopTerms(t, s, name == "first_found")
	if err != nil {
		return nil, err
	}
	lc := &lookupCtx{name: name, ps: ps, s: s, vars: s, subdir: loopSubdir(t)}
	items, err := runLookup(lc, terms, lookupOpts{})
	if err != nil {
		return nil, errors.New(err.Error())
	}
	return items, nil
}

// loopTerms is listify_lookup_plugin_terms of a with_X value: templated
// (a string stripped first), a string or scalar made a list of itself.
// With lenient, list elements that are undefined are dropped.
func (ps *playState) loopTerms(t *Task, s *scope, lenient bool) ([]any, error) {
	raw := t.Loop
	if str, ok := raw.(string); ok {
		raw = strings.TrimSpace(str)
	}
	if l, ok := raw.([]any); ok && lenient {
		out := make([]any, 0, len(l))
		for _, e := range l {
			v, err := ps.run.env.TemplateValue(e, s)
			if err != nil {
				if jinja.IsUndefined(err) {
					continue
				}
				return nil, err
			}
			out = append(out, jinja.ToPlain(v))
		}
		return out, nil
	}
	v, err := ps.run.env.TemplateValue(raw, s)
	if err != nil {
		return nil, err
	}
	terms := listifyTerm(v)
	if l, ok := seqOf(terms); ok {
		return l, nil
	}
	return dictTerms(t.LoopWith, terms)
}

// dictTerms are the terms of a with_X loop given a dict, as the plugins
// take a dict instead of a list: dict wraps it, list-only plugins refuse
// it, random_choice fails indexing it, the others iterate its keys.
func dictTerms(loop string, d any) ([]any, error) {
	name, _ := canonicalLookup(loop)
	keys := mapKeysOf(d)
	switch name {
	case "dict":
		return []any{d}, nil
	case "list", "indexed_items", "flattened":
		return nil, fmt.Errorf("with_%s expects a list", name)
	case "random_choice":
		if len(keys) > 0 {
			return nil, fmt.Errorf("Unable to choose random term: %d", rand.IntN(len(keys)))
		}
	}
	return keys, nil
}

// loopSubdir is where with_first_found looks for the task's kind.
func loopSubdir(t *Task) string {
	action := t.ActionAs
	if action == "" {
		action = t.Action
	}
	for _, sub := range []string{"template", "var"} {
		if strings.Contains(action, sub) {
			return sub + "s"
		}
	}
	return "files"
}
