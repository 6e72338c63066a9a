package pyfmt

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSONer is a value that stands for another in JSON (a plain value
// JSON writes instead).
type JSONer interface{ PyJSON() any }

// JSON encodes plain values as Python's json.dumps(v, indent=indent,
// sort_keys=True, ensure_ascii=False) does, byte for byte: ", " and ": "
// separators ("," and newlines with indent > 0), keys sorted, non-ASCII
// text kept, floats as Python's repr. A value of another type is written as
// the string fmt.Sprint gives.
func JSON(v any, indent int) string {
	var b strings.Builder
	writeJSON(&b, v, indent, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, indent, level int) {
	newline := func(l int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*l))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(t, 10))
	case float64:
		b.WriteString(JSONFloat(t))
	case string:
		WriteJSONString(b, t, false, false)
	case JSONer:
		writeJSON(b, t.PyJSON(), indent, level)
	case []string:
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		writeJSON(b, items, indent, level)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, item := range t {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(level + 1)
			writeJSON(b, item, indent, level+1)
		}
		newline(level)
		b.WriteByte(']')
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, s := range t {
			m[k] = s
		}
		writeJSON(b, m, indent, level)
	case map[string]any:
		if len(t) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range SortedKeys(t) {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(level + 1)
			WriteJSONString(b, k, false, false)
			b.WriteString(": ")
			writeJSON(b, t[k], indent, level+1)
		}
		newline(level)
		b.WriteByte('}')
	default:
		WriteJSONString(b, fmt.Sprint(t), false, false)
	}
}

// WriteJSONString writes s as a JSON string the way Python's json does:
// with ascii (ensure_ascii) everything past ASCII as \uNNNN escapes
// (surrogate pairs beyond the BMP); with htmlSafe (Jinja's tojson) also
// <, >, & and ' escaped.
func WriteJSONString(b *strings.Builder, s string, ascii, htmlSafe bool) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case htmlSafe && (r == '<' || r == '>' || r == '&' || r == '\''):
			b.WriteString(`\u00`)
			WriteHex(b, uint64(r), 2)
		case r < 0x20:
			b.WriteString(`\u`)
			WriteHex(b, uint64(r), 4)
		case r < 0x7f || !ascii:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			b.WriteString(`\u`)
			WriteHex(b, uint64(0xd800+(r>>10)), 4)
			b.WriteString(`\u`)
			WriteHex(b, uint64(0xdc00+(r&0x3ff)), 4)
		default:
			b.WriteString(`\u`)
			WriteHex(b, uint64(r), 4)
		}
	}
	b.WriteByte('"')
}
