package jinja

import (
	"strings"
	"unicode/utf8"

	"github.com/drover/drover/internal/fqcn"
)

// frame is one scope of template-local names ({% set %}, loop targets,
// macro parameters).
type frame struct {
	names  []string
	vals   []any
	parent *frame
	inlN   [2]string // backing store for the first two names (loop target, loop)
	inlV   [2]any
}

// newFrame returns a scope below parent, with room for two names inline.
func newFrame(parent *frame) *frame {
	f := &frame{parent: parent}
	f.names, f.vals = f.inlN[:0], f.inlV[:0]
	return f
}

func (f *frame) lookup(name string) (any, *frame, bool) {
	for ; f != nil; f = f.parent {
		for i := len(f.names) - 1; i >= 0; i-- {
			if f.names[i] == name {
				return f.vals[i], f, true
			}
		}
	}
	return nil, nil, false
}

func (f *frame) set(name string, v any) {
	for i, n := range f.names {
		if n == name {
			f.vals[i] = v
			return
		}
	}
	f.names = append(f.names, name)
	f.vals = append(f.vals, v)
}

// argList holds evaluated call arguments.
type argList struct {
	pos []any
	kw  []kwVal
	inl [3]any // backing store for up to three positional arguments
	// lits has bit i set when positional argument i (i < 64) is a string
	// literal in the source.
	lits uint64
}

// allMissing is what bind returns for a call without arguments; it is
// never modified.
var allMissing = []any{missing, missing, missing, missing, missing, missing, missing, missing}

type kwVal struct {
	name string
	val  any
}

// missingT marks an argument that was not given.
type missingT struct{}

var missing any = missingT{}

// bind maps positional and keyword arguments onto parameter names; absent
// parameters are missing. fname is used in error messages.
func (a *argList) bind(fname string, names ...string) ([]any, error) {
	if len(a.pos) == 0 && len(a.kw) == 0 && len(names) <= len(allMissing) {
		return allMissing[:len(names):len(names)], nil
	}
	out := make([]any, len(names))
	if len(a.pos) > len(names) {
		return nil, typeErrorf("%s() takes at most %d arguments (%d given)", fname, len(names), len(a.pos))
	}
	copy(out, a.pos)
	for i := len(a.pos); i < len(names); i++ {
		out[i] = missing
	}
	for _, kv := range a.kw {
		found := false
		for i, n := range names {
			if n == kv.name {
				if i < len(a.pos) {
					return nil, typeErrorf("%s() got multiple values for argument '%s'", fname, n)
				}
				out[i] = kv.val
				found = true
				break
			}
		}
		if !found {
			return nil, typeErrorf("%s() got an unexpected keyword argument '%s'", fname, kv.name)
		}
	}
	return out, nil
}

// kwarg returns a keyword argument's value.
func (a *argList) kwarg(name string) (any, bool) {
	for _, kv := range a.kw {
		if kv.name == name {
			return kv.val, true
		}
	}
	return nil, false
}

// callable is a function value: a global, a macro, a bound method.
type callable struct {
	name string
	fn   func(s *state, a *argList) (any, error)
}

// noArgs is shared by calls without arguments; it is never modified.
var noArgs = &argList{}

func (s *state) evalArgs(c *callArgs) (*argList, error) {
	if len(c.args) == 0 && len(c.kwargs) == 0 && c.dynArgs == nil && c.dynKwargs == nil {
		return noArgs, nil
	}
	a := &argList{}
	if len(c.args) > len(a.inl) {
		a.pos = make([]any, 0, len(c.args))
	} else {
		a.pos = a.inl[:0]
	}
	for i, x := range c.args {
		v, err := x.eval(s)
		if err != nil {
			return nil, err
		}
		if ce, ok := x.(*constExpr); ok && i < 64 {
			if _, isStr := ce.v.(string); isStr {
				a.lits |= 1 << i
			}
		}
		a.pos = append(a.pos, v)
	}
	if c.dynArgs != nil {
		v, err := c.dynArgs.eval(s)
		if err != nil {
			return nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		a.pos = append(a.pos, items...)
	}
	for _, kw := range c.kwargs {
		v, err := kw.val.eval(s)
		if err != nil {
			return nil, err
		}
		a.kw = append(a.kw, kwVal{kw.name, v})
	}
	if c.dynKwargs != nil {
		v, err := c.dynKwargs.eval(s)
		if err != nil {
			return nil, err
		}
		if !isMapping(v) {
			return nil, typeErrorf("argument after ** must be a mapping, not %s", typeName(v))
		}
		for _, k := range mapKeys(v) {
			val, _ := mapGet(v, k)
			a.kw = append(a.kw, kwVal{str(k), val})
		}
	}
	return a, nil
}

func (e *constExpr) eval(s *state) (any, error) { return e.v, nil }

func (e *nameExpr) eval(s *state) (any, error) { return s.lookup(e.name, e.pos) }

func (e *listExpr) eval(s *state) (any, error) {
	out := make([]any, len(e.items))
	for i, x := range e.items {
		v, err := x.eval(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (e *tupleExpr) eval(s *state) (any, error) {
	out := make(Tuple, len(e.items))
	for i, x := range e.items {
		v, err := x.eval(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (e *dictExpr) eval(s *state) (any, error) {
	d := NewDict(len(e.keys))
	for i := range e.keys {
		k, err := e.keys[i].eval(s)
		if err != nil {
			return nil, err
		}
		if u := firstUndefined(k); u != nil {
			return nil, u.err()
		}
		switch k.(type) {
		case []any, *Dict, map[string]any:
			return nil, withPos(typeErrorf("unhashable type: '%s'", typeName(k)), e.keys[i].position())
		}
		v, err := e.vals[i].eval(s)
		if err != nil {
			return nil, err
		}
		d.Set(k, v)
	}
	return d, nil
}

func (e *attrExpr) eval(s *state) (any, error) {
	obj, err := e.obj.eval(s)
	if err != nil {
		return nil, err
	}
	return getattr(s, obj, e.name, e.pos), nil
}

func (e *itemExpr) eval(s *state) (any, error) {
	obj, err := e.obj.eval(s)
	if err != nil {
		return nil, err
	}
	key, err := e.key.eval(s)
	if err != nil {
		return nil, err
	}
	if u, ok := key.(*Undefined); ok {
		if _, isU := obj.(*Undefined); !isU {
			return nil, u.err()
		}
	}
	v := getitem(s, obj, key, e.pos)
	if u, ok := v.(*Undefined); ok && e.keySrc != "" && u.pos == e.pos && u.hint == "" {
		u.hint = sprintf("'%s' has no attribute [%s]", objectTypeRepr(obj), e.keySrc)
	}
	return v, nil
}

// getattr is Jinja's environment.getattr: attributes and methods first,
// then items.
func getattr(s *state, obj any, name string, pos int) any {
	switch o := obj.(type) {
	case *Undefined:
		return o
	case *loopObj:
		if v, ok := o.attr(name); ok {
			return v
		}
		return undefinedAttr(obj, name, pos)
	case *Namespace:
		if v, ok := o.d.Get(name); ok {
			return v
		}
		return undefinedAttr(obj, name, pos)
	case dateTime, timeDelta:
		if v, ok := dateAttr(o, name); ok {
			return v
		}
		return undefinedAttr(obj, name, pos)
	case map[string]any:
		if !dictMethods[name] {
			if v, ok := o[name]; ok {
				return norm(v)
			}
			return undefinedAttr(obj, name, pos)
		}
	case *Dict:
		if !dictMethods[name] {
			if i := o.findStr(name); i >= 0 {
				return norm(o.vals[i])
			}
			return undefinedAttr(obj, name, pos)
		}
	}
	if m := boundMethod(obj, name); m != nil {
		return m
	}
	if v, ok := lookupItem(obj, name); ok {
		return v
	}
	return undefinedAttr(obj, name, pos)
}

// getitem is Jinja's environment.getitem: items first, then attributes.
func getitem(s *state, obj any, key any, pos int) any {
	switch o := obj.(type) {
	case *Undefined:
		return o
	case *loopObj, *Namespace:
		if name, ok := key.(string); ok {
			return getattr(s, obj, name, pos)
		}
		return undefinedAttr(obj, key, pos)
	}
	if v, ok := lookupItem(obj, key); ok {
		return v
	}
	if name, ok := key.(string); ok {
		if m := boundMethod(obj, name); m != nil {
			return m
		}
	}
	return undefinedAttr(obj, key, pos)
}

// lookupItem is obj[key] for mappings, sequences and strings.
func lookupItem(obj any, key any) (any, bool) {
	obj = norm(obj)
	switch o := obj.(type) {
	case *Dict, map[string]any, Mapping:
		return mapGet(o, key)
	case []any:
		return indexSeq(o, key)
	case Tuple:
		return indexSeq(o, key)
	case string:
		i, ok := intKey(key)
		if !ok {
			return nil, false
		}
		if isASCII(o) {
			if i < 0 {
				i += len(o)
			}
			if i < 0 || i >= len(o) {
				return nil, false
			}
			return o[i : i+1], true
		}
		rs := []rune(o)
		if i < 0 {
			i += len(rs)
		}
		if i < 0 || i >= len(rs) {
			return nil, false
		}
		return string(rs[i]), true
	}
	return nil, false
}

func intKey(key any) (int, bool) {
	switch k := key.(type) {
	case int:
		return k, true
	case bool:
		if k {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func indexSeq(s []any, key any) (any, bool) {
	i, ok := intKey(key)
	if !ok {
		return nil, false
	}
	if i < 0 {
		i += len(s)
	}
	if i < 0 || i >= len(s) {
		return nil, false
	}
	return norm(s[i]), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (e *sliceExpr) eval(s *state) (any, error) {
	obj, err := e.obj.eval(s)
	if err != nil {
		return nil, err
	}
	var idx [3]*int
	for i, x := range []expr{e.start, e.stop, e.step} {
		if x == nil {
			continue
		}
		v, err := x.eval(s)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		n, ok := intKey(v)
		if !ok {
			return nil, withPos(typeErrorf("slice indices must be integers or None or have an __index__ method"), e.pos)
		}
		idx[i] = &n
	}
	v, err := sliceValue(obj, idx[0], idx[1], idx[2])
	return v, withPos(err, e.pos)
}

// sliceValue is Python's obj[start:stop:step].
func sliceValue(obj any, start, stop, step *int) (any, error) {
	var items []any
	switch o := obj.(type) {
	case []any:
		items = o
	case Tuple:
		items = o
	case string:
		rs := []rune(o)
		sel, err := sliceIndices(len(rs), start, stop, step)
		if err != nil {
			return nil, err
		}
		out := make([]rune, len(sel))
		for i, j := range sel {
			out[i] = rs[j]
		}
		return string(out), nil
	case *Undefined:
		return nil, o.err()
	default:
		return nil, typeErrorf("'%s' object is not subscriptable", typeName(obj))
	}
	sel, err := sliceIndices(len(items), start, stop, step)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(sel))
	for i, j := range sel {
		out[i] = items[j]
	}
	if _, ok := obj.(Tuple); ok {
		return Tuple(out), nil
	}
	return out, nil
}

func sliceIndices(n int, start, stop, step *int) ([]int, error) {
	st := 1
	if step != nil {
		st = *step
	}
	if st == 0 {
		return nil, runtimeErrorf("slice step cannot be zero")
	}
	clamp := func(p *int, def int, lo, hi int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var out []int
	if st > 0 {
		b, e := clamp(start, 0, 0, n), clamp(stop, n, 0, n)
		for i := b; i < e; i += st {
			out = append(out, i)
		}
	} else {
		b, e := clamp(start, n-1, -1, n-1), clamp(stop, -1, -1, n-1)
		for i := b; i > e; i += st {
			out = append(out, i)
		}
	}
	return out, nil
}

func (e *callExpr) eval(s *state) (any, error) {
	if a, ok := e.fn.(*attrExpr); ok {
		if v, handled, err := s.callMethod(e, a); handled {
			return v, withPos(err, e.pos)
		}
	}
	fn, err := e.fn.eval(s)
	if err != nil {
		return nil, err
	}
	args, err := s.evalArgs(&e.callArgs)
	if err != nil {
		return nil, err
	}
	switch f := fn.(type) {
	case *callable:
		v, err := f.fn(s, args)
		return v, withPos(err, e.pos)
	case *Undefined:
		return nil, f.err()
	}
	return nil, withPos(typeErrorf("'%s' object is not callable", typeName(fn)), e.pos)
}

// callMethod calls obj.name(args) directly, without building a bound
// method; list and dict mutators write the new value back to the variable.
func (s *state) callMethod(e *callExpr, a *attrExpr) (any, bool, error) {
	obj, err := a.obj.eval(s)
	if err != nil {
		return nil, true, err
	}
	obj = norm(obj)
	if !hasMethod(obj, a.name) {
		v := getattr(s, obj, a.name, a.pos)
		args, err := s.evalArgs(&e.callArgs)
		if err != nil {
			return nil, true, err
		}
		switch f := v.(type) {
		case *callable:
			r, err := f.fn(s, args)
			return r, true, err
		case *Undefined:
			return nil, true, f.err()
		}
		return nil, true, typeErrorf("'%s' object is not callable", typeName(v))
	}
	args, err := s.evalArgs(&e.callArgs)
	if err != nil {
		return nil, true, err
	}
	res, newObj, err := callBuiltinMethod(s, obj, a.name, args)
	if err != nil {
		return nil, true, err
	}
	if newObj != nil {
		if err := s.writeBack(a.obj, newObj); err != nil {
			return nil, true, err
		}
	}
	return res, true, nil
}

// writeBack stores a mutated list or dict in place of the expression it
// came from: a local or global name, or a namespace attribute.
func (s *state) writeBack(x expr, v any) error {
	switch t := x.(type) {
	case *nameExpr:
		if _, f, ok := s.frame.lookup(t.name); ok {
			f.set(t.name, v)
			return nil
		}
		s.rootFrame().set(t.name, v)
		return nil
	case *attrExpr:
		obj, err := t.obj.eval(s)
		if err != nil {
			return err
		}
		if ns, ok := obj.(*Namespace); ok {
			return storeIn(ns, ns.d, t.name, v)
		}
		if d, ok := obj.(*Dict); ok && s.owns(d) {
			return storeIn(d, d, t.name, v)
		}
	case *itemExpr:
		obj, err := t.obj.eval(s)
		if err != nil {
			return err
		}
		key, err := t.key.eval(s)
		if err != nil {
			return err
		}
		if d, ok := obj.(*Dict); ok && s.owns(d) {
			return storeIn(d, d, key, v)
		}
		if ns, ok := obj.(*Namespace); ok {
			return storeIn(ns, ns.d, key, v)
		}
	}
	return runtimeErrorf("cannot modify this value in place; use a variable or namespace() attribute")
}

func (e *filterExpr) eval(s *state) (any, error) {
	var in any
	if e.input != nil {
		v, err := e.input.eval(s)
		if err != nil {
			return nil, err
		}
		in = v
	}
	return s.applyFilter(e, in)
}

func (s *state) applyFilter(e *filterExpr, in any) (any, error) {
	fd := e.fn
	if fd == nil {
		fd = s.env.lookupFilter(e.name)
		if fd == nil {
			return nil, withPos(runtimeErrorf("No filter named '%s'.", e.name), e.pos)
		}
	}
	args, err := s.evalArgs(&e.callArgs)
	if err != nil {
		return nil, err
	}
	if !fd.undefinedOK {
		if u := firstUndefined(in); u != nil {
			return nil, u.err()
		}
		if u := firstUndefined(args.pos...); u != nil {
			return nil, u.err()
		}
	}
	in = norm(in)
	v, err := fd.fn(s, in, args)
	if err != nil {
		return nil, withPos(err, e.pos)
	}
	if h := s.env.FilterHook; h != nil {
		h(fqcn.Short(e.name), in, v)
	}
	return v, nil
}

func (e *testExpr) eval(s *state) (any, error) {
	in, err := e.input.eval(s)
	if err != nil {
		return nil, err
	}
	td := e.fn
	if td == nil {
		td = s.env.lookupTest(e.name)
		if td == nil {
			return nil, withPos(runtimeErrorf("No test named '%s'.", e.name), e.pos)
		}
	}
	args, err := s.evalArgs(&e.callArgs)
	if err != nil {
		return nil, err
	}
	if u, ok := in.(*Undefined); ok && !td.undefinedOK {
		if td.undefinedFalse {
			return e.negate, nil
		}
		return nil, u.err()
	}
	if u := firstUndefined(args.pos...); u != nil && !td.undefinedOK {
		return nil, u.err()
	}
	ok, err := td.fn(s, norm(in), args)
	if err != nil {
		return nil, withPos(err, e.pos)
	}
	return ok != e.negate, nil
}

func (e *binExpr) eval(s *state) (any, error) {
	l, err := e.l.eval(s)
	if err != nil {
		return nil, err
	}
	r, err := e.r.eval(s)
	if err != nil {
		return nil, err
	}
	v, err := arith(e.op, norm(l), norm(r))
	return v, withPos(err, e.pos)
}

func (e *unaryExpr) eval(s *state) (any, error) {
	v, err := e.x.eval(s)
	if err != nil {
		return nil, err
	}
	switch x := norm(v).(type) {
	case int:
		if e.op == "-" {
			return -x, nil
		}
		return x, nil
	case float64:
		if e.op == "-" {
			return -x, nil
		}
		return x, nil
	case bool:
		n := 0
		if x {
			n = 1
		}
		if e.op == "-" {
			return -n, nil
		}
		return n, nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, withPos(typeErrorf("bad operand type for unary %s: '%s'", e.op, typeName(v)), e.pos)
}

func (e *andExpr) eval(s *state) (any, error) {
	l, err := e.l.eval(s)
	if err != nil {
		return nil, err
	}
	t, err := truth(l)
	if err != nil || !t {
		return l, err
	}
	return e.r.eval(s)
}

func (e *orExpr) eval(s *state) (any, error) {
	l, err := e.l.eval(s)
	if err != nil {
		return nil, err
	}
	t, err := truth(l)
	if err != nil || t {
		return l, err
	}
	return e.r.eval(s)
}

func (e *notExpr) eval(s *state) (any, error) {
	v, err := e.x.eval(s)
	if err != nil {
		return nil, err
	}
	t, err := truth(v)
	return !t, err
}

func (e *compareExpr) eval(s *state) (any, error) {
	l, err := e.first.eval(s)
	if err != nil {
		return nil, err
	}
	for i, op := range e.ops {
		r, err := e.rest[i].eval(s)
		if err != nil {
			return nil, err
		}
		ok, err := compareOp(op, norm(l), norm(r))
		if err != nil {
			return nil, withPos(err, e.rest[i].position())
		}
		if !ok {
			return false, nil
		}
		l = r
	}
	return true, nil
}

func compareOp(op string, l, r any) (bool, error) {
	if op == "in" || op == "notin" {
		if u, ok := r.(*Undefined); ok {
			return false, u.err()
		}
	}
	if u := firstUndefined(l, r); u != nil {
		return false, u.err()
	}
	switch op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in":
		return contains(r, l)
	case "notin":
		ok, err := contains(r, l)
		return !ok, err
	}
	c, err := compare(l, r)
	if err != nil {
		return false, typeErrorf("'%s' not supported between instances of '%s' and '%s'", op, typeName(l), typeName(r))
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func (e *condExpr) eval(s *state) (any, error) {
	c, err := e.test.eval(s)
	if err != nil {
		return nil, err
	}
	t, err := truth(c)
	if err != nil {
		return nil, err
	}
	if t {
		return e.then.eval(s)
	}
	if e.els == nil {
		return nil, nil
	}
	return e.els.eval(s)
}

func (e *concatExpr) eval(s *state) (any, error) {
	var b strings.Builder
	for _, x := range e.items {
		v, err := x.eval(s)
		if err != nil {
			return nil, err
		}
		if u, ok := v.(*Undefined); ok {
			return nil, u.err()
		}
		b.WriteString(str(v))
	}
	return b.String(), nil
}
