package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

// jsonOpts are the json.dumps arguments the filters use.
type jsonOpts struct {
	indent    int // < 0: no indentation
	indentStr string
	sortKeys  bool
	itemSep   string
	keySep    string
	ascii     bool
	htmlSafe  bool // Jinja's tojson escapes <, >, & and '
}

// jsonDumps is Python's json.dumps for engine values.
func jsonDumps(v any, o jsonOpts) (string, error) {
	var b strings.Builder
	if err := jsonWrite(&b, norm(v), o, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func jsonNewline(b *strings.Builder, o jsonOpts, level int) {
	if o.indent < 0 && o.indentStr == "" {
		return
	}
	b.WriteByte('\n')
	unit := o.indentStr
	if unit == "" {
		unit = strings.Repeat(" ", clampWidth(min(o.indent, 64)))
	}
	for i := 0; i < level; i++ {
		b.WriteString(unit)
	}
}

func jsonWrite(b *strings.Builder, v any, o jsonOpts, level int) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(pyfmt.JSONFloat(x))
	case string:
		pyfmt.WriteJSONString(b, x, o.ascii, o.htmlSafe)
	case []any, Tuple:
		items, _ := listOf(x)
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range items {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			jsonNewline(b, o, level+1)
			if err := jsonWrite(b, norm(e), o, level+1); err != nil {
				return err
			}
		}
		jsonNewline(b, o, level)
		b.WriteByte(']')
	case *Dict, map[string]any, Mapping, *Namespace:
		keys := mapKeys(x)
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		type kv struct {
			k string
			v any
			o any
		}
		pairs := make([]kv, 0, len(keys))
		for _, k := range keys {
			val, _ := mapGet(x, k)
			ks, err := jsonKey(k)
			if err != nil {
				return err
			}
			pairs = append(pairs, kv{ks, val, k})
		}
		if o.sortKeys {
			var err error
			sort.SliceStable(pairs, func(i, j int) bool {
				c, e := compare(pairs[i].o, pairs[j].o)
				if e != nil && err == nil {
					err = e
				}
				return c < 0
			})
			if err != nil {
				return err
			}
		}
		b.WriteByte('{')
		for i, p := range pairs {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			jsonNewline(b, o, level+1)
			pyfmt.WriteJSONString(b, p.k, o.ascii, o.htmlSafe)
			b.WriteString(o.keySep)
			if err := jsonWrite(b, norm(p.v), o, level+1); err != nil {
				return err
			}
		}
		jsonNewline(b, o, level)
		b.WriteByte('}')
	case *Undefined:
		return x.err()
	case dateTime:
		pyfmt.WriteJSONString(b, strings.Replace(x.String(), " ", "T", 1), o.ascii, o.htmlSafe)
	default:
		return typeErrorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

func jsonKey(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return pyfmt.Float(x), nil
	}
	return "", typeErrorf("keys must be str, int, float, bool or None, not %s", typeName(k))
}

// jsonLoads parses JSON like Python's json.loads: objects keep their key
// order and integers stay ints (NaN and Infinity are not accepted).
func jsonLoads(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	v, err := jsonValue(d)
	if err != nil {
		return nil, runtimeErrorf("%s", jsonErr(err, d, s))
	}
	if _, err := d.Token(); err == nil {
		line, col := lineCol(s, int(d.InputOffset()))
		return nil, runtimeErrorf("Extra data: line %d column %d", line, col)
	}
	return v, nil
}

// jsonErr describes a JSON syntax error by position only (the text may be
// a secret).
func jsonErr(err error, d *json.Decoder, src string) string {
	off := int(d.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if err.Error() == "EOF" || err.Error() == "unexpected EOF" {
		off = len(src)
	}
	off = max(0, min(off, len(src)))
	line, col := lineCol(src, off)
	return fmt.Sprintf("invalid JSON: line %d column %d (char %d)", line, col, off)
}

func jsonValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := NewDict(4)
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonValue(d)
				if err != nil {
					return nil, err
				}
				m.Set(kt.(string), v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			l := []any{}
			for d.More() {
				v, err := jsonValue(d)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(n), nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !strings.Contains(err.Error(), "range") {
			return nil, err
		}
		return f, nil
	}
	return t, nil
}
