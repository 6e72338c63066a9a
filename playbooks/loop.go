package playbooks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
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
}

func (ps *playState) loopControl(t *Task, s *scope) (loopControl, error) {
	lc := loopControl{loopVar: "item"}
	raw, ok := t.Kw["loop_control"].(map[string]any)
	if !ok {
		return lc, nil
	}
	get := func(k string) (any, error) {
		v, err := ps.run.env.TemplateValue(raw[k], s)
		return jinja.ToPlain(v), err
	}
	for _, k := range []string{"loop_var", "index_var", "pause", "extended"} {
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
		}
	}
	lc.label = raw["label"]
	return lc, nil
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
		return failItem(err.Error())
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
		l := map[string]any{"allitems": items, "index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
			"first": i == 0, "last": i == n-1, "length": n}
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
func (ps *playState) loopItems(t *Task, s *scope) ([]any, error) {
	v, err := ps.run.env.TemplateValue(t.Loop, s)
	if err != nil {
		return nil, err
	}
	if d, ok := v.(*jinja.Dict); ok && t.LoopWith == "dict" {
		return orderedDictItems(d), nil
	}
	val := jinja.ToPlain(v)
	if t.LoopWith == "" {
		l, ok := val.([]any)
		if !ok {
			return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", tasks.PyRepr(val))
		}
		return l, nil
	}
	return withItems(t, t.LoopWith, val, ps.run.opts.Vault)
}

// withItems implements the with_X lookups; vault decrypts the files
// with_file reads.
func withItems(t *Task, kind string, v any, vault func(string, []byte) ([]byte, error)) ([]any, error) {
	switch kind {
	case "items":
		return flatten(asList(v), 1), nil
	case "flattened":
		return flatten(asList(v), -1), nil
	case "list":
		return asList(v), nil
	case "dict":
		return dictItems(v)
	case "indexed_items":
		var out []any
		for i, x := range flatten(asList(v), 1) {
			out = append(out, []any{i, x})
		}
		return out, nil
	case "together":
		return together(asList(v)), nil
	case "nested", "cartesian":
		return nested(asList(v)), nil
	case "sequence":
		return sequence(v)
	case "subelements":
		return subelements(v)
	case "random_choice":
		l := asList(v)
		if len(l) == 0 {
			return nil, nil
		}
		return []any{l[rand.IntN(len(l))]}, nil
	case "fileglob":
		return fileglob(t, asList(v))
	case "first_found":
		return firstFound(t, asList(v))
	case "file":
		return fileContents(t, asList(v), vault)
	case "env":
		var out []any
		for _, x := range asList(v) {
			out = append(out, os.Getenv(fmt.Sprint(x)))
		}
		return out, nil
	}
	return nil, fmt.Errorf("with_%s is not supported", kind)
}

func flatten(l []any, depth int) []any {
	var out []any
	for _, x := range l {
		if sub, ok := x.([]any); ok && depth != 0 {
			out = append(out, flatten(sub, depth-1)...)
			continue
		}
		out = append(out, x)
	}
	return out
}

func dictItems(v any) ([]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("with_dict expects a dict, got %s", tasks.PyRepr(v))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"key": k, "value": m[k]})
	}
	return out, nil
}

func together(lists []any) []any {
	n := 0
	for _, l := range lists {
		n = max(n, len(asList(l)))
	}
	out := make([]any, n)
	for i := range n {
		row := make([]any, len(lists))
		for j, l := range lists {
			if ll := asList(l); i < len(ll) {
				row[j] = ll[i]
			}
		}
		out[i] = row
	}
	return out
}

func nested(lists []any) []any {
	out := []any{[]any{}}
	for _, l := range lists {
		var next []any
		for _, prefix := range out {
			for _, x := range asList(l) {
				row := append(append([]any{}, prefix.([]any)...), x)
				next = append(next, row)
			}
		}
		out = next
	}
	return out
}

// sequence implements with_sequence: "start=1 end=5 stride=1 format=%d" or
// count=N.
func sequence(v any) ([]any, error) {
	var out []any
	for _, spec := range asList(v) {
		kv, err := tasks.ParseKV(fmt.Sprint(spec), false)
		if err != nil {
			return nil, err
		}
		if raw, ok := kv[tasks.RawParams].(string); ok {
			start, end, _ := strings.Cut(raw, "-")
			kv["start"], kv["end"] = start, end
		}
		start, _ := tasks.ToInt(orDefault(kv["start"], "1"))
		stride, _ := tasks.ToInt(orDefault(kv["stride"], "1"))
		end := start
		if c, ok := kv["count"]; ok {
			n, _ := tasks.ToInt(c)
			end = start + (n-1)*stride
		} else if e, ok := kv["end"]; ok {
			end, _ = tasks.ToInt(e)
		}
		format := fmt.Sprint(orDefault(kv["format"], "%d"))
		if stride == 0 {
			return nil, fmt.Errorf("with_sequence: stride must not be 0")
		}
		for i := start; (stride > 0 && i <= end) || (stride < 0 && i >= end); i += stride {
			out = append(out, fmt.Sprintf(format, i))
		}
	}
	return out, nil
}

func orDefault(v any, d string) any {
	if v == nil {
		return d
	}
	return v
}

func subelements(v any) ([]any, error) {
	l := asList(v)
	if len(l) < 2 {
		return nil, fmt.Errorf("with_subelements needs a list and a key")
	}
	key := fmt.Sprint(l[1])
	var out []any
	for _, e := range asList(l[0]) {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("with_subelements: %s is not a dict", tasks.PyRepr(e))
		}
		for _, sub := range asList(m[key]) {
			out = append(out, []any{m, sub})
		}
	}
	return out, nil
}

func fileglob(t *Task, pats []any) ([]any, error) {
	var out []any
	for _, p := range pats {
		pat := fmt.Sprint(p)
		if !filepath.IsAbs(pat) {
			if dir, err := findFile(t, "files", filepath.Dir(pat)); err == nil {
				pat = filepath.Join(dir, filepath.Base(pat))
			}
		}
		matches, _ := filepath.Glob(pat)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func firstFound(t *Task, names []any) ([]any, error) {
	for _, n := range flatten(names, -1) {
		if m, ok := n.(map[string]any); ok {
			for _, f := range asList(m["files"]) {
				for _, p := range asList(m["paths"]) {
					if found, err := findFile(t, "files", filepath.Join(fmt.Sprint(p), fmt.Sprint(f))); err == nil {
						return []any{found}, nil
					}
				}
			}
			continue
		}
		if found, err := findFile(t, "files", fmt.Sprint(n)); err == nil {
			return []any{found}, nil
		}
	}
	return nil, fmt.Errorf("No file was found when using first_found.")
}

func fileContents(t *Task, names []any, vault func(string, []byte) ([]byte, error)) ([]any, error) {
	var out []any
	for _, n := range names {
		p, err := findFile(t, "files", fmt.Sprint(n))
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if b, err = decryptFile(p, b, vault); err != nil {
			return nil, err
		}
		out = append(out, strings.TrimRight(string(b), "\n"))
	}
	return out, nil
}

// decryptFile decrypts the content of a vault-encrypted file that
// with_file read, in memory, as Ansible's file lookup does; other content
// is returned as it is.
func decryptFile(path string, b []byte, vault func(string, []byte) ([]byte, error)) ([]byte, error) {
	if !strings.HasPrefix(string(b[:min(len(b), 16)]), "$ANSIBLE_VAULT;") {
		return b, nil
	}
	if vault == nil {
		return nil, fmt.Errorf("%s: vault: no vault password given to decrypt this file (use --vault-id, --vault-password-file or --ask-vault-pass)", path)
	}
	return vault(path, b)
}

// runIncludes runs the task files include_tasks asked for, grouping hosts
// that include the same file with the same variables.
func (ps *playState) runIncludes(ctx context.Context, t *Task, hosts []*hostRun, outcomes []*outcome) {
	if t.Action != "include_tasks" {
		return
	}
	type group struct {
		inc   include
		hosts []*hostRun
	}
	var groups []*group
	index := map[string]*group{}
	for i, hr := range hosts {
		if !hr.active() {
			continue
		}
		for _, inc := range outcomes[i].includes {
			key := inc.path + "\x00" + tasks.PyRepr(inc.vars)
			g, ok := index[key]
			if !ok {
				g = &group{inc: inc}
				index[key] = g
				groups = append(groups, g)
			}
			g.hosts = append(g.hosts, hr)
		}
	}
	for _, g := range groups {
		wrapper := &Task{IsBlock: true, Parent: t.Parent, Play: t.Play, Role: t.Role, Dir: filepath.Dir(g.inc.path),
			Kw: map[string]any{"vars": includeVars(t, g.inc.vars)}, Handler: t.Handler}
		loaded, err := ps.run.loader.TaskFile(g.inc.path, &taskCtx{play: t.Play, role: t.Role, parent: wrapper,
			dir: filepath.Dir(g.inc.path), handler: t.Handler}, nil, nil)
		if err != nil {
			ps.run.out.Warn(err.Error())
			for _, hr := range g.hosts {
				hr.failed = true
				ps.run.stats.add(hr.h.name, func(s *HostStats) { s.Failed++ })
			}
			continue
		}
		wrapper.Block = loaded
		ps.runBlock(ctx, wrapper, g.hosts)
	}
}

// includeVars are the variables an include passes to its tasks: the
// include's own vars and the loop item.
func includeVars(t *Task, loop map[string]any) map[string]any {
	out := map[string]any{}
	if m, ok := t.Kw["vars"].(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range loop {
		out[k] = v
	}
	return out
}

// orderedDictItems are with_dict's items of a dict in its order, as Python
// iterates it; values keep their own order (the registered item is made
// plain).
func orderedDictItems(d *jinja.Dict) []any {
	out := make([]any, 0, d.Len())
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		out = append(out, map[string]any{"key": jinja.ToPlain(k), "value": v})
	}
	return out
}
