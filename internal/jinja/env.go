package jinja

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/drover/drover/internal/fqcn"
)

// Vars is the source of template variables. Lookup returns a variable's
// raw value; the engine templates it when a template reads it (strings
// holding {{ }} are rendered, recursively through lists and dicts), the way
// Ansible templates variables lazily. Wrap a value in Unsafe to have it used
// as is.
type Vars interface {
	Lookup(name string) (any, bool)
}

// MapVars adapts a map to Vars.
type MapVars map[string]any

// Lookup returns m[name].
func (m MapVars) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// ChainVars looks names up in each Vars in turn; the first that has the
// name wins (put loop and task vars before play vars).
type ChainVars []Vars

// Lookup returns the value from the first Vars that has name.
func (c ChainVars) Lookup(name string) (any, bool) {
	for _, v := range c {
		if v == nil {
			continue
		}
		if x, ok := v.Lookup(name); ok {
			return x, true
		}
	}
	return nil, false
}

// Options are the Jinja settings of the template module.
type Options struct {
	TrimBlocks          bool   // drop the first newline after a block tag (Ansible: true)
	LstripBlocks        bool   // strip spaces before a block tag at line start
	NewlineSequence     string // newline written for template data ("\n" by default)
	KeepTrailingNewline bool   // keep the source's last newline (Ansible re-adds it anyway)
	// Loader finds templates named by {% include %}; nil means includes
	// fail with "template not found".
	Loader Loader
}

// Loader finds a template by the name an {% include %} gives; it returns
// the name to report in errors (e.g. the resolved path) and the source.
type Loader interface {
	Load(name string) (resolved string, src []byte, err error)
}

// DirLoader searches template names in directories, in order, like the
// template module's search path. Names may not climb out with "..".
type DirLoader []string

// Load reads the first dirs[i]/name that exists.
func (d DirLoader) Load(name string) (string, []byte, error) {
	clean := filepath.Clean("/" + name)[1:]
	if filepath.IsAbs(name) {
		clean = name
	}
	for _, dir := range d {
		p := clean
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, clean)
		}
		src, err := os.ReadFile(p)
		if err == nil {
			return p, src, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", nil, err
		}
	}
	return "", nil, os.ErrNotExist
}

// FileOptions are Ansible's template module defaults.
var FileOptions = Options{TrimBlocks: true, NewlineSequence: "\n"}

// Func is a global function callable from templates, e.g. lookup().
type Func func(args []any, kwargs map[string]any) (any, error)

// CtxFunc is a global function that also sees the render in progress,
// e.g. lookup('vars', name) or lookup('template', file).
type CtxFunc func(c *Call, args []any, kwargs map[string]any) (any, error)

// Call is the render in progress, as a CtxFunc sees it.
type Call struct {
	s    *state
	lits uint64
}

// LiteralArg reports whether positional argument i was written as a
// string literal (lookup('file', '{{ x }}.txt')), whose template markers
// Ansible renders, unlike those in values of variables.
func (c *Call) LiteralArg(i int) bool { return i >= 0 && i < 64 && c.lits&(1<<i) != 0 }

// Var returns a variable as a template reading it would (templated lazily;
// an undefined variable is an error).
func (c *Call) Var(name string) (any, error) {
	v, err := c.s.lookup(name, -1)
	if err != nil {
		return nil, err
	}
	if u, ok := v.(*Undefined); ok {
		return nil, u.err()
	}
	return v, nil
}

// Vars returns the variable source of the render.
func (c *Call) Vars() Vars { return c.s.vars }

// MarkUnsafe marks the template being rendered as having read unsafe data
// (a lookup's result): its result is Unsafe (see Env.Template).
func (c *Call) MarkUnsafe() {
	if c.s.res != nil {
		c.s.res.tainted = true
	}
}

// Filter implements `value | name(args)`.
type Filter func(value any, args []any, kwargs map[string]any) (any, error)

// Test implements `value is name(args)`.
type Test func(value any, args []any, kwargs map[string]any) (bool, error)

type filterDef struct {
	fn          func(s *state, v any, a *argList) (any, error)
	undefinedOK bool
}

type testDef struct {
	fn             func(s *state, v any, a *argList) (bool, error)
	undefinedOK    bool // receives undefined input (defined, undefined)
	undefinedFalse bool // undefined input makes the test false (type tests)
}

// Env is a template environment: filters, tests, globals and a cache of
// compiled templates keyed by source. It is safe for concurrent use.
type Env struct {
	mu      sync.RWMutex
	filters map[string]*filterDef
	tests   map[string]*testDef
	globals atomic.Pointer[map[string]any] // replaced, never modified, by AddGlobal
	cacheMu sync.RWMutex
	strs    [2]map[string]*compiled // modeString, modeExpr templates by source
	files   map[cacheKey]*compiled  // template files by name, options and source
	nCached int
	// FileRoot, when set, resolves relative paths of the file/directory/
	// exists tests (Ansible resolves them on the controller).
	FileRoot string
	// FilterHook, when set before the Env is first used, is called after
	// every filter with its name (without an ansible.builtin. prefix), its
	// input and its result.
	FilterHook func(name string, in, out any)
	// Native, when set before the Env is first used, makes Template and
	// TemplateValue keep native types as Ansible's jinja2_native does (see
	// nativeResult); template files still render to text.
	Native  bool
	plugins Plugins // see SetPlugins
}

// maxCached bounds the compiled-template cache; it is emptied when full.
const maxCached = 20000

type mode uint8

const (
	modeString mode = iota // playbook strings: Ansible escapes backslashes in {{ }}
	modeExpr               // bare expressions
	modeFile               // template files
)

type cacheKey struct {
	m            mode
	trim, lstrip bool
	keepNL       bool
	newline      string
	name         string
	src          string
}

type compiled struct {
	opts Options // lexing options, for included templates
	name string
	src  string // normalized source, for positions
	body []node
	x    expr // modeExpr: the expression
}

// New returns an environment with Jinja's and Ansible's filters, tests and
// globals.
func New() *Env {
	e := &Env{
		filters: make(map[string]*filterDef, 128),
		tests:   make(map[string]*testDef, 64),
	}
	e.resetCache()
	e.globals.Store(&map[string]any{})
	registerFilters(e)
	registerTests(e)
	registerGlobals(e)
	return e
}

func (e *Env) lookupFilter(name string) *filterDef {
	e.mu.RLock()
	f := e.filters[name]
	if f == nil {
		f = e.filters[fqcn.Short(name)]
	}
	if f == nil {
		f = e.pluginFilter(name)
	}
	e.mu.RUnlock()
	return f
}

func (e *Env) lookupTest(name string) *testDef {
	e.mu.RLock()
	t := e.tests[name]
	if t == nil {
		t = e.tests[fqcn.Short(name)]
	}
	if t == nil {
		t = e.pluginTest(name)
	}
	e.mu.RUnlock()
	return t
}

func (e *Env) addFilter(name string, fd *filterDef) {
	e.mu.Lock()
	e.filters[name] = fd
	e.mu.Unlock()
	e.clearCache()
}

func (e *Env) addTest(name string, td *testDef) {
	e.mu.Lock()
	e.tests[name] = td
	e.mu.Unlock()
	e.clearCache()
}

// clearCache drops compiled templates (they hold resolved filters/tests).
func (e *Env) clearCache() {
	e.cacheMu.Lock()
	e.resetCache()
	e.cacheMu.Unlock()
}

func (e *Env) resetCache() {
	e.strs = [2]map[string]*compiled{make(map[string]*compiled), make(map[string]*compiled)}
	e.files = make(map[cacheKey]*compiled)
	e.nCached = 0
}

// AddFilter registers (or replaces) a filter.
func (e *Env) AddFilter(name string, f Filter) {
	e.addFilter(name, &filterDef{fn: func(s *state, v any, a *argList) (any, error) {
		pos, kw := a.public()
		r, err := f(v, pos, kw)
		return norm(r), err
	}})
}

// AddTest registers (or replaces) a test.
func (e *Env) AddTest(name string, t Test) {
	e.addTest(name, &testDef{fn: func(s *state, v any, a *argList) (bool, error) {
		pos, kw := a.public()
		return t(v, pos, kw)
	}})
}

// AddGlobal registers a global value or, when v is a Func or CtxFunc, a
// function. Variables with the same name take precedence, as in Ansible.
// Undefined arguments fail before the function is called.
func (e *Env) AddGlobal(name string, v any) {
	switch f := v.(type) {
	case Func:
		v = &callable{name: name, fn: func(s *state, a *argList) (any, error) {
			if u := firstUndefined(a.pos...); u != nil {
				return nil, u.err()
			}
			pos, kw := a.public()
			r, err := f(pos, kw)
			return norm(r), err
		}}
	case CtxFunc:
		v = &callable{name: name, fn: func(s *state, a *argList) (any, error) {
			if u := firstUndefined(a.pos...); u != nil {
				return nil, u.err()
			}
			pos, kw := a.public()
			r, err := f(&Call{s: s, lits: a.lits}, pos, kw)
			return norm(r), err
		}}
	}
	e.setGlobal(name, norm(v))
}

// setGlobal installs a new globals map with name set (copy on write, so
// renders read globals without locking).
func (e *Env) setGlobal(name string, v any) {
	e.mu.Lock()
	old := *e.globals.Load()
	m := make(map[string]any, len(old)+1)
	for k, x := range old {
		m[k] = x
	}
	m[name] = v
	e.globals.Store(&m)
	e.mu.Unlock()
}

func (a *argList) public() ([]any, map[string]any) {
	var kw map[string]any
	if len(a.kw) > 0 {
		kw = make(map[string]any, len(a.kw))
		for _, k := range a.kw {
			kw[k.name] = k.val
		}
	}
	return a.pos, kw
}

// compile parses src (or fetches it from the cache).
func (e *Env) compile(name, src string, m mode, opts Options) (*compiled, error) {
	key := cacheKey{m: m, trim: opts.TrimBlocks, lstrip: opts.LstripBlocks, keepNL: opts.KeepTrailingNewline,
		newline: opts.NewlineSequence, name: name, src: src}
	e.cacheMu.RLock()
	var c *compiled
	if m == modeFile {
		c = e.files[key]
	} else {
		c = e.strs[m/modeExpr][src]
	}
	e.cacheMu.RUnlock()
	if c != nil {
		return c, nil
	}
	c, err := e.parse(name, src, m, opts)
	if err != nil {
		return nil, err
	}
	e.cacheMu.Lock()
	if e.nCached >= maxCached {
		e.resetCache()
	}
	e.nCached++
	if m == modeFile {
		e.files[key] = c
	} else {
		e.strs[m/modeExpr][src] = c
	}
	e.cacheMu.Unlock()
	return c, nil
}

func (e *Env) parse(name, src string, m mode, opts Options) (*compiled, error) {
	c := &compiled{name: name, opts: Options{TrimBlocks: opts.TrimBlocks, LstripBlocks: opts.LstripBlocks,
		NewlineSequence: opts.NewlineSequence, KeepTrailingNewline: opts.KeepTrailingNewline}}
	lo := lexOptions{trimBlocks: opts.TrimBlocks, lstripBlocks: opts.LstripBlocks, newline: opts.NewlineSequence,
		rawVarStrings: m == modeString}
	if m == modeExpr {
		c.src = src
		toks, err := tokenizeExpr(src)
		if err != nil {
			return nil, c.wrap(err)
		}
		p := &parser{src: src, toks: toks, env: e}
		x, err := p.parseTuple(false, true)
		if err != nil {
			return nil, c.wrap(err)
		}
		if t := p.peek(); t.kind != tBlockEnd {
			return nil, c.wrap(p.errAt(t, "expected token 'end of statement block', got '%s'", describe(t)))
		}
		c.x = x
		return c, nil
	}
	c.src = normalizeSource(src, opts.KeepTrailingNewline)
	toks, err := tokenize(c.src, lo)
	if err != nil {
		return nil, c.wrap(err)
	}
	p := &parser{src: c.src, toks: toks, env: e}
	body, err := p.parseTemplate()
	if err != nil {
		return nil, c.wrap(err)
	}
	c.body = body
	return c, nil
}

// tokenizeExpr lexes a bare expression.
func tokenizeExpr(src string) ([]token, error) {
	lx := &lexer{src: src + "\x00}}"}
	if _, err := lx.lexExpr(0, "\x00}}", tBlockEnd); err != nil {
		return nil, err
	}
	toks := lx.toks
	toks[len(toks)-1].pos = len(src)
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

// wrap turns an internal error into an *Error with a position.
func (c *compiled) wrap(err error) error {
	if err == nil {
		return nil
	}
	var ee *evalError
	if errors.As(err, &ee) {
		line, col := lineCol(c.src, ee.pos)
		return &Error{Kind: ee.kind, Name: c.name, Line: line, Col: col, Msg: ee.msg}
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	return &Error{Kind: KindRuntime, Name: c.name, Msg: err.Error()}
}

// renderCtx holds everything one render needs, allocated together.
type renderCtx struct {
	s    state
	root frame
	res  resolver
	out  output
}

func (e *Env) newState(c *compiled, vars Vars, res *resolver) *state {
	rc := &renderCtx{}
	if res == nil {
		res = &rc.res
	}
	rc.s = state{env: e, vars: vars, tpl: c, frame: &rc.root, root: &rc.root, res: res}
	return &rc.s
}

// run renders a compiled template.
func (e *Env) run(c *compiled, vars Vars, res *resolver) (*output, error) {
	return e.runWith(c, vars, res, nil)
}

func (e *Env) runWith(c *compiled, vars Vars, res *resolver, loader Loader) (*output, error) {
	rc := &renderCtx{}
	if res == nil {
		res = &rc.res
	}
	rc.s = state{env: e, vars: vars, tpl: c, frame: &rc.root, root: &rc.root, res: res, loader: loader}
	w := &rc.out
	w.b.Grow(len(c.src) + 32)
	if err := execBody(&rc.s, w, c.body); err != nil {
		return nil, c.wrap(err)
	}
	return w, nil
}

// Render templates a playbook string to text (Ansible's convert_data=False:
// no conversion back to lists or dicts); a string without template markers
// is returned as is.
func (e *Env) Render(src string, vars Vars) (string, error) {
	if !isPossiblyTemplate(src) {
		return src, nil
	}
	return e.renderString(src, vars, nil)
}

func (e *Env) renderString(src string, vars Vars, res *resolver) (string, error) {
	c, err := e.compile("", src, modeString, FileOptions)
	if err != nil {
		return "", err
	}
	w, err := e.run(c, vars, res)
	if err != nil {
		return "", err
	}
	return preserveNewlines(src, w.b.String()), nil
}

// preserveNewlines re-adds trailing newlines Jinja dropped (Ansible's
// preserve_trailing_newlines).
func preserveNewlines(src, out string) string {
	want := trailingNewlines(src)
	have := trailingNewlines(out)
	if want > have {
		return out + strings.Repeat("\n", want-have)
	}
	return out
}

func trailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}

// singleVarRe is Ansible's SINGLE_VAR (Python's $ also matches before a
// final newline).
var singleVarRe = regexp.MustCompile(`^\{\{\s*(\w*)\s*\}\}\n?$`)

// Template templates a playbook string the way Ansible's Templar does: a
// string without {{ {% {# is returned as is; otherwise it is rendered and,
// when the text looks like a Python list, dict or bool literal (as
// "{{ [1, 2] }}" renders), the native value is returned. "{{ var }}" of a
// number, bool or None variable returns that value unchanged.
//
// A template that read an Unsafe value (a registered result, a fact set
// from one) gives an Unsafe result, as Ansible marks it, so that what it
// rendered is never templated again.
func (e *Env) Template(src string, vars Vars) (any, error) {
	return e.templateString(src, vars, nil)
}

func (e *Env) templateString(src string, vars Vars, res *resolver) (any, error) {
	if !isPossiblyTemplate(src) {
		return src, nil
	}
	if res == nil {
		res = &resolver{}
	}
	outer := res.tainted
	res.tainted = false
	v, err := e.templateStringTainted(src, vars, res)
	inner := res.tainted
	res.tainted = outer || inner
	if inner && err == nil {
		return Unsafe{V: v}, nil
	}
	return v, err
}

func (e *Env) templateStringTainted(src string, vars Vars, res *resolver) (any, error) {
	if vars != nil && strings.HasPrefix(src, "{{") {
		if m := singleVarRe.FindStringSubmatch(src); m != nil {
			if raw, ok := vars.Lookup(m[1]); ok {
				if u, isU := raw.(Unsafe); isU {
					raw = u.V
				}
				switch x := norm(raw).(type) {
				case bool, int, float64, nil:
					return x, nil
				}
			}
		}
	}
	c, err := e.compile("", src, modeString, FileOptions)
	if err != nil {
		return nil, err
	}
	w, err := e.run(c, vars, res)
	if err != nil {
		return nil, err
	}
	if e.Native {
		return nativeResult(w), nil
	}
	if w.n == 1 && w.single != nil {
		switch w.single.(type) {
		case []any, *Dict, map[string]any, bool:
			if literalSafe(w.single) {
				return plainCopy(w.single), nil
			}
		}
	}
	out := w.b.String()
	if w.n == 1 && w.nativeText {
		return preserveNewlines(src, out), nil
	}
	if v, ok := literalEval(out); ok {
		return v, nil
	}
	return preserveNewlines(src, out), nil
}

// nativeResult is a rendered template's value as Ansible's
// ansible_native_concat gives it: nothing is None; one value that is not
// text is itself; text (one string, or several parts joined) is read as a
// Python literal when it is one (a string literal keeps its quotes), else
// stays text. The output of a string filter (| string) stays text.
func nativeResult(w *output) any {
	if w.n == 0 {
		return nil
	}
	out := w.b.String()
	if w.n == 1 && w.fromValue {
		if w.nativeText {
			return out
		}
		if _, isStr := w.single.(string); !isStr {
			return plainCopy(w.single)
		}
	}
	v, ok := pyLiteralEval(out)
	if !ok {
		return out
	}
	if s, isStr := v.(string); isStr {
		q := out[:1]
		return q + s + q
	}
	return v
}

// TemplateValue templates every string in v, walking lists and dicts (keys
// too), like Ansible templates module arguments. Values that contain no
// template are returned unchanged, without copying; a templated dict comes
// back as *Dict (Go maps in sorted key order), a list as []any.
func (e *Env) TemplateValue(v any, vars Vars) (any, error) {
	if !needsTemplating(v) {
		return v, nil
	}
	return e.templateValue(v, vars, &resolver{})
}

func (e *Env) templateValue(v any, vars Vars, res *resolver) (any, error) {
	if u, ok := v.(Unsafe); ok {
		return u.V, nil
	}
	if !needsTemplating(v) {
		return v, nil
	}
	switch x := norm(v).(type) {
	case string:
		return e.templateString(x, vars, res)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			t, err := e.templateValue(el, vars, res)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case Tuple:
		out := make([]any, len(x))
		for i, el := range x {
			t, err := e.templateValue(el, vars, res)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case *Dict, map[string]any:
		keys := mapKeys(x)
		d := NewDict(len(keys))
		for _, k := range keys {
			val, _ := mapGet(x, k)
			tk, err := e.templateValue(k, vars, res)
			if err != nil {
				return nil, err
			}
			if u, ok := tk.(Unsafe); ok {
				tk = u.V // a key is a name, not data to protect
			}
			tv, err := e.templateValue(val, vars, res)
			if err != nil {
				return nil, err
			}
			d.Set(tk, tv)
		}
		return d, nil
	}
	return v, nil
}

// Eval evaluates a bare Jinja expression ("x.y | default(1)") and returns
// its native value. Using an undefined variable is an error.
func (e *Env) Eval(expr string, vars Vars) (any, error) {
	c, err := e.compile("", expr, modeExpr, Options{})
	if err != nil {
		return nil, err
	}
	s := e.newState(c, vars, nil)
	v, err := c.x.eval(s)
	if err == nil {
		v, err = finalize(v)
	}
	if err != nil {
		return nil, c.wrap(withPos(err, c.x.position()))
	}
	return v, nil
}

// Truth evaluates a conditional as Ansible does for when, changed_when,
// failed_when and until: template markers in cond are rendered first, then
// the expression is evaluated and judged by Python truthiness. Errors read
// as Ansible's: "The conditional check 'cond' failed. The error was: …".
func (e *Env) Truth(cond string, vars Vars) (bool, error) {
	ok, err := e.truth(cond, vars)
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			c := *te
			switch te.Kind {
			case KindUndefined:
				c.Msg = "error while evaluating conditional (" + cond + "): " + te.Msg + ". " + te.Msg
			case KindSyntax:
				c.Msg = "template error while templating string: " + te.Msg
			}
			c.Msg = "The conditional check '" + cond + "' failed. The error was: " + c.Msg
			return false, &c
		}
		return false, err
	}
	return ok, nil
}

// TruthValue judges a when:-style value as Ansible does: strings are
// conditionals (see Truth), other YAML values (true, 1, null, …) by Python
// truthiness.
func (e *Env) TruthValue(cond any, vars Vars) (bool, error) {
	if s, ok := cond.(string); ok {
		return e.Truth(s, vars)
	}
	return truth(norm(cond))
}

func (e *Env) truth(cond string, vars Vars) (bool, error) {
	expr := cond
	if isPossiblyTemplate(cond) {
		v, err := e.Template(cond, vars)
		if err != nil {
			return false, err
		}
		if u, ok := v.(Unsafe); ok {
			if s, isStr := u.V.(string); isStr && s != "" {
				return false, &Error{Kind: KindRuntime, Msg: "Conditional is marked as unsafe, and cannot be evaluated."}
			}
			v = u.V
		}
		s, isStr := v.(string)
		if !isStr || s == "" {
			t, err := truth(norm(v))
			return t, err
		}
		expr = s
	}
	c, err := e.compile("", expr, modeExpr, Options{})
	if err != nil {
		return false, err
	}
	s := e.newState(c, vars, nil)
	v, err := c.x.eval(s)
	if err != nil {
		return false, c.wrap(withPos(err, c.x.position()))
	}
	t, err := truth(v)
	if err != nil {
		return false, c.wrap(withPos(err, c.x.position()))
	}
	return t, nil
}

// RenderFile renders a template file's content with the template module's
// defaults (trim_blocks on, lstrip_blocks off, trailing newlines kept).
// Errors carry name:line:col.
func (e *Env) RenderFile(name string, src []byte, vars Vars) (string, error) {
	return e.RenderFileWith(name, src, vars, FileOptions)
}

// RenderFileWith is RenderFile with explicit template module options.
func (e *Env) RenderFileWith(name string, src []byte, vars Vars, opts Options) (string, error) {
	if name == "" {
		name = "<template>"
	}
	c, err := e.compile(name, string(src), modeFile, opts)
	if err != nil {
		return "", err
	}
	w, err := e.runWith(c, vars, nil, opts.Loader)
	if err != nil {
		return "", err
	}
	out := w.b.String()
	nl := opts.NewlineSequence
	if nl == "" {
		nl = "\n"
	}
	want, have := trailingNewlines(string(src)), trailingNewlines(out)
	if want > have {
		out += strings.Repeat(nl, want-have)
	}
	return out, nil
}
