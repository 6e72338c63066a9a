package yamlx

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MarshalPyJSON encodes v as Python's json.dumps(v, indent=indent,
// sort_keys=True, ensure_ascii=False) does, byte for byte: ", " and ": "
// separators, keys sorted, non-ASCII text kept, floats as Python's repr.
// v holds the values Value produces (plus []string and map[string]string).
func MarshalPyJSON(v any, indent int) string {
	var b strings.Builder
	writePyJSON(&b, v, indent, 0)
	return b.String()
}

func writePyJSON(b *strings.Builder, v any, indent, level int) {
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
	case float64:
		b.WriteString(PyFloat(t))
	case string:
		writePyJSONString(b, t)
	case Timestamp:
		writePyJSONString(b, string(t))
	case Unsafe:
		writePyJSON(b, map[string]any{"__ansible_unsafe": string(t)}, indent, level)
	case []string:
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		writePyJSON(b, items, indent, level)
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
			writePyJSON(b, item, indent, level+1)
		}
		newline(level)
		b.WriteByte(']')
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, s := range t {
			m[k] = s
		}
		writePyJSON(b, m, indent, level)
	case map[string]any:
		if len(t) == 0 {
			b.WriteString("{}")
			return
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(level + 1)
			writePyJSONString(b, k)
			b.WriteString(": ")
			writePyJSON(b, t[k], indent, level+1)
		}
		newline(level)
		b.WriteByte('}')
	default:
		writePyJSONString(b, fmt.Sprint(t))
	}
}

// writePyJSONString quotes s as Python's json with ensure_ascii=False.
func writePyJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// PyStr renders v as Python's str() does: strings bare, and inside
// containers Python's repr ('text', True, None, [1, 2], {'k': 'v'}).
// Mapping keys come out sorted.
func PyStr(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case Unsafe:
		return string(t)
	case Timestamp:
		return strings.Replace(string(t), "T", " ", 1)
	}
	return PyRepr(v)
}

// PyRepr renders v as Python's repr() does.
func PyRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(t)
	case float64:
		switch s := PyFloat(t); s {
		case "Infinity":
			return "inf"
		case "-Infinity":
			return "-inf"
		case "NaN":
			return "nan"
		default:
			return s
		}
	case string:
		return pyQuote(t)
	case Unsafe:
		return pyQuote(string(t))
	case Timestamp:
		return timestampRepr(string(t))
	case []string:
		parts := make([]string, len(t))
		for i, s := range t {
			parts[i] = pyQuote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(t))
		for i, item := range t {
			parts[i] = PyRepr(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := SortedKeys(t)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + PyRepr(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyQuote quotes s as Python's repr of a str: single quotes unless s holds
// a single quote and no double quote.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
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
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// timestampRepr renders a timestamp as Python's repr of the date or
// datetime it stands for.
func timestampRepr(iso string) string {
	date, clock, hasTime := strings.Cut(iso, "T")
	var y, m, d int
	fmt.Sscanf(date, "%d-%d-%d", &y, &m, &d)
	if !hasTime {
		return fmt.Sprintf("datetime.date(%d, %d, %d)", y, m, d)
	}
	var hh, mm, ss int
	fmt.Sscanf(clock, "%d:%d:%d", &hh, &mm, &ss)
	return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d, %d)", y, m, d, hh, mm, ss)
}
