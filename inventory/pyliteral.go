package inventory

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/drover/drover/internal/yamlx"
)

// errNotLiteral means the text is not a Python literal; the value then stays
// the text itself.
var errNotLiteral = errors.New("not a Python literal")

// literalEval evaluates s like Python's ast.literal_eval as Ansible's INI
// inventory does, returning s unchanged when it is not a literal.
func literalEval(s string) any {
	p := &pyParser{src: strings.TrimLeft(s, " \t")}
	v, err := p.exprList()
	if err == nil {
		p.skipSpace()
		if p.pos < len(p.src) {
			err = errNotLiteral
		}
	}
	if err != nil {
		return s
	}
	return plain(v)
}

type pyParser struct {
	src   string
	pos   int
	depth int
}

const maxLiteralDepth = 200

func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || (p.depth > 0 && (c == '\n' || c == '\r')):
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '\\' && strings.HasPrefix(p.src[p.pos:], "\\\n"):
			p.pos += 2
		default:
			return
		}
	}
}

func (p *pyParser) peek() byte {
	p.skipSpace()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *pyParser) accept(c byte) bool {
	if p.peek() == c {
		p.pos++
		return true
	}
	return false
}

// exprList parses "a" or a bare tuple "a, b,".
func (p *pyParser) exprList() (any, error) {
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek() != ',' {
		return first, nil
	}
	items := []any{first}
	for p.accept(',') {
		if c := p.peek(); c == 0 || c == ')' || c == ']' || c == '}' {
			break
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

func (p *pyParser) expr() (any, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxLiteralDepth {
		return nil, errNotLiteral
	}
	switch c := p.peek(); {
	case c == '-' || c == '+':
		p.pos++
		v, err := p.atom()
		if err != nil {
			return nil, err
		}
		return negate(v, c == '-')
	}
	return p.atom()
}

// negate applies a unary sign to a number (not to a bool or anything else).
func negate(v any, neg bool) (any, error) {
	switch t := v.(type) {
	case int:
		if neg {
			return -t, nil
		}
		return t, nil
	case float64:
		if neg {
			return -t, nil
		}
		return t, nil
	case bigInt:
		if neg {
			n, _ := new(big.Int).SetString(string(t), 10)
			return normalizeBig(n.Neg(n)), nil
		}
		return t, nil
	}
	return nil, errNotLiteral
}

// bigInt is an integer too large for int, kept as decimal text.
type bigInt string

func (p *pyParser) atom() (any, error) {
	c := p.peek()
	switch {
	case c == 0:
		return nil, errNotLiteral
	case c == '[':
		p.pos++
		return p.sequence(']')
	case c == '(':
		p.pos++
		return p.paren()
	case c == '{':
		p.pos++
		return p.brace()
	case c >= '0' && c <= '9' || c == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9':
		return p.number()
	case c == '\'' || c == '"':
		return p.strings()
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == '_' || unicode.IsLetter(r) {
		return p.name()
	}
	return nil, errNotLiteral
}

func (p *pyParser) name() (any, error) {
	start := p.pos
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		p.pos += size
	}
	word := p.src[start:p.pos]
	if p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"') && isStringPrefix(word) {
		p.pos = start
		return p.strings()
	}
	switch word {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	}
	return nil, errNotLiteral
}

func isStringPrefix(w string) bool {
	switch strings.ToLower(w) {
	case "r", "u", "b", "br", "rb":
		return true
	}
	return false
}

func (p *pyParser) sequence(end byte) ([]any, error) {
	items := []any{}
	for {
		if p.accept(end) {
			return items, nil
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if p.accept(end) {
			return items, nil
		}
		if !p.accept(',') {
			return nil, errNotLiteral
		}
	}
}

// paren parses (), (x), (x,) and (x, y).
func (p *pyParser) paren() (any, error) {
	if p.accept(')') {
		return []any{}, nil
	}
	p.depth++
	v, err := p.exprList()
	p.depth--
	if err != nil || !p.accept(')') {
		return nil, errNotLiteral
	}
	return v, nil
}

// brace parses a dict {k: v, ...} or a set {a, b} (kept as a list).
func (p *pyParser) brace() (any, error) {
	if p.accept('}') {
		return map[string]any{}, nil
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.accept(':') {
		items := []any{first}
		for p.accept(',') {
			if p.accept('}') {
				return items, nil
			}
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		if !p.accept('}') {
			return nil, errNotLiteral
		}
		return items, nil
	}
	out := map[string]any{}
	key := first
	for {
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		switch key.(type) {
		case []any, map[string]any:
			return nil, errNotLiteral
		}
		out[yamlx.KeyString(plain(key))] = plain(v)
		if p.accept('}') {
			return out, nil
		}
		if !p.accept(',') {
			return nil, errNotLiteral
		}
		if p.accept('}') {
			return out, nil
		}
		if key, err = p.expr(); err != nil {
			return nil, err
		}
		if !p.accept(':') {
			return nil, errNotLiteral
		}
	}
}

// plain turns internal number forms into the values callers see.
func plain(v any) any {
	switch t := v.(type) {
	case bigInt:
		return string(t)
	case []any:
		for i := range t {
			t[i] = plain(t[i])
		}
	}
	return v
}

func normalizeBig(n *big.Int) any {
	if n.IsInt64() && int64(int(n.Int64())) == n.Int64() {
		return int(n.Int64())
	}
	return bigInt(n.String())
}

// number parses a Python int or float literal (complex numbers are not
// accepted).
func (p *pyParser) number() (any, error) {
	start := p.pos
	s := p.src
	isDigit := func(c byte, base int) bool {
		switch base {
		case 2:
			return c == '0' || c == '1'
		case 8:
			return c >= '0' && c <= '7'
		case 16:
			return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
		return c >= '0' && c <= '9'
	}
	digits := func(base int) bool {
		n := 0
		for p.pos < len(s) {
			c := s[p.pos]
			if c == '_' && p.pos+1 < len(s) && isDigit(s[p.pos+1], base) && n > 0 {
				p.pos++
				continue
			}
			if !isDigit(c, base) {
				break
			}
			p.pos++
			n++
		}
		return n > 0
	}
	if s[p.pos] == '0' && p.pos+1 < len(s) && strings.IndexByte("xXoObB", s[p.pos+1]) >= 0 {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[s[p.pos+1]|0x20]
		p.pos += 2
		if p.pos < len(s) && s[p.pos] == '_' {
			p.pos++
		}
		if !digits(base) || p.identAhead() {
			return nil, errNotLiteral
		}
		n, ok := new(big.Int).SetString(strings.ReplaceAll(s[start+2:p.pos], "_", ""), base)
		if !ok {
			return nil, errNotLiteral
		}
		return normalizeBig(n), nil
	}
	intPart := digits(10)
	isFloat := false
	if p.pos < len(s) && s[p.pos] == '.' {
		p.pos++
		isFloat = true
		frac := digits(10)
		if !intPart && !frac {
			return nil, errNotLiteral
		}
	}
	if p.pos < len(s) && (s[p.pos] == 'e' || s[p.pos] == 'E') {
		save := p.pos
		p.pos++
		if p.pos < len(s) && (s[p.pos] == '+' || s[p.pos] == '-') {
			p.pos++
		}
		if !digits(10) {
			p.pos = save
			return nil, errNotLiteral
		}
		isFloat = true
	}
	if p.identAhead() {
		return nil, errNotLiteral
	}
	text := strings.ReplaceAll(s[start:p.pos], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, errNotLiteral
		}
		return f, nil
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return nil, errNotLiteral
	}
	n, ok := new(big.Int).SetString(text, 10)
	if !ok {
		return nil, errNotLiteral
	}
	return normalizeBig(n), nil
}

// identAhead reports a letter, digit or underscore right after a number,
// which Python rejects (and which covers complex literals like 1j).
func (p *pyParser) identAhead() bool {
	if p.pos >= len(p.src) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.'
}

// strings parses one or more adjacent string literals and concatenates
// them; bytes and text cannot be mixed.
func (p *pyParser) strings() (any, error) {
	var b strings.Builder
	kind := ""
	for {
		c := p.peek()
		start := p.pos
		prefix := ""
		for p.pos < len(p.src) && strings.IndexByte("rRuUbB", p.src[p.pos]) >= 0 && len(prefix) < 2 {
			prefix += p.src[p.pos : p.pos+1]
			p.pos++
		}
		if p.pos >= len(p.src) || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') || (prefix != "" && !isStringPrefix(prefix)) {
			p.pos = start
			if kind == "" || c == 0 {
				return nil, errNotLiteral
			}
			break
		}
		lower := strings.ToLower(prefix)
		k := "str"
		if strings.Contains(lower, "b") {
			k = "bytes"
		}
		if kind != "" && kind != k {
			return nil, errNotLiteral
		}
		kind = k
		s, err := p.stringBody(strings.Contains(lower, "r"), k == "bytes")
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		if n := p.peek(); n != '\'' && n != '"' && !(n != 0 && strings.IndexByte("rRuUbB", n) >= 0) {
			break
		}
	}
	return b.String(), nil
}

func (p *pyParser) stringBody(raw, bytesLit bool) (string, error) {
	q := p.src[p.pos]
	triple := strings.HasPrefix(p.src[p.pos:], strings.Repeat(string(q), 3))
	closing := string(q)
	if triple {
		closing = strings.Repeat(string(q), 3)
	}
	p.pos += len(closing)
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", errNotLiteral
		}
		if strings.HasPrefix(p.src[p.pos:], closing) {
			p.pos += len(closing)
			return b.String(), nil
		}
		c := p.src[p.pos]
		if c == '\n' && !triple {
			return "", errNotLiteral
		}
		if bytesLit && c >= 0x80 {
			return "", errNotLiteral
		}
		if c != '\\' {
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			return "", errNotLiteral
		}
		if raw {
			b.WriteString(p.src[p.pos : p.pos+2])
			p.pos += 2
			continue
		}
		if err := p.escape(&b, bytesLit); err != nil {
			return "", err
		}
	}
}

var simpleEscapes = map[byte]string{'\n': "", '\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v"}

// escape decodes the backslash escape at p.pos into b.
func (p *pyParser) escape(b *strings.Builder, bytesLit bool) error {
	c := p.src[p.pos+1]
	if s, ok := simpleEscapes[c]; ok {
		b.WriteString(s)
		p.pos += 2
		return nil
	}
	switch {
	case c >= '0' && c <= '7':
		end := p.pos + 1
		for end < len(p.src) && end < p.pos+4 && p.src[end] >= '0' && p.src[end] <= '7' {
			end++
		}
		n, _ := strconv.ParseUint(p.src[p.pos+1:end], 8, 32)
		writeCode(b, rune(n), bytesLit)
		p.pos = end
		return nil
	case c == 'x' || !bytesLit && (c == 'u' || c == 'U'):
		width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if p.pos+2+width > len(p.src) {
			return errNotLiteral
		}
		n, err := strconv.ParseUint(p.src[p.pos+2:p.pos+2+width], 16, 32)
		if err != nil || n > unicode.MaxRune {
			return errNotLiteral
		}
		writeCode(b, rune(n), bytesLit && c == 'x')
		p.pos += 2 + width
		return nil
	case c == 'N' && !bytesLit:
		return errNotLiteral
	}
	b.WriteByte('\\')
	p.pos++
	return nil
}

func writeCode(b *strings.Builder, r rune, asByte bool) {
	if asByte {
		b.WriteByte(byte(r))
		return
	}
	b.WriteRune(r)
}
