package jinja

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tData
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
)

var tokNames = [...]string{"end of template", "template data", "'{{'", "'}}'", "'{%'", "'%}'", "name", "string", "integer", "float", "operator"}

type token struct {
	kind tokKind
	val  string // name, operator, decoded string, data text
	num  any    // int or float64 for numbers
	pos  int    // byte offset in the (normalized) source
}

// lexOptions are the Jinja environment settings that affect lexing.
type lexOptions struct {
	trimBlocks     bool
	lstripBlocks   bool
	rawVarStrings  bool // Ansible's escape_backslashes: string literals in {{ }} keep backslashes
	newline        string
	keepTrailingNL bool
}

type lexer struct {
	src  string
	pos  int
	opts lexOptions
	toks []token
}

// normalizeSource applies Jinja's newline handling: every line break becomes
// "\n" and, unless kept, one trailing newline is dropped.
func normalizeSource(src string, keepTrailing bool) string {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	if !keepTrailing && strings.HasSuffix(src, "\n") {
		src = src[:len(src)-1]
	}
	return src
}

// tokenize splits a normalized template source into tokens.
func tokenize(src string, opts lexOptions) ([]token, error) {
	lx := &lexer{src: src, opts: opts}
	if err := lx.run(); err != nil {
		return nil, err
	}
	lx.toks = append(lx.toks, token{kind: tEOF, pos: len(src)})
	return lx.toks, nil
}

func (lx *lexer) errAt(pos int, format string, args ...any) error {
	return &evalError{kind: KindSyntax, msg: sprintf(format, args...), pos: pos}
}

// run lexes template data and tags until the end of the source.
func (lx *lexer) run() error {
	stripNext := false
	for lx.pos < len(lx.src) {
		start, kind := lx.nextTag(lx.pos)
		data := lx.src[lx.pos:start]
		if stripNext {
			data = strings.TrimLeftFunc(data, unicode.IsSpace)
			stripNext = false
		}
		if start == len(lx.src) {
			lx.emitData(data, lx.pos)
			lx.pos = start
			break
		}
		mod := byte(0)
		if start+2 < len(lx.src) && (lx.src[start+2] == '-' || lx.src[start+2] == '+') {
			mod = lx.src[start+2]
		}
		switch {
		case mod == '-':
			data = strings.TrimRightFunc(data, unicode.IsSpace)
		case mod != '+' && lx.opts.lstripBlocks && kind != '{':
			data = lstripLine(data)
		}
		if kind == '%' && lx.isRaw(start) {
			lx.emitData(data, lx.pos)
			var err error
			stripNext, err = lx.lexRaw(start)
			if err != nil {
				return err
			}
			continue
		}
		lx.emitData(data, lx.pos)
		body := start + 2
		if mod != 0 {
			body++
		}
		var err error
		switch kind {
		case '#':
			stripNext, err = lx.lexComment(start, body)
		case '{':
			lx.toks = append(lx.toks, token{kind: tVarBegin, pos: start})
			stripNext, err = lx.lexExpr(body, "}}", tVarEnd)
		case '%':
			lx.toks = append(lx.toks, token{kind: tBlockBegin, pos: start})
			stripNext, err = lx.lexExpr(body, "%}", tBlockEnd)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lstripLine removes spaces and tabs between the last newline of data and
// its end, when only those stand there (lstrip_blocks).
func lstripLine(data string) string {
	i := len(data)
	for i > 0 && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	if i == 0 || data[i-1] == '\n' {
		return data[:i]
	}
	return data
}

// nextTag finds the next tag opening at or after pos; kind is '{', '%' or
// '#', and start is len(src) when there is none.
func (lx *lexer) nextTag(pos int) (start int, kind byte) {
	for {
		i := strings.IndexByte(lx.src[pos:], '{')
		if i < 0 || pos+i+1 >= len(lx.src) {
			return len(lx.src), 0
		}
		j := pos + i
		switch c := lx.src[j+1]; c {
		case '{', '%', '#':
			return j, c
		}
		pos = j + 1
	}
}

func (lx *lexer) emitData(data string, pos int) {
	if data == "" {
		return
	}
	if lx.opts.newline != "" && lx.opts.newline != "\n" {
		data = strings.ReplaceAll(data, "\n", lx.opts.newline)
	}
	lx.toks = append(lx.toks, token{kind: tData, val: data, pos: pos})
}

// afterClose handles what follows a closing tag ending at end: "-" strips the
// following whitespace, and trim_blocks drops one newline after block and
// comment tags. It returns the new position and whether to strip.
func (lx *lexer) afterClose(end int, mod byte, block bool) (int, bool) {
	if mod == '-' {
		return end, true
	}
	if block && mod != '+' && lx.opts.trimBlocks && end < len(lx.src) && lx.src[end] == '\n' {
		return end + 1, false
	}
	return end, false
}

func (lx *lexer) lexComment(start, body int) (bool, error) {
	i := strings.Index(lx.src[body:], "#}")
	if i < 0 {
		return false, lx.errAt(start, "Missing end of comment tag")
	}
	end := body + i
	mod := byte(0)
	if end > body && (lx.src[end-1] == '-' || lx.src[end-1] == '+') {
		mod = lx.src[end-1]
	}
	var strip bool
	lx.pos, strip = lx.afterClose(end+2, mod, true)
	return strip, nil
}

// isRaw reports whether the block tag at start is {% raw %}.
func (lx *lexer) isRaw(start int) bool {
	p := start + 2
	if p < len(lx.src) && (lx.src[p] == '-' || lx.src[p] == '+') {
		p++
	}
	for p < len(lx.src) && isSpaceByte(lx.src[p]) {
		p++
	}
	if !strings.HasPrefix(lx.src[p:], "raw") {
		return false
	}
	p += 3
	for p < len(lx.src) && isSpaceByte(lx.src[p]) {
		p++
	}
	return strings.HasPrefix(lx.src[p:], "%}") || strings.HasPrefix(lx.src[p:], "-%}") || strings.HasPrefix(lx.src[p:], "+%}")
}

// lexRaw emits the content of a {% raw %}…{% endraw %} block as data.
func (lx *lexer) lexRaw(start int) (bool, error) {
	p := strings.Index(lx.src[start:], "%}") + start
	mod := lx.src[p-1]
	p += 2
	if mod == '-' {
		for p < len(lx.src) && isSpaceByte(lx.src[p]) {
			p++
		}
	} else if mod != '+' && lx.opts.trimBlocks && p < len(lx.src) && lx.src[p] == '\n' {
		p++
	}
	for q := p; ; {
		s, kind := lx.nextTag(q)
		if s == len(lx.src) {
			return false, lx.errAt(start, "Missing end of raw directive")
		}
		if kind != '%' {
			q = s + 2
			continue
		}
		e := s + 2
		emod := byte(0)
		if e < len(lx.src) && (lx.src[e] == '-' || lx.src[e] == '+') {
			emod = lx.src[e]
			e++
		}
		for e < len(lx.src) && isSpaceByte(lx.src[e]) {
			e++
		}
		if !strings.HasPrefix(lx.src[e:], "endraw") {
			q = s + 2
			continue
		}
		e += 6
		for e < len(lx.src) && isSpaceByte(lx.src[e]) {
			e++
		}
		cmod := byte(0)
		if e < len(lx.src) && (lx.src[e] == '-' || lx.src[e] == '+') {
			cmod = lx.src[e]
			e++
		}
		if !strings.HasPrefix(lx.src[e:], "%}") {
			return false, lx.errAt(e, "unexpected char after endraw")
		}
		data := lx.src[p:s]
		if emod == '-' {
			data = strings.TrimRightFunc(data, unicode.IsSpace)
		} else if emod != '+' && lx.opts.lstripBlocks {
			data = lstripLine(data)
		}
		lx.emitData(data, p)
		var strip bool
		lx.pos, strip = lx.afterClose(e+2, cmod, true)
		return strip, nil
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// skipSpace skips whitespace from p, Unicode spaces (a no-break space)
// included as Python's \s does.
func skipSpace(src string, p int) int {
	for p < len(src) {
		if isSpaceByte(src[p]) {
			p++
			continue
		}
		if src[p] < 0x80 {
			return p
		}
		r, n := utf8.DecodeRuneInString(src[p:])
		if !unicode.IsSpace(r) {
			return p
		}
		p += n
	}
	return p
}

// lexExpr lexes expression tokens up to the closing delimiter.
func (lx *lexer) lexExpr(p int, closer string, endKind tokKind) (bool, error) {
	depth := 0
	src := lx.src
	for {
		p = skipSpace(src, p)
		if p >= len(src) {
			if endKind == tBlockEnd {
				return false, lx.errAt(p, "unexpected end of template, expected 'end of statement block'")
			}
			return false, lx.errAt(p, "unexpected end of template, expected 'end of print statement'")
		}
		if depth == 0 {
			if strings.HasPrefix(src[p:], closer) {
				lx.toks = append(lx.toks, token{kind: endKind, pos: p})
				var strip bool
				lx.pos, strip = lx.afterClose(p+2, 0, endKind == tBlockEnd)
				return strip, nil
			}
			if (closer == "}}" || closer == "%}") && (src[p] == '-' || (src[p] == '+' && endKind == tBlockEnd)) && strings.HasPrefix(src[p+1:], closer) {
				lx.toks = append(lx.toks, token{kind: endKind, pos: p})
				var strip bool
				lx.pos, strip = lx.afterClose(p+3, src[p], endKind == tBlockEnd)
				return strip, nil
			}
		}
		c := src[p]
		if c >= 0x80 {
			// Jinja's whitespace is Python's \s: also non-ASCII spaces (NBSP)
			if r, size := utf8.DecodeRuneInString(src[p:]); unicode.IsSpace(r) {
				p += size
				continue
			}
		}
		switch {
		case c == '\'' || c == '"':
			n, err := lx.lexString(p, endKind == tVarEnd)
			if err != nil {
				return false, err
			}
			p = n
		case c >= '0' && c <= '9':
			n, err := lx.lexNumber(p)
			if err != nil {
				return false, err
			}
			p = n
		case c == '_' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			n := lx.lexName(p)
			if n == p {
				return false, lx.errAt(p, "unexpected char %s at %d", strconv.QuoteRune(rune(c)), p)
			}
			p = n
		default:
			op := matchOp(src[p:])
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[p:])
				return false, lx.errAt(p, "unexpected char %s at %d", strconv.QuoteRune(r), p)
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					return false, lx.errAt(p, "unexpected '%s'", op)
				}
				depth--
			}
			lx.toks = append(lx.toks, token{kind: tOp, val: op, pos: p})
			p += len(op)
		}
	}
}

var ops3 = []string{"//", "**", "==", "!=", "<=", ">="}

func matchOp(s string) string {
	for _, op := range ops3 {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	if strings.IndexByte("+-/*%~[](){}<>=.:|,;", s[0]) >= 0 {
		return s[:1]
	}
	return ""
}

func (lx *lexer) lexName(p int) int {
	start := p
	for p < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[p:])
		if r == '_' || unicode.IsLetter(r) || (p > start && unicode.IsDigit(r)) {
			p += size
			continue
		}
		break
	}
	if p > start {
		lx.toks = append(lx.toks, token{kind: tName, val: lx.src[start:p], pos: start})
	}
	return p
}

func (lx *lexer) lexNumber(p int) (int, error) {
	src := lx.src
	start := p
	if src[p] == '0' && p+1 < len(src) && strings.IndexByte("xXoObB", src[p+1]) >= 0 {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[src[p+1]|0x20]
		p += 2
		for p < len(src) && (isHexDigit(src[p]) || src[p] == '_') {
			p++
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(src[start+2:p], "_", ""), base, 64)
		if err != nil {
			return p, lx.errAt(start, "invalid number %s", src[start:p])
		}
		lx.toks = append(lx.toks, token{kind: tInt, num: int(n), pos: start})
		return p, nil
	}
	digits := func() {
		for p < len(src) && (src[p] >= '0' && src[p] <= '9' || src[p] == '_' && p+1 < len(src) && src[p+1] >= '0' && src[p+1] <= '9') {
			p++
		}
	}
	digits()
	isFloat := false
	if p+1 < len(src) && src[p] == '.' && src[p+1] >= '0' && src[p+1] <= '9' && (start == 0 || src[start-1] != '.') {
		isFloat = true
		p++
		digits()
	}
	if p < len(src) && (src[p] == 'e' || src[p] == 'E') {
		q := p + 1
		if q < len(src) && (src[q] == '+' || src[q] == '-') {
			q++
		}
		if q < len(src) && src[q] >= '0' && src[q] <= '9' {
			isFloat = true
			p = q
			digits()
		}
	}
	text := strings.ReplaceAll(src[start:p], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return p, lx.errAt(start, "invalid number %s", text)
		}
		lx.toks = append(lx.toks, token{kind: tFloat, num: f, pos: start})
		return p, nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(text, 64)
		lx.toks = append(lx.toks, token{kind: tFloat, num: f, pos: start})
		return p, nil
	}
	lx.toks = append(lx.toks, token{kind: tInt, num: int(n), pos: start})
	return p, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func (lx *lexer) lexString(p int, inVar bool) (int, error) {
	q := lx.src[p]
	i := p + 1
	for i < len(lx.src) && lx.src[i] != q {
		if lx.src[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(lx.src) {
		return p, lx.errAt(p, "unexpected char %s at %d", strconv.QuoteRune(rune(q)), p)
	}
	raw := lx.src[p+1 : i]
	val := raw
	if !(inVar && lx.opts.rawVarStrings) && strings.IndexByte(raw, '\\') >= 0 {
		val = unescapePython(raw)
	}
	lx.toks = append(lx.toks, token{kind: tString, val: val, pos: p})
	return i + 1, nil
}

// unescapePython decodes backslash escapes like Python's unicode-escape
// codec; unknown escapes keep their backslash.
func unescapePython(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
