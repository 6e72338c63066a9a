package jinja

import (
	"strconv"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
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
		return pyfmt.Float(x)
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
		pyfmt.WriteQuoted(b, x)
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
