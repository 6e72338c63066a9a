package jinja

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/fqcn"
)

// parser builds the AST from tokens (Jinja's grammar and precedence).
// maxNesting bounds expression and block nesting so hostile templates
// cannot exhaust the stack.
const maxNesting = 100

type parser struct {
	depth   int
	src     string
	toks    []token
	i       int
	env     *Env
	endTags []string // block end tags currently accepted, innermost last
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

func describe(t token) string {
	switch t.kind {
	case tVarEnd:
		return "end of print statement"
	case tBlockEnd:
		return "end of statement block"
	case tEOF:
		return "end of template"
	case tVarBegin:
		return "begin of print statement"
	case tBlockBegin:
		return "begin of statement block"
	case tName, tOp:
		return t.val
	case tString:
		return "string"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	}
	return "template data"
}

// stringTypeFilters are Ansible's STRING_TYPE_FILTERS: their result is
// kept as text rather than converted back into a list or dict.
var stringTypeFilters = map[string]bool{"string": true, "to_json": true, "to_nice_json": true,
	"to_yaml": true, "to_nice_yaml": true, "ppretty": true, "json": true}

func isStringTypeFilter(x expr) bool {
	f, ok := x.(*filterExpr)
	return ok && stringTypeFilters[fqcn.Short(f.name)]
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return &evalError{kind: KindSyntax, msg: sprintf(format, args...), pos: t.pos}
}

func (p *parser) unexpected(t token) error {
	return p.errAt(t, "unexpected '%s'", describe(t))
}

func (p *parser) isOp(op string) bool {
	t := p.toks[p.i]
	return t.kind == tOp && t.val == op
}

func (p *parser) isName(name string) bool {
	t := p.toks[p.i]
	return t.kind == tName && t.val == name
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectOp(op string) (token, error) {
	t := p.peek()
	if t.kind != tOp || t.val != op {
		return t, p.errAt(t, "expected token '%s', got '%s'", op, describe(t))
	}
	return p.next(), nil
}

func (p *parser) expectKind(k tokKind) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.errAt(t, "expected token '%s', got '%s'", describeKind(k), describe(t))
	}
	return p.next(), nil
}

func describeKind(k tokKind) string {
	switch k {
	case tVarEnd:
		return "end of print statement"
	case tBlockEnd:
		return "end of statement block"
	case tName:
		return "name"
	}
	return tokNames[k]
}

// parseTemplate parses a whole template body.
func (p *parser) parseTemplate() ([]node, error) {
	body, _, err := p.subparse(nil)
	if err != nil {
		return nil, err
	}
	return body, nil
}

// subparse parses nodes until one of the end tags (returned, with the
// block-begin consumed and the tag name token next) or the end of input.
func (p *parser) subparse(ends []string) ([]node, string, error) {
	var body []node
	for {
		t := p.next()
		switch t.kind {
		case tEOF:
			if ends != nil {
				return nil, "", p.unclosed(t, ends)
			}
			return body, "", nil
		case tData:
			body = append(body, &dataNode{text: t.val})
		case tVarBegin:
			x, err := p.parseTuple(false, true)
			if err != nil {
				return nil, "", err
			}
			if _, err := p.expectKind(tVarEnd); err != nil {
				return nil, "", err
			}
			body = append(body, &outputNode{x: x, text: isStringTypeFilter(x)})
		case tBlockBegin:
			tag := p.peek()
			if tag.kind != tName {
				return nil, "", p.errAt(tag, "tag name expected")
			}
			for _, e := range ends {
				if tag.val == e {
					p.i++
					return body, e, nil
				}
			}
			n, err := p.parseStatement()
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				body = append(body, n)
			}
		default:
			return nil, "", p.unexpected(t)
		}
	}
}

func (p *parser) unclosed(t token, ends []string) error {
	quoted := make([]string, len(ends))
	for i, e := range ends {
		quoted[i] = "'" + e + "'"
	}
	inner := ""
	if len(p.endTags) > 0 {
		inner = " The innermost block that needs to be closed is '" + p.endTags[len(p.endTags)-1] + "'."
	}
	return p.errAt(t, "Unexpected end of template. Jinja was looking for the following tags: %s.%s", strings.Join(quoted, " or "), inner)
}

func (p *parser) parseStatement() (node, error) {
	tag := p.next()
	switch tag.val {
	case "if":
		return p.block("if", p.parseIf)
	case "for":
		return p.block("for", p.parseFor)
	case "set":
		return p.parseSet(tag)
	case "macro":
		return p.block("macro", func() (node, error) { return p.parseMacro(tag) })
	case "call":
		return p.block("call", func() (node, error) { return p.parseCallBlock(tag) })
	case "filter":
		return p.block("filter", p.parseFilterBlock)
	case "with":
		return p.block("with", p.parseWith)
	case "include":
		return p.parseInclude(tag)
	case "import", "from":
		return p.parseImport(tag)
	}
	return nil, p.errAt(tag, "Encountered unknown tag '%s'.", tag.val)
}

func (p *parser) block(name string, f func() (node, error)) (node, error) {
	if len(p.endTags) >= maxNesting {
		return nil, p.errAt(p.peek(), "template nested too deeply")
	}
	p.endTags = append(p.endTags, name)
	n, err := f()
	p.endTags = p.endTags[:len(p.endTags)-1]
	return n, err
}

func (p *parser) parseIf() (node, error) {
	n := &ifNode{}
	for {
		cond, err := p.parseTuple(false, false)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectKind(tBlockEnd); err != nil {
			return nil, err
		}
		body, end, err := p.subparse([]string{"elif", "else", "endif"})
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if _, err := p.expectKind(tBlockEnd); err != nil {
				return nil, err
			}
			n.els, _, err = p.subparse([]string{"endif"})
			if err != nil {
				return nil, err
			}
		}
		_, err = p.expectKind(tBlockEnd)
		return n, err
	}
}

func (p *parser) parseTarget(allowNS bool) (target, error) {
	t := p.peek()
	tg := target{pos: t.pos}
	if t.kind == tBlockEnd || t.kind == tVarEnd || t.kind == tEOF {
		return tg, p.errAt(t, "Expected an expression, got '%s'", describe(t))
	}
	paren := p.skipOp("(")
	for {
		nt, err := p.expectKind(tName)
		if err != nil {
			return tg, err
		}
		if allowNS && !paren && len(tg.names) == 0 && p.isOp(".") {
			p.next()
			attr, err := p.expectKind(tName)
			if err != nil {
				return tg, err
			}
			tg.ns = nt.val
			tg.names = []string{attr.val}
			return tg, nil
		}
		tg.names = append(tg.names, nt.val)
		if !p.skipOp(",") {
			break
		}
		tg.tuple = true
		if p.isOp(")") || p.isName("in") || p.isOp("=") {
			break
		}
	}
	if paren {
		tg.tuple = true
		if _, err := p.expectOp(")"); err != nil {
			return tg, err
		}
	}
	return tg, nil
}

func (p *parser) parseFor() (node, error) {
	n := &forNode{pos: p.peek().pos}
	var err error
	if n.tgt, err = p.parseTarget(false); err != nil {
		return nil, err
	}
	if !p.skipName("in") {
		return nil, p.errAt(p.peek(), "expected token 'in', got '%s'", describe(p.peek()))
	}
	if n.iter, err = p.parseTuple(false, false); err != nil {
		return nil, err
	}
	if p.skipName("if") {
		if n.filter, err = p.parseExpression(true); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if _, err := p.expectKind(tBlockEnd); err != nil {
		return nil, err
	}
	body, end, err := p.subparse([]string{"endfor", "else"})
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if _, err := p.expectKind(tBlockEnd); err != nil {
			return nil, err
		}
		if n.els, _, err = p.subparse([]string{"endfor"}); err != nil {
			return nil, err
		}
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseSet(tag token) (node, error) {
	tg, err := p.parseTarget(true)
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		x, err := p.parseTuple(false, false)
		if err != nil {
			return nil, err
		}
		_, err = p.expectKind(tBlockEnd)
		return &setNode{pos: tag.pos, tgt: tg, x: x}, err
	}
	n := &setBlockNode{pos: tag.pos, tgt: tg}
	if p.isOp("|") {
		p.next()
		f, err := p.parseFilterChain(nil)
		if err != nil {
			return nil, err
		}
		n.filter = f
	}
	if _, err := p.expectKind(tBlockEnd); err != nil {
		return nil, err
	}
	p.endTags = append(p.endTags, "set")
	defer func() { p.endTags = p.endTags[:len(p.endTags)-1] }()
	if n.body, _, err = p.subparse([]string{"endset"}); err != nil {
		return nil, err
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

// parseFilterChain parses "name(args) | name2 …" after a leading pipe has
// been consumed, applying the filters to input.
func (p *parser) parseFilterChain(input expr) (*filterExpr, error) {
	var f *filterExpr
	for {
		x, err := p.parseFilter(input)
		if err != nil {
			return nil, err
		}
		f = x
		input = x
		if !p.skipOp("|") {
			return f, nil
		}
	}
}

func (p *parser) parseParams() ([]macroParam, error) {
	var params []macroParam
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	for !p.isOp(")") {
		if len(params) > 0 {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		nt, err := p.expectKind(tName)
		if err != nil {
			return nil, err
		}
		mp := macroParam{name: nt.val}
		if p.skipOp("=") {
			if mp.def, err = p.parseExpression(true); err != nil {
				return nil, err
			}
		}
		params = append(params, mp)
	}
	p.next()
	return params, nil
}

func (p *parser) parseMacro(tag token) (node, error) {
	nt, err := p.expectKind(tName)
	if err != nil {
		return nil, err
	}
	n := &macroNode{pos: tag.pos, name: nt.val}
	if n.params, err = p.parseParams(); err != nil {
		return nil, err
	}
	if _, err := p.expectKind(tBlockEnd); err != nil {
		return nil, err
	}
	if n.body, _, err = p.subparse([]string{"endmacro"}); err != nil {
		return nil, err
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseCallBlock(tag token) (node, error) {
	n := &callBlockNode{pos: tag.pos}
	var err error
	if p.isOp("(") {
		if n.params, err = p.parseParams(); err != nil {
			return nil, err
		}
	}
	x, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	call, ok := x.(*callExpr)
	if !ok {
		return nil, p.errAt(tag, "expected call")
	}
	n.call = call
	if _, err := p.expectKind(tBlockEnd); err != nil {
		return nil, err
	}
	if n.body, _, err = p.subparse([]string{"endcall"}); err != nil {
		return nil, err
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseFilterBlock() (node, error) {
	f, err := p.parseFilterChain(nil)
	if err != nil {
		return nil, err
	}
	if _, err := p.expectKind(tBlockEnd); err != nil {
		return nil, err
	}
	n := &filterBlockNode{filter: f}
	if n.body, _, err = p.subparse([]string{"endfilter"}); err != nil {
		return nil, err
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseInclude(tag token) (node, error) {
	x, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	n := &includeNode{pos: tag.pos, name: x}
	if p.isName("ignore") && p.toks[p.i+1].kind == tName && p.toks[p.i+1].val == "missing" {
		p.i += 2
		n.ignoreMissing = true
	}
	if p.isName("with") || p.isName("without") {
		n.noContext = p.next().val == "without"
		if !p.skipName("context") {
			return nil, p.errAt(p.peek(), "expected token 'context', got '%s'", describe(p.peek()))
		}
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseImport(tag token) (node, error) {
	x, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	n := &importNode{pos: tag.pos, name: x}
	if tag.val == "import" {
		if !p.skipName("as") {
			return nil, p.errAt(p.peek(), "expected token 'as', got '%s'", describe(p.peek()))
		}
		t, err := p.expectKind(tName)
		if err != nil {
			return nil, err
		}
		n.alias = t.val
	} else {
		if !p.skipName("import") {
			return nil, p.errAt(p.peek(), "expected token 'import', got '%s'", describe(p.peek()))
		}
		for {
			if p.isName("with") || p.isName("without") || p.peek().kind == tBlockEnd {
				break
			}
			if len(n.names) > 0 {
				if _, err := p.expectOp(","); err != nil {
					return nil, err
				}
			}
			t, err := p.expectKind(tName)
			if err != nil {
				return nil, err
			}
			local := t.val
			if p.skipName("as") {
				at, err := p.expectKind(tName)
				if err != nil {
					return nil, err
				}
				local = at.val
			}
			n.names = append(n.names, t.val)
			n.as = append(n.as, local)
		}
		if len(n.names) == 0 {
			return nil, p.errAt(p.peek(), "expected token 'name', got '%s'", describe(p.peek()))
		}
	}
	if p.isName("with") || p.isName("without") {
		n.withContext = p.next().val == "with"
		if !p.skipName("context") {
			return nil, p.errAt(p.peek(), "expected token 'context', got '%s'", describe(p.peek()))
		}
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

func (p *parser) parseWith() (node, error) {
	n := &withNode{}
	for p.peek().kind != tBlockEnd {
		if len(n.tgts) > 0 {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		tg, err := p.parseTarget(false)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		x, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		n.tgts = append(n.tgts, tg)
		n.vals = append(n.vals, x)
	}
	p.next()
	var err error
	if n.body, _, err = p.subparse([]string{"endwith"}); err != nil {
		return nil, err
	}
	_, err = p.expectKind(tBlockEnd)
	return n, err
}

// Expressions.

// parseTuple parses an expression or an unparenthesized tuple.
func (p *parser) parseTuple(simplified, withCond bool) (expr, error) {
	start := p.peek()
	if p.tupleEnds() {
		return nil, p.errAt(start, "Expected an expression, got '%s'", describe(start))
	}
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			if !p.skipOp(",") {
				break
			}
			isTuple = true
			if p.tupleEnds() {
				break
			}
		}
		var x expr
		var err error
		if simplified {
			x, err = p.parsePrimaryPostfix()
		} else {
			x, err = p.parseExpression(withCond)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		if !p.isOp(",") {
			break
		}
	}
	if !isTuple {
		if len(items) == 0 {
			return nil, p.errAt(start, "Expected an expression, got '%s'", describe(start))
		}
		return items[0], nil
	}
	return &tupleExpr{exprBase{start.pos}, items}, nil
}

func (p *parser) tupleEnds() bool {
	t := p.peek()
	switch t.kind {
	case tVarEnd, tBlockEnd, tEOF:
		return true
	case tOp:
		return t.val == ")" || t.val == "]" || t.val == "}"
	case tName:
		return t.val == "in" || t.val == "if" || t.val == "recursive"
	}
	return false
}

func (p *parser) parseExpression(withCond bool) (expr, error) {
	if withCond {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

func (p *parser) parseCondExpr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		t := p.next()
		test, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var els expr
		if p.skipName("else") {
			if els, err = p.parseCondExpr(); err != nil {
				return nil, err
			}
		}
		x = &condExpr{exprBase{t.pos}, test, x, els}
	}
	return x, nil
}

func (p *parser) parseOr() (expr, error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isName("or") {
		t := p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		x = &orExpr{exprBase{t.pos}, x, r}
	}
	return x, nil
}

func (p *parser) parseAnd() (expr, error) {
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isName("and") {
		t := p.next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		x = &andExpr{exprBase{t.pos}, x, r}
	}
	return x, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting || len(p.endTags) > maxNesting {
		return p.errAt(p.peek(), "template nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		t := p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &notExpr{exprBase{t.pos}, x}, nil
	}
	return p.parseCompare()
}

var compareOps = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) parseCompare() (expr, error) {
	start := p.peek()
	x, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	var ops []string
	var rest []expr
	for {
		t := p.peek()
		var op string
		switch {
		case t.kind == tOp && compareOps[t.val]:
			op = t.val
			p.next()
		case t.kind == tName && t.val == "in":
			op = "in"
			p.next()
		case t.kind == tName && t.val == "not" && p.toks[p.i+1].kind == tName && p.toks[p.i+1].val == "in":
			op = "notin"
			p.i += 2
		default:
			if ops == nil {
				return x, nil
			}
			return &compareExpr{exprBase{start.pos}, x, ops, rest}, nil
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
		rest = append(rest, r)
	}
}

func (p *parser) parseMath1() (expr, error) {
	x, err := p.parseConcat()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		r, err := p.parseConcat()
		if err != nil {
			return nil, err
		}
		x = &binExpr{exprBase{t.pos}, t.val, x, r}
	}
	return x, nil
}

func (p *parser) parseConcat() (expr, error) {
	start := p.peek()
	x, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	if !p.isOp("~") {
		return x, nil
	}
	items := []expr{x}
	for p.skipOp("~") {
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		items = append(items, r)
	}
	return &concatExpr{exprBase{start.pos}, items}, nil
}

func (p *parser) parseMath2() (expr, error) {
	x, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		t := p.next()
		r, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		x = &binExpr{exprBase{t.pos}, t.val, x, r}
	}
	return x, nil
}

func (p *parser) parsePow() (expr, error) {
	x, err := p.parseUnary(true)
	if err != nil {
		return nil, err
	}
	for p.isOp("**") {
		t := p.next()
		r, err := p.parseUnary(true)
		if err != nil {
			return nil, err
		}
		x = &binExpr{exprBase{t.pos}, "**", x, r}
	}
	return x, nil
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	t := p.peek()
	var x expr
	var err error
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		p.next()
		inner, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryExpr{exprBase{t.pos}, t.val, inner}
	} else {
		x, err = p.parsePrimaryPostfix()
		if err != nil {
			return nil, err
		}
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimaryPostfix() (expr, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	return p.parsePostfix(x)
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tName:
		switch t.val {
		case "true", "True":
			return &constExpr{exprBase{t.pos}, true}, nil
		case "false", "False":
			return &constExpr{exprBase{t.pos}, false}, nil
		case "none", "None":
			return &constExpr{exprBase{t.pos}, nil}, nil
		}
		return &nameExpr{exprBase{t.pos}, t.val}, nil
	case tString:
		s := t.val
		for p.peek().kind == tString {
			s += p.next().val
		}
		return &constExpr{exprBase{t.pos}, s}, nil
	case tInt, tFloat:
		return &constExpr{exprBase{t.pos}, t.num}, nil
	case tOp:
		switch t.val {
		case "(":
			if p.skipOp(")") {
				return &tupleExpr{exprBase{t.pos}, nil}, nil
			}
			x, err := p.parseTuple(false, true)
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return x, nil
		case "[":
			items, err := p.parseList("]")
			if err != nil {
				return nil, err
			}
			return &listExpr{exprBase{t.pos}, items}, nil
		case "{":
			return p.parseDict(t)
		}
	}
	return nil, p.unexpected(t)
}

func (p *parser) parseList(closer string) ([]expr, error) {
	var items []expr
	for !p.isOp(closer) {
		if len(items) > 0 {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.isOp(closer) {
				break
			}
		}
		x, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	p.next()
	return items, nil
}

func (p *parser) parseDict(t token) (expr, error) {
	d := &dictExpr{exprBase: exprBase{t.pos}}
	for !p.isOp("}") {
		if len(d.keys) > 0 {
			if _, err := p.expectOp(","); err != nil {
				return nil, err
			}
			if p.isOp("}") {
				break
			}
		}
		k, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	p.next()
	return d, nil
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	for {
		t := p.peek()
		if t.kind != tOp {
			return x, nil
		}
		switch t.val {
		case ".":
			p.next()
			a := p.next()
			switch a.kind {
			case tName:
				x = &attrExpr{exprBase{a.pos}, x, a.val}
			case tInt:
				x = &itemExpr{exprBase: exprBase{a.pos}, obj: x, key: &constExpr{exprBase{a.pos}, a.num}}
			default:
				return nil, p.errAt(a, "expected name or number")
			}
		case "[":
			p.next()
			var err error
			if x, err = p.parseSubscript(x, t); err != nil {
				return nil, err
			}
		case "(":
			p.next()
			args, err := p.parseCallArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{exprBase{t.pos}, x, args}
		default:
			return x, nil
		}
	}
}

func (p *parser) parseSubscript(x expr, t token) (expr, error) {
	var parts []expr
	isSlice := false
	var cur expr
	for !p.isOp("]") {
		switch {
		case p.isOp(":"):
			p.next()
			parts = append(parts, cur)
			cur = nil
			isSlice = true
		case p.isOp(","):
			return nil, p.errAt(p.peek(), "tuple subscripts are not supported")
		default:
			if cur != nil {
				return nil, p.unexpected(p.peek())
			}
			var err error
			if cur, err = p.parseExpression(true); err != nil {
				return nil, err
			}
		}
	}
	p.next()
	if !isSlice {
		if cur == nil {
			return nil, p.errAt(t, "expected subscript expression")
		}
		ie := &itemExpr{exprBase: exprBase{t.pos}, obj: x, key: cur}
		if _, isConst := cur.(*constExpr); !isConst && p.src != "" {
			ie.keySrc = strings.TrimSpace(p.src[cur.position():p.toks[p.i-1].pos])
		}
		return ie, nil
	}
	parts = append(parts, cur)
	if len(parts) > 3 {
		return nil, p.errAt(t, "invalid slice")
	}
	for len(parts) < 3 {
		parts = append(parts, nil)
	}
	return &sliceExpr{exprBase{t.pos}, x, parts[0], parts[1], parts[2]}, nil
}

func (p *parser) parseCallArgs() (callArgs, error) {
	var a callArgs
	first := true
	for !p.isOp(")") {
		if !first {
			if _, err := p.expectOp(","); err != nil {
				return a, err
			}
			if p.isOp(")") {
				break
			}
		}
		first = false
		switch {
		case p.isOp("*"):
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.dynArgs = x
		case p.isOp("**"):
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.dynKwargs = x
		case p.peek().kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].val == "=":
			name := p.next().val
			p.next()
			x, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.kwargs = append(a.kwargs, kwArg{name, x})
		default:
			if len(a.kwargs) > 0 || a.dynArgs != nil || a.dynKwargs != nil {
				return a, p.errAt(p.peek(), "Invalid argument syntax")
			}
			x, err := p.parseExpression(true)
			if err != nil {
				return a, err
			}
			a.args = append(a.args, x)
		}
	}
	p.next()
	return a, nil
}

func (p *parser) parseFilterExpr(x expr) (expr, error) {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			f, err := p.parseFilter(x)
			if err != nil {
				return nil, err
			}
			x = f
		case p.isName("is"):
			p.next()
			tx, err := p.parseTest(x)
			if err != nil {
				return nil, err
			}
			x = tx
		case p.isOp("("):
			t := p.next()
			args, err := p.parseCallArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{exprBase{t.pos}, x, args}
		default:
			return x, nil
		}
	}
}

// dottedName parses name(.name)* for filter and test names.
func (p *parser) dottedName() (token, string, error) {
	t, err := p.expectKind(tName)
	if err != nil {
		return t, "", err
	}
	name := t.val
	for p.isOp(".") && p.toks[p.i+1].kind == tName {
		p.next()
		name += "." + p.next().val
	}
	return t, name, nil
}

func (p *parser) parseFilter(input expr) (*filterExpr, error) {
	t, name, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	f := &filterExpr{exprBase: exprBase{t.pos}, input: input, name: name}
	if f.fn = p.env.lookupFilter(name); f.fn == nil {
		return nil, p.errAt(t, "Could not load \"%s\": '%s'", name, name)
	}
	if p.skipOp("(") {
		if f.callArgs, err = p.parseCallArgs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) parseTest(input expr) (expr, error) {
	negate := p.skipName("not")
	t, name, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	x := &testExpr{exprBase: exprBase{t.pos}, input: input, name: name, negate: negate}
	if x.fn = p.env.lookupTest(name); x.fn == nil {
		return nil, p.errAt(t, "Could not load \"%s\": '%s'", name, name)
	}
	if p.skipOp("(") {
		if x.callArgs, err = p.parseCallArgs(); err != nil {
			return nil, err
		}
	} else if p.testArgFollows() {
		arg, err := p.parsePrimaryPostfix()
		if err != nil {
			return nil, err
		}
		x.args = []expr{arg}
	}
	return x, nil
}

func (p *parser) testArgFollows() bool {
	t := p.peek()
	switch t.kind {
	case tString, tInt, tFloat:
		return true
	case tName:
		switch t.val {
		case "else", "or", "and", "is", "if", "in", "not":
			return false
		}
		return true
	case tOp:
		return t.val == "[" || t.val == "{"
	}
	return false
}
