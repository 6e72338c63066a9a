package jinja

import "slices"

// This file holds what lookup plugins (written outside this package) need
// from the engine: the literal names they are called with, Ansible's
// conversion of rendered text, Python's seeded random generator and
// undefined-variable errors.

// LiteralCall is a call in a template of a global function whose first
// argument is a string literal, such as lookup('file', …).
type LiteralCall struct {
	Func string // the function called: lookup, query, …
	Arg  string // its first argument, decoded
	Line int    // 1-based line of the call in the source
	Col  int    // 1-based column (in characters)
}

// LiteralCalls lists the calls to the functions named funcs whose first
// argument is a string literal alone (not part of an expression), in a playbook string (or, with bare set, a
// bare expression such as a when condition). A name written as an
// attribute (x.lookup(…)) is not a call of the global. The template must
// be syntactically valid as far as its tokens go; the error is the
// template's syntax error otherwise.
func (e *Env) LiteralCalls(src string, bare bool, funcs ...string) ([]LiteralCall, error) {
	var toks []token
	var err error
	text := src
	switch {
	case bare && !isPossiblyTemplate(src):
		toks, err = tokenizeExpr(src)
	case isPossiblyTemplate(src):
		text = normalizeSource(src, false)
		toks, err = tokenize(text, lexOptions{trimBlocks: true, rawVarStrings: true, newline: "\n"})
	default:
		return nil, nil
	}
	if err != nil {
		return nil, (&compiled{src: text}).wrap(err)
	}
	var out []LiteralCall
	for i := 0; i+2 < len(toks); i++ {
		t := toks[i]
		if t.kind != tName || !slices.Contains(funcs, t.val) {
			continue
		}
		if i > 0 && toks[i-1].kind == tOp && toks[i-1].val == "." {
			continue
		}
		if toks[i+1].kind != tOp || toks[i+1].val != "(" || toks[i+2].kind != tString {
			continue
		}
		if i+3 >= len(toks) || toks[i+3].kind != tOp || (toks[i+3].val != "," && toks[i+3].val != ")") {
			continue
		}
		line, col := lineCol(text, t.pos)
		out = append(out, LiteralCall{Func: t.val, Arg: toks[i+2].val, Line: line, Col: col})
	}
	return out, nil
}

// LiteralEval converts rendered text to the list, dict or bool it reads as
// (a Python literal starting with '[' or '{', or True/False), as Ansible
// does with the result of a template; ok is false when the text stays text.
func LiteralEval(text string) (v any, ok bool) {
	return literalEval(text)
}

// PyRandom is CPython's random.Random seeded with a value, so that seeded
// choices (the password lookup's seed) match Ansible's.
type PyRandom struct{ r *pyRandom }

// NewPyRandom seeds a generator as random.Random(seed) does (ints by value,
// other values through their str).
func NewPyRandom(seed any) *PyRandom { return &PyRandom{r: newPyRandom(seed)} }

// Below returns Random._randbelow(n): an int in [0, n), as random.choice
// draws an index.
func (p *PyRandom) Below(n int) int { return p.r.below(n) }

// UndefinedError is an error of KindUndefined with msg, for functions that
// find a variable undefined (lookup('vars', name)).
func UndefinedError(msg string) error {
	return &Error{Kind: KindUndefined, Msg: msg}
}
