package jinja

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// str is Python's str(v) for engine values.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return floatRepr(x)
	case dateTime:
		return x.String()
	case timeDelta:
		return x.String()
	}
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

// repr is Python's repr(v).
func repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch x := norm(v).(type) {
	case string:
		writeStrRepr(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		b.WriteByte(']')
	case Tuple:
		b.WriteByte('(')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		if len(x) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case *Dict, map[string]any, Mapping:
		b.WriteByte('{')
		for i, k := range mapKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, k)
			b.WriteString(": ")
			val, _ := mapGet(x, k)
			writeRepr(b, val)
		}
		b.WriteByte('}')
	case *Namespace:
		b.WriteString("<Namespace ")
		writeRepr(b, x.d)
		b.WriteString(">")
	case *Undefined:
		b.WriteString("AnsibleUndefined")
	case *callable:
		b.WriteString("<built-in method " + x.name + ">")
	case *loopObj:
		b.WriteString("<LoopContext>")
	case nil, bool, int, float64:
		b.WriteString(str(x))
	case dateTime:
		b.WriteString(x.repr())
	case timeDelta:
		b.WriteString(x.repr())
	default:
		b.WriteString("<" + typeName(x) + " object>")
	}
}

// writeStrRepr writes a Python string literal the way repr() does.
func writeStrRepr(b *strings.Builder, s string) {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\udc`)
			b.WriteString(strconv.FormatUint(uint64(s[i-1]), 16))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			writeHex(b, uint64(r), 2)
		case r < 0x7f || isPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			b.WriteString(`\x`)
			writeHex(b, uint64(r), 2)
		case r <= 0xffff:
			b.WriteString(`\u`)
			writeHex(b, uint64(r), 4)
		default:
			b.WriteString(`\U`)
			writeHex(b, uint64(r), 8)
		}
	}
	b.WriteByte(q)
}

// isPrintable approximates Python's str.isprintable for one rune.
func isPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) {
		return false
	}
	return unicode.IsPrint(r) && !unicode.Is(unicode.Cf, r)
}

func writeHex(b *strings.Builder, v uint64, width int) {
	s := strconv.FormatUint(v, 16)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// floatRepr formats a float the way Python's repr does.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expS, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if exp >= -4 && exp < 16 {
		if exp >= 0 {
			if len(digits) <= exp+1 {
				out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
			} else {
				out = digits[:exp+1] + "." + digits[exp+1:]
			}
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
	} else {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		out = m + "e" + sign + es
	}
	if neg {
		return "-" + out
	}
	return out
}
