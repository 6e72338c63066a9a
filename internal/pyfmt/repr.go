package pyfmt

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Reprer is a value that writes its own Python repr.
type Reprer interface{ PyRepr() string }

// Strer is a value whose Python str differs from its repr (a str-like or
// date value).
type Strer interface{ PyStr() string }

// Repr is Python's repr(v) for plain values: None, True, 1, 1.5, 'text',
// [1, 'a'], {'k': None} (keys sorted). A Reprer writes itself, a
// fmt.Stringer is its String(), anything else fmt.Sprint's text.
func Repr(v any) string {
	var b strings.Builder
	WriteRepr(&b, v)
	return b.String()
}

// Str is Python's str(v): a string (or Strer) bare, anything else as Repr.
func Str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case Strer:
		return t.PyStr()
	}
	return Repr(v)
}

// WriteRepr writes Repr(v) to b.
func WriteRepr(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if t {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(t, 10))
	case float64:
		b.WriteString(Float(t))
	case string:
		WriteQuoted(b, t)
	case Reprer:
		b.WriteString(t.PyRepr())
	case []any:
		writeList(b, len(t), func(i int) { WriteRepr(b, t[i]) })
	case []string:
		writeList(b, len(t), func(i int) { WriteQuoted(b, t[i]) })
	case map[string]any:
		writeDict(b, SortedKeys(t), func(k string) { WriteRepr(b, t[k]) })
	case map[string]string:
		writeDict(b, SortedKeys(t), func(k string) { WriteQuoted(b, t[k]) })
	case fmt.Stringer:
		b.WriteString(t.String())
	default:
		fmt.Fprint(b, v)
	}
}

func writeList(b *strings.Builder, n int, item func(int)) {
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		item(i)
	}
	b.WriteByte(']')
}

func writeDict(b *strings.Builder, keys []string, value func(string)) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		WriteQuoted(b, k)
		b.WriteString(": ")
		value(k)
	}
	b.WriteByte('}')
}

// SortedKeys returns the keys of m in sorted order (Python's sort of str
// keys: by code point).
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
