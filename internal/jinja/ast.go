package jinja

// expr is an expression node. Nodes are immutable after parsing, so one
// compiled template can be rendered by many goroutines at once.
type expr interface {
	eval(s *state) (any, error)
	position() int
}

// node is a statement node of a template body.
type node interface {
	exec(s *state, w *output) error
}

type exprBase struct{ pos int }

func (e exprBase) position() int { return e.pos }

type constExpr struct {
	exprBase
	v any
}

type nameExpr struct {
	exprBase
	name string
}

type listExpr struct {
	exprBase
	items []expr
}

type tupleExpr struct {
	exprBase
	items []expr
}

type dictExpr struct {
	exprBase
	keys, vals []expr
}

type attrExpr struct {
	exprBase
	obj  expr
	name string
}

type itemExpr struct {
	exprBase
	obj, key expr
	keySrc   string // source of a non-constant key, named in errors instead of its value
}

type sliceExpr struct {
	exprBase
	obj, start, stop, step expr
}

type kwArg struct {
	name string
	val  expr
}

type callArgs struct {
	args      []expr
	kwargs    []kwArg
	dynArgs   expr
	dynKwargs expr
}

type callExpr struct {
	exprBase
	fn expr
	callArgs
}

type filterExpr struct {
	exprBase
	input expr // nil inside {% filter %} blocks
	name  string
	fn    *filterDef
	callArgs
}

type testExpr struct {
	exprBase
	input  expr
	name   string
	fn     *testDef
	negate bool
	callArgs
}

type binExpr struct {
	exprBase
	op   string
	l, r expr
}

type unaryExpr struct {
	exprBase
	op string
	x  expr
}

type andExpr struct {
	exprBase
	l, r expr
}

type orExpr struct {
	exprBase
	l, r expr
}

type notExpr struct {
	exprBase
	x expr
}

type compareExpr struct {
	exprBase
	first expr
	ops   []string
	rest  []expr
}

type condExpr struct {
	exprBase
	test, then, els expr
}

type concatExpr struct {
	exprBase
	items []expr
}

// Statement nodes.

type dataNode struct{ text string }

type outputNode struct {
	x    expr
	text bool // x is a string-type filter (to_json, string, …): no literal conversion
}

type ifNode struct {
	conds  []expr
	bodies [][]node
	els    []node
}

type target struct {
	pos   int
	names []string // one name, or a tuple of names
	tuple bool
	ns    string // for {% set ns.attr = … %}: the namespace variable
}

type forNode struct {
	pos       int
	tgt       target
	iter      expr
	filter    expr
	body, els []node
	recursive bool
}

type setNode struct {
	pos int
	tgt target
	x   expr
}

type setBlockNode struct {
	pos    int
	tgt    target
	body   []node
	filter *filterExpr
}

type macroParam struct {
	name string
	def  expr
}

type macroNode struct {
	pos    int
	name   string
	params []macroParam
	body   []node
}

type filterBlockNode struct {
	filter *filterExpr
	body   []node
}

type withNode struct {
	tgts []target
	vals []expr
	body []node
}

type includeNode struct {
	pos           int
	name          expr
	ignoreMissing bool
	noContext     bool
}

// importNode is {% import name as alias %} or {% from name import a, b as c %}.
type importNode struct {
	pos         int
	name        expr
	alias       string   // import … as alias
	names       []string // from … import names
	as          []string // local names for names
	withContext bool
}

type callBlockNode struct {
	pos    int
	call   *callExpr
	params []macroParam
	body   []node
}
