package jinja

import (
	"math"
	"strconv"
	"strings"
)

// percentFormat is Python's "fmt" % args.
func percentFormat(f string, args any) (any, error) {
	var list []any
	var mapping any
	switch a := args.(type) {
	case Tuple:
		list = a
	case *Dict, map[string]any:
		mapping = a
		list = []any{a}
	default:
		list = []any{a}
	}
	var b strings.Builder
	ai := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, runtimeErrorf("incomplete format")
		}
		var arg any
		hasArg := false
		if f[i] == '(' {
			j := strings.IndexByte(f[i:], ')')
			if j < 0 || mapping == nil {
				return nil, runtimeErrorf("format requires a mapping")
			}
			key := f[i+1 : i+j]
			v, ok := mapGet(mapping, key)
			if !ok {
				return nil, runtimeErrorf("KeyError: %s", repr(key))
			}
			arg, hasArg = v, true
			i += j + 1
		}
		spec := fmtSpec{fill: ' ', align: '>'}
		for ; i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0; i++ {
			switch f[i] {
			case '-':
				spec.align = '<'
			case '+':
				spec.sign = '+'
			case ' ':
				spec.sign = ' '
			case '#':
				spec.alt = true
			case '0':
				spec.zero = true
			}
		}
		readNum := func() (int, bool) {
			if i < len(f) && f[i] == '*' {
				i++
				if ai < len(list) {
					n, _ := list[ai].(int)
					ai++
					return n, true
				}
				return 0, true
			}
			j := i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			if j == i {
				return 0, false
			}
			n, _ := strconv.Atoi(f[j:i])
			return n, true
		}
		spec.width, _ = readNum()
		if i < len(f) && f[i] == '.' {
			i++
			spec.prec, _ = readNum()
			spec.hasPrec = true
		}
		for i < len(f) && strings.IndexByte("hlL", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return nil, runtimeErrorf("incomplete format")
		}
		spec.typ = f[i]
		if spec.typ == '%' {
			b.WriteByte('%')
			continue
		}
		if !hasArg {
			if ai >= len(list) {
				return nil, typeErrorf("not enough arguments for format string")
			}
			arg = list[ai]
			ai++
		}
		if spec.zero && spec.align != '<' {
			spec.fill, spec.align = '0', '='
		}
		s, err := formatValue(arg, spec, true)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	if mapping == nil && ai < len(list) {
		return nil, typeErrorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

type fmtSpec struct {
	fill    rune
	align   byte // < > ^ =
	sign    byte
	alt     bool
	zero    bool
	width   int
	comma   bool
	prec    int
	hasPrec bool
	typ     byte
}

// formatValue formats one value per a spec (shared by % and format()).
func formatValue(v any, sp fmtSpec, percent bool) (string, error) {
	var body string
	numeric := false
	neg := false
	switch sp.typ {
	case 's', 0:
		if sp.typ == 0 && !percent {
			if _, _, isF, ok := numeric3(v); ok {
				if isF && sp.hasPrec {
					sp.typ = 'g'
					return formatValue(v, sp, percent)
				}
				if _, isBool := v.(bool); !isBool {
					numeric = true
				}
			}
		}
		body = str(v)
		if sp.hasPrec && !numeric {
			rs := []rune(body)
			if sp.prec < len(rs) {
				body = string(rs[:sp.prec])
			}
		}
		if numeric && strings.HasPrefix(body, "-") {
			neg, body = true, body[1:]
		}
		if numeric && sp.comma {
			intPart, frac, hasFrac := strings.Cut(body, ".")
			body = groupThousands(intPart)
			if hasFrac {
				body += "." + frac
			}
		}
	case 'r', 'a':
		body = repr(v)
	case 'd', 'i', 'u', 'x', 'X', 'o', 'b', 'c':
		n, err := toIntForFormat(v, sp.typ)
		if err != nil {
			return "", err
		}
		if sp.typ == 'c' {
			body = string(rune(n))
			break
		}
		numeric = true
		if n < 0 {
			neg, n = true, -n
		}
		switch sp.typ {
		case 'x', 'X':
			body = strconv.FormatInt(int64(n), 16)
			if sp.alt {
				body = "0x" + body
			}
			if sp.typ == 'X' {
				body = strings.ToUpper(body)
			}
		case 'o':
			body = strconv.FormatInt(int64(n), 8)
			if sp.alt {
				body = "0o" + body
			}
		case 'b':
			body = strconv.FormatInt(int64(n), 2)
		default:
			body = strconv.Itoa(n)
			if sp.comma {
				body = groupThousands(body)
			}
		}
	case 'f', 'F', 'e', 'E', 'g', 'G', '%':
		f, ok := asFloat(v)
		if !ok {
			if s, isStr := v.(string); isStr && percent {
				return "", typeErrorf("must be real number, not str")
			} else if isStr {
				_ = s
			}
			return "", typeErrorf("must be real number, not %s", typeName(v))
		}
		numeric = true
		if f < 0 || (f == 0 && math.Signbit(f)) {
			neg, f = true, -f
		}
		prec := 6
		if sp.hasPrec {
			prec = sp.prec
		}
		switch sp.typ {
		case 'f', 'F':
			body = strconv.FormatFloat(f, 'f', prec, 64)
		case '%':
			body = strconv.FormatFloat(f*100, 'f', prec, 64) + "%"
		case 'e', 'E':
			body = pyExp(strconv.FormatFloat(f, 'e', prec, 64))
		case 'g', 'G':
			if prec == 0 {
				prec = 1
			}
			body = pyG(f, prec, sp.alt)
		}
		if sp.typ == 'E' || sp.typ == 'G' || sp.typ == 'F' {
			body = strings.ToUpper(body)
		}
		if sp.comma {
			intPart, frac, _ := strings.Cut(body, ".")
			body = groupThousands(intPart)
			if frac != "" {
				body += "." + frac
			}
		}
	default:
		return "", runtimeErrorf("unsupported format character '%c'", sp.typ)
	}
	sign := ""
	if numeric {
		switch {
		case neg:
			sign = "-"
		case sp.sign == '+':
			sign = "+"
		case sp.sign == ' ':
			sign = " "
		}
	}
	return align(sign, body, sp, numeric), nil
}

func numeric3(v any) (int, float64, bool, bool) {
	i, f, isF, ok := numeric(v)
	return i, f, isF, ok
}

func toIntForFormat(v any, typ byte) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if typ == 'd' || typ == 'i' || typ == 'u' {
			return int(x), nil
		}
	}
	if typ == 'd' || typ == 'i' || typ == 'u' {
		return 0, typeErrorf("%%%c format: a real number is required, not %s", typ, typeName(v))
	}
	return 0, typeErrorf("%%%c format: an integer is required, not %s", typ, typeName(v))
}

func align(sign, body string, sp fmtSpec, numeric bool) string {
	n := len([]rune(sign)) + len([]rune(body))
	sp.width = clampWidth(sp.width)
	if sp.width <= n {
		return sign + body
	}
	padN := sp.width - n
	fill := strings.Repeat(string(sp.fill), padN)
	a := sp.align
	if a == 0 {
		a = '<'
		if numeric {
			a = '>'
		}
	}
	switch a {
	case '<':
		return sign + body + fill
	case '^':
		l := padN / 2
		return strings.Repeat(string(sp.fill), l) + sign + body + strings.Repeat(string(sp.fill), padN-l)
	case '=':
		return sign + fill + body
	}
	return fill + sign + body
}

func groupThousands(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// pyExp fixes Go's exponent to Python's (at least two digits).
func pyExp(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := e[:1]
	digits := e[1:]
	if len(digits) < 2 {
		digits = "0" + digits
	}
	return m + "e" + sign + digits
}

// pyG is Python's 'g' format.
func pyG(f float64, prec int, alt bool) string {
	if f == 0 {
		return "0"
	}
	if math.IsInf(f, 0) {
		return "inf"
	}
	if math.IsNaN(f) {
		return "nan"
	}
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	es := strconv.FormatFloat(f, 'e', prec-1, 64)
	_, ee, _ := strings.Cut(es, "e")
	exp, _ = strconv.Atoi(ee)
	var s string
	if exp < -4 || exp >= prec {
		s = pyExp(es)
		if !alt {
			m, e, _ := strings.Cut(s, "e")
			if strings.Contains(m, ".") {
				m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
			}
			s = m + "e" + e
		}
		return s
	}
	s = strconv.FormatFloat(f, 'f', max(prec-1-exp, 0), 64)
	if !alt && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// parseFormatSpec parses the str.format mini-language.
func parseFormatSpec(spec string) (fmtSpec, error) {
	sp := fmtSpec{fill: ' '}
	rs := []rune(spec)
	i := 0
	isAlign := func(r rune) bool { return r == '<' || r == '>' || r == '^' || r == '=' }
	if len(rs) >= 2 && isAlign(rs[1]) {
		sp.fill, sp.align = rs[0], byte(rs[1])
		i = 2
	} else if len(rs) >= 1 && isAlign(rs[0]) {
		sp.align = byte(rs[0])
		i = 1
	}
	if i < len(rs) && (rs[i] == '+' || rs[i] == '-' || rs[i] == ' ') {
		sp.sign = byte(rs[i])
		i++
	}
	if i < len(rs) && rs[i] == '#' {
		sp.alt = true
		i++
	}
	if i < len(rs) && rs[i] == '0' {
		if sp.align == 0 {
			sp.fill, sp.align = '0', '='
		}
		i++
	}
	j := i
	for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
		i++
	}
	sp.width, _ = strconv.Atoi(string(rs[j:i]))
	if i < len(rs) && (rs[i] == ',' || rs[i] == '_') {
		sp.comma = true
		i++
	}
	if i < len(rs) && rs[i] == '.' {
		i++
		j = i
		for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
			i++
		}
		sp.prec, _ = strconv.Atoi(string(rs[j:i]))
		sp.hasPrec = true
	}
	if i < len(rs) {
		sp.typ = byte(rs[i])
		i++
	}
	if i != len(rs) {
		return sp, runtimeErrorf("Invalid format specifier")
	}
	return sp, nil
}

// strFormat is Python's str.format.
func strFormat(f string, a *argList) (any, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '}' {
			if i+1 < len(f) && f[i+1] == '}' {
				i++
			}
			b.WriteByte('}')
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(f) && f[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		j := strings.IndexByte(f[i:], '}')
		if j < 0 {
			return nil, runtimeErrorf("Single '{' encountered in format string")
		}
		field := f[i+1 : i+j]
		i += j
		name, spec, _ := strings.Cut(field, ":")
		conv := ""
		if k := strings.IndexByte(name, '!'); k >= 0 {
			name, conv = name[:k], name[k+1:]
		}
		v, err := formatField(name, &auto, a)
		if err != nil {
			return nil, err
		}
		if conv == "r" {
			v = repr(v)
		} else if conv == "s" {
			v = str(v)
		}
		sp, err := parseFormatSpec(spec)
		if err != nil {
			return nil, err
		}
		s, err := formatValue(v, sp, false)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func formatField(name string, auto *int, a *argList) (any, error) {
	head := name
	rest := ""
	if k := strings.IndexAny(name, ".["); k >= 0 {
		head, rest = name[:k], name[k:]
	}
	var v any
	switch {
	case head == "":
		if *auto >= len(a.pos) {
			return nil, runtimeErrorf("Replacement index %d out of range for positional args tuple", *auto)
		}
		v = a.pos[*auto]
		*auto++
	case head[0] >= '0' && head[0] <= '9':
		n, _ := strconv.Atoi(head)
		if n >= len(a.pos) {
			return nil, runtimeErrorf("Replacement index %d out of range for positional args tuple", n)
		}
		v = a.pos[n]
	default:
		kv, ok := a.kwarg(head)
		if !ok {
			return nil, runtimeErrorf("KeyError: %s", repr(head))
		}
		v = kv
	}
	for rest != "" {
		if rest[0] == '.' {
			k := strings.IndexAny(rest[1:], ".[")
			if k < 0 {
				k = len(rest) - 1
			}
			attr := rest[1 : 1+k]
			rest = rest[1+k:]
			x, ok := lookupItem(v, attr)
			if !ok {
				return nil, runtimeErrorf("'%s' object has no attribute '%s'", typeName(v), attr)
			}
			v = x
			continue
		}
		k := strings.IndexByte(rest, ']')
		if k < 0 {
			return nil, runtimeErrorf("Missing ']' in format string")
		}
		key := rest[1:k]
		rest = rest[k+1:]
		var kk any = key
		if n, err := strconv.Atoi(key); err == nil {
			kk = n
		}
		x, ok := lookupItem(v, kk)
		if !ok {
			return nil, runtimeErrorf("KeyError: %s", repr(kk))
		}
		v = x
	}
	return v, nil
}
