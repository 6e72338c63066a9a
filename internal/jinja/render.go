package jinja

import (
	"errors"
	"os"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nested variable templating and macro calls.
const maxDepth = 64

// state is the per-render evaluation state. One state is used by one
// goroutine; compiled templates are shared.
type state struct {
	env    *Env
	vars   Vars
	tpl    *compiled
	frame  *frame
	root   *frame
	res    *resolver
	owned  map[*Dict]bool
	loader Loader
}

// resolver memoizes templated variables during one top-level call and
// detects variables that refer to themselves.
type resolver struct {
	memo  map[string]any
	stack []string
	steps int // loop iterations and macro calls so far
	// tainted is set when the template being rendered read an Unsafe
	// value (a registered result, a fact set from one): as in Ansible, its
	// result is unsafe too. memoTaint keeps it per memoized variable.
	tainted   bool
	memoTaint map[string]bool
}

// maxSteps bounds loop iterations plus macro calls in one call, so a
// template cannot run forever (e.g. a macro calling itself twice).
const maxSteps = 5_000_000

func (r *resolver) step() error {
	r.steps++
	if r.steps > maxSteps {
		return runtimeErrorf("template too expensive: more than %d loop iterations and macro calls", maxSteps)
	}
	return nil
}

func (s *state) rootFrame() *frame { return s.root }

// owns reports whether d was created during this render (so it may be
// mutated in place).
func (s *state) owns(d *Dict) bool { return s.owned[d] }

// lookup resolves a name: template locals, then variables (templated on
// first use), then globals.
func (s *state) lookup(name string, pos int) (any, error) {
	if v, _, ok := s.frame.lookup(name); ok {
		return v, nil
	}
	if s.vars != nil {
		if v, ok := s.res.memo[name]; ok {
			s.res.tainted = s.res.tainted || s.res.memoTaint[name]
			return v, nil
		}
		if raw, ok := s.vars.Lookup(name); ok {
			v, err := s.resolveVar(name, raw)
			if err != nil {
				return nil, withPos(err, pos)
			}
			return v, nil
		}
	}
	if g, ok := (*s.env.globals.Load())[name]; ok {
		return g, nil
	}
	return undefinedVar(name, pos), nil
}

// resolveVar templates a variable's raw value the way Ansible does when a
// template reads it: strings with template markers are rendered, lists and
// dicts recursively; an undefined inside gives an undefined value that
// fails only when used.
func (s *state) resolveVar(name string, raw any) (any, error) {
	if u, ok := raw.(Unsafe); ok {
		s.res.tainted = true
		return norm(u.V), nil
	}
	if !needsTemplating(raw) {
		return norm(raw), nil
	}
	for _, n := range s.res.stack {
		if n == name {
			chain := append(append([]string{}, s.res.stack...), name)
			return nil, &evalError{kind: KindRecursion, pos: -1,
				msg: "recursive loop detected in template string: " + strings.Join(chain, " -> ")}
		}
	}
	if len(s.res.stack) >= maxDepth {
		return nil, &evalError{kind: KindRecursion, pos: -1, msg: "template recursion limit reached while templating variable '" + name + "'"}
	}
	s.res.stack = append(s.res.stack, name)
	outer := s.res.tainted
	s.res.tainted = false
	v, err := s.env.templateValue(raw, s.vars, s.res)
	inner := s.res.tainted
	s.res.tainted = outer || inner
	s.res.stack = s.res.stack[:len(s.res.stack)-1]
	if u, ok := v.(Unsafe); ok {
		v = norm(u.V)
	}
	if err != nil {
		if IsUndefined(err) {
			v = &Undefined{obj: noObj, name: name, pos: -1, hint: undefinedMessage(err)}
		} else if errKind(err) == KindRecursion {
			return nil, &evalError{kind: KindRecursion, pos: -1, msg: errMessage(err)}
		} else {
			return nil, &evalError{kind: errKind(err), pos: -1,
				msg: "error while templating variable '" + name + "': " + errMessage(err)}
		}
	}
	if s.res.memo == nil {
		s.res.memo = make(map[string]any)
		s.res.memoTaint = make(map[string]bool)
	}
	s.res.memo[name] = v
	s.res.memoTaint[name] = inner
	return v, nil
}

func undefinedMessage(err error) string { return errMessage(err) }

func errMessage(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Msg
	}
	if e, ok := err.(*evalError); ok {
		return e.msg
	}
	return err.Error()
}

func errKind(err error) Kind {
	if e, ok := err.(*Error); ok {
		return e.Kind
	}
	if e, ok := err.(*evalError); ok {
		return e.kind
	}
	return KindRuntime
}

// needsTemplating reports whether a raw variable value contains a string
// that could be a template.
func needsTemplating(v any) bool {
	switch x := v.(type) {
	case string:
		return isPossiblyTemplate(x)
	case []any:
		for _, e := range x {
			if needsTemplating(e) {
				return true
			}
		}
	case Tuple:
		for _, e := range x {
			if needsTemplating(e) {
				return true
			}
		}
	case *Dict:
		for i, k := range x.keys {
			if needsTemplating(k) || needsTemplating(x.vals[i]) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if isPossiblyTemplate(k) || needsTemplating(e) {
				return true
			}
		}
	case []string:
		for _, e := range x {
			if isPossiblyTemplate(e) {
				return true
			}
		}
	case map[string]string:
		for k, e := range x {
			if isPossiblyTemplate(k) || isPossiblyTemplate(e) {
				return true
			}
		}
	case map[any]any:
		for k, e := range x {
			if needsTemplating(k) || needsTemplating(e) {
				return true
			}
		}
	}
	return false
}

// isPossiblyTemplate is Ansible's is_possibly_template: the string holds a
// Jinja start delimiter.
func isPossiblyTemplate(s string) bool {
	for i := strings.IndexByte(s, '{'); i >= 0 && i+1 < len(s); {
		switch s[i+1] {
		case '{', '%', '#':
			return true
		}
		j := strings.IndexByte(s[i+1:], '{')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// output collects rendered text and remembers the single value of a
// template that is one expression.
type output struct {
	b          strings.Builder
	n          int
	single     any
	fromValue  bool // single was set: the first part is a value, not text
	nativeText bool // the last value came from a string-type filter
}

func (o *output) writeData(t string) {
	o.n++
	o.b.WriteString(t)
}

func (o *output) writeValue(v any) {
	o.n++
	if o.n == 1 {
		o.single, o.fromValue = v, true
	}
	switch x := v.(type) {
	case string:
		o.b.WriteString(x)
	case nil:
	default:
		writeStr(&o.b, x)
	}
}

func writeStr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case []any, Tuple, *Dict, map[string]any, Mapping:
		writeRepr(b, x)
	default:
		b.WriteString(str(x))
	}
}

func execBody(s *state, w *output, body []node) error {
	for _, n := range body {
		if err := n.exec(s, w); err != nil {
			return err
		}
	}
	return nil
}

func (n *dataNode) exec(s *state, w *output) error {
	w.writeData(n.text)
	return nil
}

func (n *outputNode) exec(s *state, w *output) error {
	v, err := n.x.eval(s)
	if err != nil {
		return withPos(err, n.x.position())
	}
	v, err = finalize(v)
	if err != nil {
		return withPos(err, n.x.position())
	}
	w.writeValue(v)
	w.nativeText = n.text
	return nil
}

// finalize is Ansible's _ansible_finalize: undefined values (also nested in
// lists and dicts) raise, None prints as nothing.
func finalize(v any) (any, error) {
	if err := failOnUndefined(v); err != nil {
		return nil, err
	}
	if vt, ok := v.(Vaulted); ok {
		if vt.Plain == nil {
			return nil, errNoVaultSecrets()
		}
		return *vt.Plain, nil
	}
	return norm(v), nil
}

func failOnUndefined(v any) error {
	switch x := v.(type) {
	case *Undefined:
		return x.err()
	case []any:
		for _, e := range x {
			if err := failOnUndefined(e); err != nil {
				return err
			}
		}
	case Tuple:
		for _, e := range x {
			if err := failOnUndefined(e); err != nil {
				return err
			}
		}
	case *Dict:
		for _, e := range x.vals {
			if err := failOnUndefined(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *ifNode) exec(s *state, w *output) error {
	for i, c := range n.conds {
		v, err := c.eval(s)
		if err != nil {
			return withPos(err, c.position())
		}
		t, err := truth(v)
		if err != nil {
			return withPos(err, c.position())
		}
		if t {
			return execBody(s, w, n.bodies[i])
		}
	}
	return execBody(s, w, n.els)
}

// assign binds a target (name, tuple of names) in frame f.
func assign(f *frame, tg *target, v any) error {
	if !tg.tuple {
		f.set(tg.names[0], v)
		return nil
	}
	items, err := iterate(v)
	if err != nil {
		return err
	}
	if len(items) > len(tg.names) {
		return runtimeErrorf("too many values to unpack (expected %d)", len(tg.names))
	}
	if len(items) < len(tg.names) {
		return runtimeErrorf("not enough values to unpack (expected %d, got %d)", len(tg.names), len(items))
	}
	for i, name := range tg.names {
		f.set(name, items[i])
	}
	return nil
}

func (n *forNode) exec(s *state, w *output) error {
	v, err := n.iter.eval(s)
	if err != nil {
		return withPos(err, n.iter.position())
	}
	return n.loop(s, w, v, 0)
}

func (n *forNode) loop(s *state, w *output, v any, depth int) error {
	items, err := iterate(norm(v))
	if err != nil {
		return withPos(err, n.iter.position())
	}
	outer := s.frame
	defer func() { s.frame = outer }()
	if n.filter != nil {
		var kept []any
		for _, it := range items {
			f := &frame{parent: outer}
			if err := assign(f, &n.tgt, it); err != nil {
				return withPos(err, n.tgt.pos)
			}
			s.frame = f
			c, err := n.filter.eval(s)
			if err != nil {
				return withPos(err, n.filter.position())
			}
			t, err := truth(c)
			if err != nil {
				return withPos(err, n.filter.position())
			}
			if t {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		s.frame = outer
		return execBody(s, w, n.els)
	}
	lo := &loopObj{items: items, depth0: depth}
	if n.recursive {
		lo.recurse = func(s *state, a *argList) (any, error) {
			if len(a.pos) != 1 {
				return nil, typeErrorf("loop() takes exactly one argument")
			}
			if depth >= maxDepth {
				return nil, runtimeErrorf("maximum recursion depth exceeded in recursive loop")
			}
			var sub output
			saved := s.frame
			s.frame = outer
			err := n.loop(s, &sub, a.pos[0], depth+1)
			s.frame = saved
			return sub.b.String(), err
		}
	}
	for i, it := range items {
		if err := s.res.step(); err != nil {
			return withPos(err, n.pos)
		}
		lo.index0 = i
		f := newFrame(outer)
		if err := assign(f, &n.tgt, it); err != nil {
			return withPos(err, n.tgt.pos)
		}
		f.set("loop", lo)
		s.frame = f
		if err := execBody(s, w, n.body); err != nil {
			return err
		}
	}
	return nil
}

// loopObj is the `loop` variable inside a for loop.
type loopObj struct {
	items   []any
	index0  int
	depth0  int
	last    any
	hasLast bool
	recurse func(s *state, a *argList) (any, error)
}

func (l *loopObj) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return l.index0 + 1, true
	case "index0":
		return l.index0, true
	case "revindex":
		return n - l.index0, true
	case "revindex0":
		return n - l.index0 - 1, true
	case "first":
		return l.index0 == 0, true
	case "last":
		return l.index0 == n-1, true
	case "length":
		return n, true
	case "depth":
		return l.depth0 + 1, true
	case "depth0":
		return l.depth0, true
	case "previtem":
		if l.index0 == 0 {
			return undefinedAttr(l, "previtem", -1), true
		}
		return l.items[l.index0-1], true
	case "nextitem":
		if l.index0 >= n-1 {
			return undefinedAttr(l, "nextitem", -1), true
		}
		return l.items[l.index0+1], true
	case "cycle":
		return &callable{name: "cycle", fn: func(s *state, a *argList) (any, error) {
			if len(a.pos) == 0 {
				return nil, typeErrorf("no items for cycling given")
			}
			return a.pos[l.index0%len(a.pos)], nil
		}}, true
	case "changed":
		return &callable{name: "changed", fn: func(s *state, a *argList) (any, error) {
			v := Tuple(a.pos)
			if l.hasLast && equal(l.last, v) {
				return false, nil
			}
			l.last, l.hasLast = v, true
			return true, nil
		}}, true
	}
	return nil, false
}

func (n *setNode) exec(s *state, w *output) error {
	v, err := n.x.eval(s)
	if err != nil {
		return withPos(err, n.x.position())
	}
	return withPos(s.assignTarget(&n.tgt, v), n.pos)
}

func (s *state) assignTarget(tg *target, v any) error {
	if d, ok := v.(*Dict); ok {
		s.own(d)
	}
	if tg.ns != "" {
		nsv, err := s.lookup(tg.ns, tg.pos)
		if err != nil {
			return err
		}
		ns, ok := nsv.(*Namespace)
		if !ok {
			return runtimeErrorf("cannot assign attribute on non-namespace object")
		}
		return storeIn(ns, ns.d, tg.names[0], v)
	}
	return assign(s.frame, tg, v)
}

// storeIn sets key in d (owned by container) unless v contains the
// container itself: engine values stay acyclic, so printing them ends.
func storeIn(container any, d *Dict, key, v any) error {
	if containsRef(v, container, 0) || containsRef(v, d, 0) {
		return runtimeErrorf("cannot store a value inside itself")
	}
	d.Set(key, v)
	return nil
}

// containsRef reports whether v holds target (a *Dict or *Namespace).
func containsRef(v, target any, depth int) bool {
	if depth > 1000 {
		return true
	}
	switch x := v.(type) {
	case *Dict:
		if any(x) == target {
			return true
		}
		for _, e := range x.vals {
			if containsRef(e, target, depth+1) {
				return true
			}
		}
	case *Namespace:
		if any(x) == target {
			return true
		}
		return containsRef(x.d, target, depth+1)
	case []any:
		for _, e := range x {
			if containsRef(e, target, depth+1) {
				return true
			}
		}
	case Tuple:
		for _, e := range x {
			if containsRef(e, target, depth+1) {
				return true
			}
		}
	}
	return false
}

func (s *state) own(d *Dict) {
	if s.owned == nil {
		s.owned = make(map[*Dict]bool)
	}
	s.owned[d] = true
}

func (n *setBlockNode) exec(s *state, w *output) error {
	var sub output
	if err := execBody(s, &sub, n.body); err != nil {
		return err
	}
	var v any = sub.b.String()
	if n.filter != nil {
		var err error
		if v, err = s.applyFilterChain(n.filter, v); err != nil {
			return err
		}
	}
	return withPos(s.assignTarget(&n.tgt, v), n.pos)
}

// applyFilterChain applies a chain of filters whose innermost input is nil
// (as parsed for {% filter %} and {% set x | f %}) to v.
func (s *state) applyFilterChain(f *filterExpr, v any) (any, error) {
	if inner, ok := f.input.(*filterExpr); ok {
		var err error
		if v, err = s.applyFilterChain(inner, v); err != nil {
			return nil, err
		}
	}
	return s.applyFilter(f, v)
}

func (n *filterBlockNode) exec(s *state, w *output) error {
	var sub output
	if err := execBody(s, &sub, n.body); err != nil {
		return err
	}
	v, err := s.applyFilterChain(n.filter, sub.b.String())
	if err != nil {
		return err
	}
	w.writeValue(v)
	return nil
}

func (n *withNode) exec(s *state, w *output) error {
	f := &frame{parent: s.frame}
	for i, x := range n.vals {
		v, err := x.eval(s)
		if err != nil {
			return err
		}
		if err := assign(f, &n.tgts[i], v); err != nil {
			return err
		}
	}
	outer := s.frame
	s.frame = f
	err := execBody(s, w, n.body)
	s.frame = outer
	return err
}

func (n *macroNode) exec(s *state, w *output) error {
	s.frame.set(n.name, s.makeMacro(n.name, n.params, n.body, s.frame, nil))
	return nil
}

// makeMacro builds the callable for a macro (or a call block's caller).
func (s *state) makeMacro(name string, params []macroParam, body []node, def *frame, caller *callable) *callable {
	return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
		f := &frame{parent: def}
		var extra []any
		for i, p := range params {
			switch {
			case i < len(a.pos):
				f.set(p.name, a.pos[i])
			default:
				if v, ok := a.kwarg(p.name); ok {
					f.set(p.name, v)
				} else if p.def != nil {
					saved := s.frame
					s.frame = f
					v, err := p.def.eval(s)
					s.frame = saved
					if err != nil {
						return nil, err
					}
					f.set(p.name, v)
				} else {
					f.set(p.name, undefinedVar(p.name, -1))
				}
			}
		}
		if len(a.pos) > len(params) {
			extra = a.pos[len(params):]
		}
		f.set("varargs", Tuple(extra))
		kw := NewDict(0)
		for _, kv := range a.kw {
			if kv.name == "caller" {
				f.set("caller", kv.val)
				continue
			}
			known := false
			for _, p := range params {
				known = known || p.name == kv.name
			}
			if !known {
				kw.Set(kv.name, kv.val)
			}
		}
		f.set("kwargs", kw)
		if caller != nil {
			f.set("caller", caller)
		}
		if len(s.res.stack) > maxDepth {
			return nil, runtimeErrorf("maximum recursion depth exceeded in macro %s", name)
		}
		if err := s.res.step(); err != nil {
			return nil, err
		}
		saved := s.frame
		s.frame = f
		s.res.stack = append(s.res.stack, "macro "+name)
		var sub output
		err := execBody(s, &sub, body)
		s.res.stack = s.res.stack[:len(s.res.stack)-1]
		s.frame = saved
		return sub.b.String(), err
	}}
}

func (n *includeNode) exec(s *state, w *output) error {
	v, err := n.name.eval(s)
	if err != nil {
		return withPos(err, n.name.position())
	}
	names := []any{v}
	if l, ok := listOf(norm(v)); ok {
		names = l
	}
	for _, nm := range names {
		name := str(nm)
		if s.loader == nil {
			break
		}
		resolved, src, err := s.loader.Load(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return withPos(runtimeErrorf("cannot read included template %s: %v", name, err), n.pos)
		}
		return s.include(n, w, resolved, src)
	}
	if n.ignoreMissing {
		return nil
	}
	return withPos(runtimeErrorf("template not found: %s", str(v)), n.pos)
}

// include renders another template into w, with the current variables
// (and locals unless "without context").
func (s *state) include(n *includeNode, w *output, name string, src []byte) error {
	if len(s.res.stack) > maxDepth {
		return withPos(runtimeErrorf("maximum include depth exceeded"), n.pos)
	}
	c, err := s.env.compile(name, string(src), modeFile, s.tpl.opts)
	if err != nil {
		return err
	}
	saved, savedTpl := s.frame, s.tpl
	f := newFrame(s.frame)
	if n.noContext {
		f = newFrame(nil)
	}
	s.frame, s.tpl = f, c
	s.res.stack = append(s.res.stack, "include "+name)
	err = execBody(s, w, c.body)
	s.res.stack = s.res.stack[:len(s.res.stack)-1]
	s.frame, s.tpl = saved, savedTpl
	return c.wrap(err)
}

func (n *importNode) exec(s *state, w *output) error {
	v, err := n.name.eval(s)
	if err != nil {
		return withPos(err, n.name.position())
	}
	name := str(v)
	if s.loader == nil {
		return withPos(runtimeErrorf("template not found: %s", name), n.pos)
	}
	resolved, src, err := s.loader.Load(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return withPos(runtimeErrorf("template not found: %s", name), n.pos)
		}
		return withPos(runtimeErrorf("cannot read imported template %s: %v", name, err), n.pos)
	}
	module, err := s.importModule(n, resolved, src)
	if err != nil {
		return err
	}
	if n.alias != "" {
		s.frame.set(n.alias, module)
		return nil
	}
	for i, nm := range n.names {
		v, ok := module.d.Get(nm)
		if !ok {
			line, _ := lineCol(s.tpl.src, n.pos)
			v = &Undefined{obj: noObj, name: nm, pos: n.pos,
				hint: sprintf("the template %s (imported on line %d) does not export the requested name %s", repr(name), line, repr(nm))}
		}
		s.frame.set(n.as[i], v)
	}
	return nil
}

// importModule renders a template for its top-level macros and variables,
// which become the attributes of the returned module.
func (s *state) importModule(n *importNode, name string, src []byte) (*Namespace, error) {
	if len(s.res.stack) > maxDepth {
		return nil, withPos(runtimeErrorf("maximum import depth exceeded"), n.pos)
	}
	c, err := s.env.compile(name, string(src), modeFile, s.tpl.opts)
	if err != nil {
		return nil, err
	}
	parent := (*frame)(nil)
	if n.withContext {
		parent = s.frame
	}
	f := newFrame(parent)
	saved, savedTpl := s.frame, s.tpl
	s.frame, s.tpl = f, c
	s.res.stack = append(s.res.stack, "import "+name)
	var discard output
	err = execBody(s, &discard, c.body)
	s.res.stack = s.res.stack[:len(s.res.stack)-1]
	s.frame, s.tpl = saved, savedTpl
	if err != nil {
		return nil, c.wrap(err)
	}
	module := &Namespace{d: NewDict(len(f.names))}
	for i, nm := range f.names {
		if !strings.HasPrefix(nm, "_") {
			module.d.Set(nm, f.vals[i])
		}
	}
	return module, nil
}

func (n *callBlockNode) exec(s *state, w *output) error {
	caller := s.makeMacro("caller", n.params, n.body, s.frame, nil)
	fn, err := n.call.fn.eval(s)
	if err != nil {
		return err
	}
	m, ok := fn.(*callable)
	if !ok {
		return withPos(typeErrorf("'%s' object is not callable", typeName(fn)), n.pos)
	}
	args, err := s.evalArgs(&n.call.callArgs)
	if err != nil {
		return err
	}
	args = &argList{pos: args.pos, kw: append(append([]kwVal{}, args.kw...), kwVal{"caller", caller})}
	inner := &callable{name: m.name, fn: m.fn}
	v, err := inner.fn(s, args)
	if err != nil {
		return withPos(err, n.pos)
	}
	w.writeValue(v)
	return nil
}

// lineCol converts a byte offset into a 1-based line and column (in
// characters).
func lineCol(src string, pos int) (int, int) {
	if pos < 0 {
		return 0, 0
	}
	if pos > len(src) {
		pos = len(src)
	}
	line := 1 + strings.Count(src[:pos], "\n")
	start := strings.LastIndexByte(src[:pos], '\n') + 1
	return line, utf8.RuneCountInString(src[start:pos]) + 1
}
