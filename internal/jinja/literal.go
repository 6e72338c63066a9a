package jinja

import (
	"math"
	"strconv"
	"strings"
)

// literalEval mimics the tail of Ansible's ansible_eval_concat: rendered
// text that starts with '[' or '{', or is True/False, is parsed as a Python
// literal (with JSON's true/false/null accepted); on failure the text stays.
func literalEval(s string) (any, bool) {
	if s == "True" {
		return true, true
	}
	if s == "False" {
		return false, true
	}
	if s == "" || (s[0] != '[' && s[0] != '{') {
		return nil, false
	}
	p := &litParser{s: s}
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.space()
	if p.i != len(p.s) {
		return nil, false
	}
	return v, true
}

type litParser struct {
	s     string
	i     int
	depth int
	// python accepts only Python's words (True, False, None), as
	// ast.literal_eval does, not also JSON's (true, false, null).
	python bool
}

// pyLiteralEval is Python's ast.literal_eval of a whole string (no leading
// blank, as ast.parse refuses an indented expression); ok is false when s
// is not a literal.
func pyLiteralEval(s string) (any, bool) {
	if s == "" || s[0] == ' ' || s[0] == '\t' {
		return nil, false
	}
	p := &litParser{s: s, python: true}
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.space()
	for p.i < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.i])) {
		p.i++
	}
	if p.i != len(p.s) {
		return nil, false
	}
	return v, true
}

// space skips whitespace, comments and (inside brackets) newlines.
func (p *litParser) space() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n':
			if c == '\n' && p.depth == 0 && strings.TrimSpace(p.s[p.i:]) != "" {
				return
			}
			p.i++
		case c == '\\' && p.i+1 < len(p.s) && p.s[p.i+1] == '\n':
			p.i += 2
		case c == '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *litParser) value() (any, bool) {
	p.space()
	if p.i >= len(p.s) {
		return nil, false
	}
	c := p.s[p.i]
	switch {
	case c == '[':
		return p.seq(']')
	case c == '(':
		v, ok := p.seq(')')
		return v, ok
	case c == '{':
		return p.dict()
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+':
		p.i++
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		switch x := v.(type) {
		case int:
			if c == '-' {
				return -x, true
			}
			return x, true
		case float64:
			if c == '-' {
				return -x, true
			}
			return x, true
		}
		return nil, false
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z':
		j := p.i
		for j < len(p.s) && (p.s[j] == '_' || p.s[j]|0x20 >= 'a' && p.s[j]|0x20 <= 'z' || p.s[j] >= '0' && p.s[j] <= '9') {
			j++
		}
		word := p.s[p.i:j]
		if j < len(p.s) && (p.s[j] == '\'' || p.s[j] == '"') && (word == "r" || word == "u" || word == "R" || word == "U") {
			p.i = j
			return p.stringsRaw(word == "r" || word == "R")
		}
		p.i = j
		if p.python && word != "True" && word != "False" && word != "None" {
			return nil, false
		}
		switch word {
		case "True", "true":
			return true, true
		case "False", "false":
			return false, true
		case "None", "null":
			return nil, true
		}
	}
	return nil, false
}

func (p *litParser) seq(closer byte) (any, bool) {
	p.i++
	p.depth++
	defer func() { p.depth-- }()
	items := []any{}
	trailingComma := false
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == closer {
			p.i++
			break
		}
		if len(items) > 0 && !trailingComma {
			return nil, false
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		items = append(items, v)
		p.space()
		trailingComma = p.i < len(p.s) && p.s[p.i] == ','
		if trailingComma {
			p.i++
		}
	}
	if closer == ')' {
		if len(items) == 1 && !trailingComma {
			return items[0], true
		}
		return Tuple(items), true
	}
	return items, true
}

func (p *litParser) dict() (any, bool) {
	p.i++
	p.depth++
	defer func() { p.depth-- }()
	d := NewDict(4)
	first := true
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return d, true
		}
		if !first {
			if p.i >= len(p.s) || p.s[p.i] != ',' {
				return nil, false
			}
			p.i++
			p.space()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return d, true
			}
		}
		first = false
		k, ok := p.value()
		if !ok {
			return nil, false
		}
		switch k.(type) {
		case []any, *Dict:
			return nil, false
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		d.Set(k, v)
		p.space()
	}
}

// strings parses one or more adjacent string literals.
func (p *litParser) strings() (any, bool) {
	return p.stringsRaw(false)
}

func (p *litParser) stringsRaw(raw bool) (any, bool) {
	var b strings.Builder
	for {
		s, ok := p.str(raw)
		if !ok {
			return nil, false
		}
		b.WriteString(s)
		save := p.i
		p.space()
		if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
			raw = false
			continue
		}
		p.i = save
		return b.String(), true
	}
}

func (p *litParser) str(raw bool) (string, bool) {
	q := p.s[p.i]
	triple := strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3))
	end := string(q)
	if triple {
		end = strings.Repeat(string(q), 3)
	}
	j := p.i + len(end)
	for j < len(p.s) {
		if p.s[j] == '\\' {
			j += 2
			continue
		}
		if !triple && p.s[j] == '\n' {
			return "", false
		}
		if strings.HasPrefix(p.s[j:], end) {
			body := p.s[p.i+len(end) : j]
			p.i = j + len(end)
			if raw {
				return body, true
			}
			return unescapePython(body), true
		}
		j++
	}
	return "", false
}

func (p *litParser) number() (any, bool) {
	j := p.i
	isFloat := false
	if strings.HasPrefix(p.s[j:], "0x") || strings.HasPrefix(p.s[j:], "0X") || strings.HasPrefix(p.s[j:], "0o") || strings.HasPrefix(p.s[j:], "0b") {
		k := j + 2
		for k < len(p.s) && (isHexDigit(p.s[k]) || p.s[k] == '_') {
			k++
		}
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[p.s[j+1]|0x20]
		n, err := strconv.ParseInt(strings.ReplaceAll(p.s[j+2:k], "_", ""), base, 64)
		if err != nil {
			return nil, false
		}
		p.i = k
		return int(n), true
	}
	for j < len(p.s) {
		c := p.s[j]
		switch {
		case c >= '0' && c <= '9' || c == '_':
		case c == '.':
			isFloat = true
		case c == 'e' || c == 'E':
			isFloat = true
			if j+1 < len(p.s) && (p.s[j+1] == '+' || p.s[j+1] == '-') {
				j++
			}
		default:
			goto done
		}
		j++
	}
done:
	text := strings.ReplaceAll(p.s[p.i:j], "_", "")
	p.i = j
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		return f, err == nil
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return nil, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, false
	}
	return int(n), true
}

// literalSafe reports whether str(v) would round-trip through
// ast.literal_eval, so the value can be returned directly.
func literalSafe(v any) bool {
	switch x := norm(v).(type) {
	case nil, bool, int, string:
		return true
	case float64:
		return !math.IsInf(x, 0) && !math.IsNaN(x)
	case []any:
		for _, e := range x {
			if !literalSafe(e) {
				return false
			}
		}
		return true
	case Tuple:
		for _, e := range x {
			if !literalSafe(e) {
				return false
			}
		}
		return true
	case *Dict, map[string]any:
		for _, k := range mapKeys(x) {
			val, _ := mapGet(x, k)
			if !literalSafe(k) || !literalSafe(val) {
				return false
			}
		}
		return true
	}
	return false
}

// plainCopy deep-copies a literal-safe value into engine types.
func plainCopy(v any) any {
	switch x := norm(v).(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainCopy(e)
		}
		return out
	case Tuple:
		out := make(Tuple, len(x))
		for i, e := range x {
			out[i] = plainCopy(e)
		}
		return out
	case *Dict, map[string]any:
		keys := mapKeys(x)
		d := NewDict(len(keys))
		for _, k := range keys {
			val, _ := mapGet(x, k)
			d.Set(k, plainCopy(val))
		}
		return d
	default:
		return x
	}
}
