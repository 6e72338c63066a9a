package jinja

import (
	"sort"
	"strings"
	"unicode"

	"github.com/drover/drover/internal/pyfmt"
)

// Python methods callable on strings, lists and dicts from templates.

var strMethods = map[string]bool{
	"split": true, "rsplit": true, "strip": true, "lstrip": true, "rstrip": true, "lower": true, "upper": true,
	"startswith": true, "endswith": true, "replace": true, "format": true, "join": true, "find": true, "rfind": true,
	"index": true, "rindex": true, "count": true, "capitalize": true, "title": true, "isdigit": true, "isalpha": true,
	"isalnum": true, "isspace": true, "islower": true, "isupper": true, "isnumeric": true, "isdecimal": true,
	"splitlines": true, "zfill": true, "center": true, "ljust": true, "rjust": true, "partition": true,
	"rpartition": true, "swapcase": true, "casefold": true, "removeprefix": true, "removesuffix": true,
	"encode": true, "istitle": true, "expandtabs": true,
}

var listMethods = map[string]bool{
	"index": true, "count": true, "copy": true, "append": true, "extend": true, "insert": true, "pop": true,
	"remove": true, "clear": true, "reverse": true, "sort": true,
}

var dictMethods = map[string]bool{
	"keys": true, "values": true, "items": true, "get": true, "copy": true, "update": true, "pop": true,
	"setdefault": true, "clear": true, "popitem": true,
}

func hasMethod(obj any, name string) bool {
	switch obj.(type) {
	case string:
		return strMethods[name]
	case []any:
		return listMethods[name]
	case Tuple:
		return name == "index" || name == "count"
	case *Dict, map[string]any, Mapping:
		return dictMethods[name]
	}
	return false
}

// boundMethod returns obj.name as a callable, or nil.
func boundMethod(obj any, name string) *callable {
	obj = norm(obj)
	if !hasMethod(obj, name) {
		return nil
	}
	return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
		v, _, err := callBuiltinMethod(s, obj, name, a)
		return v, err
	}}
}

// callBuiltinMethod calls a method; for mutators it also returns the new
// receiver value to store back.
func callBuiltinMethod(s *state, obj any, name string, a *argList) (any, any, error) {
	if u := firstUndefined(a.pos...); u != nil {
		return nil, nil, u.err()
	}
	switch o := obj.(type) {
	case string:
		v, err := strMethod(s, o, name, a)
		return v, nil, err
	case []any:
		return listMethod(o, name, a)
	case Tuple:
		v, _, err := listMethod([]any(o), name, a)
		return v, nil, err
	}
	return dictMethod(obj, name, a)
}

func argStr(fname string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", typeErrorf("%s arg must be None or str", fname)
	}
	return s, nil
}

func strMethod(s *state, o, name string, a *argList) (any, error) {
	p := a.pos
	arg := func(i int) any {
		if i < len(p) {
			return p[i]
		}
		return nil
	}
	switch name {
	case "split", "rsplit":
		b, err := a.bind(name, "sep", "maxsplit")
		if err != nil {
			return nil, err
		}
		max := -1
		if n, ok := b[1].(int); ok {
			max = n
		}
		sep := b[0]
		if sep == missing {
			sep = nil
		}
		return pySplit(o, sep, max, name == "rsplit")
	case "strip", "lstrip", "rstrip":
		return pyStrip(o, arg(0), name)
	case "lower":
		return strings.ToLower(o), nil
	case "upper":
		return strings.ToUpper(o), nil
	case "casefold":
		return strings.ToLower(o), nil
	case "swapcase":
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, o), nil
	case "startswith", "endswith":
		return affixTest(o, arg(0), name == "startswith")
	case "replace":
		if len(p) < 2 {
			return nil, typeErrorf("replace expected at least 2 arguments, got %d", len(p))
		}
		old, err := argStr("replace", p[0])
		if err != nil {
			return nil, err
		}
		nw, err := argStr("replace", p[1])
		if err != nil {
			return nil, err
		}
		n := -1
		if c, ok := arg(2).(int); ok {
			n = c
		}
		return strings.Replace(o, old, nw, n), nil
	case "format":
		return strFormat(o, a)
	case "join":
		items, err := iterate(arg(0))
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			sv, ok := it.(string)
			if !ok {
				return nil, typeErrorf("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			parts[i] = sv
		}
		return strings.Join(parts, o), nil
	case "find", "rfind", "index", "rindex":
		sub, err := argStr(name, arg(0))
		if err != nil {
			return nil, err
		}
		var i int
		if name[0] == 'r' {
			i = strings.LastIndex(o, sub)
		} else {
			i = strings.Index(o, sub)
		}
		if i >= 0 {
			i = len([]rune(o[:i]))
		} else if name == "index" || name == "rindex" {
			return nil, runtimeErrorf("substring not found")
		}
		return i, nil
	case "count":
		sub, err := argStr(name, arg(0))
		if err != nil {
			return nil, err
		}
		if sub == "" {
			return len([]rune(o)) + 1, nil
		}
		return strings.Count(o, sub), nil
	case "capitalize":
		return capitalize(o), nil
	case "title":
		return pyTitle(o), nil
	case "isdigit", "isnumeric", "isdecimal":
		return o != "" && strings.IndexFunc(o, func(r rune) bool { return !unicode.IsDigit(r) }) < 0, nil
	case "isalpha":
		return o != "" && strings.IndexFunc(o, func(r rune) bool { return !unicode.IsLetter(r) }) < 0, nil
	case "isalnum":
		return o != "" && strings.IndexFunc(o, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0, nil
	case "isspace":
		return o != "" && strings.IndexFunc(o, func(r rune) bool { return !unicode.IsSpace(r) }) < 0, nil
	case "islower":
		return strings.IndexFunc(o, unicode.IsLetter) >= 0 && strings.ToLower(o) == o, nil
	case "isupper":
		return strings.IndexFunc(o, unicode.IsLetter) >= 0 && strings.ToUpper(o) == o, nil
	case "istitle":
		return o != "" && pyTitle(o) == o, nil
	case "splitlines":
		keep, _ := arg(0).(bool)
		return splitLines(o, keep), nil
	case "zfill":
		w, _ := arg(0).(int)
		return zfill(o, w), nil
	case "center", "ljust", "rjust":
		w, _ := arg(0).(int)
		fill := " "
		if f, ok := arg(1).(string); ok {
			fill = f
		}
		return pad(o, w, fill, name), nil
	case "partition", "rpartition":
		sep, err := argStr(name, arg(0))
		if err != nil {
			return nil, err
		}
		var i int
		if name == "partition" {
			i = strings.Index(o, sep)
		} else {
			i = strings.LastIndex(o, sep)
		}
		if i < 0 {
			if name == "partition" {
				return Tuple{o, "", ""}, nil
			}
			return Tuple{"", "", o}, nil
		}
		return Tuple{o[:i], sep, o[i+len(sep):]}, nil
	case "removeprefix":
		pre, err := argStr(name, arg(0))
		if err != nil {
			return nil, err
		}
		return strings.TrimPrefix(o, pre), nil
	case "removesuffix":
		suf, err := argStr(name, arg(0))
		if err != nil {
			return nil, err
		}
		return strings.TrimSuffix(o, suf), nil
	case "encode":
		return o, nil
	case "expandtabs":
		n := 8
		if v, ok := arg(0).(int); ok {
			n = v
		}
		return expandTabs(o, n), nil
	}
	return nil, runtimeErrorf("'str' object has no attribute '%s'", name)
}

func affixTest(o string, arg any, prefix bool) (any, error) {
	test := func(x string) bool {
		if prefix {
			return strings.HasPrefix(o, x)
		}
		return strings.HasSuffix(o, x)
	}
	switch x := arg.(type) {
	case string:
		return test(x), nil
	case Tuple, []any:
		items, _ := listOf(x)
		for _, it := range items {
			sv, ok := it.(string)
			if !ok {
				return nil, typeErrorf("tuple for startswith must only contain str, not %s", typeName(it))
			}
			if test(sv) {
				return true, nil
			}
		}
		return false, nil
	}
	which := "endswith"
	if prefix {
		which = "startswith"
	}
	return nil, typeErrorf("%s first arg must be str or a tuple of str, not %s", which, typeName(arg))
}

// pySplit is str.split / str.rsplit.
func pySplit(o string, sep any, max int, right bool) (any, error) {
	var parts []string
	switch sp := sep.(type) {
	case nil:
		fields := strings.FieldsFunc(o, unicode.IsSpace)
		if max >= 0 && len(fields) > max+1 {
			if right {
				parts = splitWhitespaceRight(o, max)
			} else {
				parts = splitWhitespaceLeft(o, max)
			}
		} else {
			parts = fields
		}
	case string:
		if sp == "" {
			return nil, runtimeErrorf("empty separator")
		}
		if right && max >= 0 {
			all := strings.Split(o, sp)
			if len(all) > max+1 {
				head := strings.Join(all[:len(all)-max], sp)
				parts = append([]string{head}, all[len(all)-max:]...)
			} else {
				parts = all
			}
		} else {
			n := -1
			if max >= 0 {
				n = max + 1
			}
			parts = strings.SplitN(o, sp, n)
		}
	default:
		return nil, typeErrorf("must be str or None, not %s", typeName(sep))
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func splitWhitespaceLeft(o string, max int) []string {
	var parts []string
	rest := strings.TrimLeftFunc(o, unicode.IsSpace)
	for len(parts) < max && rest != "" {
		i := strings.IndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			break
		}
		parts = append(parts, rest[:i])
		rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
	}
	if rest != "" {
		parts = append(parts, rest)
	}
	return parts
}

func splitWhitespaceRight(o string, max int) []string {
	var parts []string
	rest := strings.TrimRightFunc(o, unicode.IsSpace)
	for len(parts) < max && rest != "" {
		i := strings.LastIndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			break
		}
		parts = append([]string{rest[i+1:]}, parts...)
		rest = strings.TrimRightFunc(rest[:i], unicode.IsSpace)
	}
	if rest != "" {
		parts = append([]string{rest}, parts...)
	}
	return parts
}

func pyStrip(o string, chars any, name string) (any, error) {
	var f func(string) string
	switch c := chars.(type) {
	case nil:
		switch name {
		case "strip":
			f = func(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }
		case "lstrip":
			f = func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }
		default:
			f = func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }
		}
	case string:
		switch name {
		case "strip":
			f = func(s string) string { return strings.Trim(s, c) }
		case "lstrip":
			f = func(s string) string { return strings.TrimLeft(s, c) }
		default:
			f = func(s string) string { return strings.TrimRight(s, c) }
		}
	default:
		return nil, typeErrorf("%s arg must be None or str", name)
	}
	return f(o), nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(strings.ToLower(s))
	rs[0] = unicode.ToTitle(rs[0])
	return string(rs)
}

// pyTitle is str.title: words start after any non-letter.
func pyTitle(s string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevLetter {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prevLetter = true
		} else {
			b.WriteRune(r)
			prevLetter = false
		}
	}
	return b.String()
}

func splitLines(s string, keep bool) []any {
	lines := pyfmt.SplitLines(s, keep)
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

func zfill(s string, w int) string {
	w = clampWidth(w)
	n := len([]rune(s))
	if n >= w {
		return s
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	return sign + strings.Repeat("0", w-n) + s
}

func pad(s string, w int, fill, how string) string {
	w = clampWidth(w)
	n := len([]rune(s))
	if n >= w {
		return s
	}
	total := w - n
	switch how {
	case "ljust":
		return s + strings.Repeat(fill, total)
	case "rjust":
		return strings.Repeat(fill, total) + s
	}
	left := total / 2
	if total%2 == 1 && w%2 == 1 {
		left++
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left)
}

func expandTabs(s string, n int) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			if n > 0 {
				sp := n - col%n
				b.WriteString(strings.Repeat(" ", sp))
				col += sp
			}
		case '\n', '\r':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

func listMethod(o []any, name string, a *argList) (any, any, error) {
	p := a.pos
	switch name {
	case "index":
		if len(p) == 0 {
			return nil, nil, typeErrorf("index expected at least 1 argument, got 0")
		}
		for i, e := range o {
			if equal(e, p[0]) {
				return i, nil, nil
			}
		}
		return nil, nil, runtimeErrorf("list.index(x): x not in list")
	case "count":
		n := 0
		for _, e := range o {
			if len(p) > 0 && equal(e, p[0]) {
				n++
			}
		}
		return n, nil, nil
	case "copy":
		return append([]any{}, o...), nil, nil
	case "append":
		if len(p) != 1 {
			return nil, nil, typeErrorf("list.append() takes exactly one argument (%d given)", len(p))
		}
		return nil, append(o[:len(o):len(o)], p[0]), nil
	case "extend":
		if len(p) != 1 {
			return nil, nil, typeErrorf("list.extend() takes exactly one argument (%d given)", len(p))
		}
		items, err := iterate(p[0])
		if err != nil {
			return nil, nil, err
		}
		return nil, append(o[:len(o):len(o)], items...), nil
	case "insert":
		if len(p) != 2 {
			return nil, nil, typeErrorf("insert expected 2 arguments, got %d", len(p))
		}
		i, _ := p[0].(int)
		if i < 0 {
			i += len(o)
		}
		i = max(0, min(i, len(o)))
		out := make([]any, 0, len(o)+1)
		out = append(append(append(out, o[:i]...), p[1]), o[i:]...)
		return nil, out, nil
	case "pop":
		if len(o) == 0 {
			return nil, nil, runtimeErrorf("pop from empty list")
		}
		i := len(o) - 1
		if len(p) > 0 {
			i, _ = p[0].(int)
			if i < 0 {
				i += len(o)
			}
			if i < 0 || i >= len(o) {
				return nil, nil, runtimeErrorf("pop index out of range")
			}
		}
		out := append(append([]any{}, o[:i]...), o[i+1:]...)
		return o[i], out, nil
	case "remove":
		for i, e := range o {
			if len(p) > 0 && equal(e, p[0]) {
				return nil, append(append([]any{}, o[:i]...), o[i+1:]...), nil
			}
		}
		return nil, nil, runtimeErrorf("list.remove(x): x not in list")
	case "clear":
		return nil, []any{}, nil
	case "reverse":
		out := make([]any, len(o))
		for i, e := range o {
			out[len(o)-1-i] = e
		}
		return nil, out, nil
	case "sort":
		out := append([]any{}, o...)
		var err error
		rev, _ := a.kwarg("reverse")
		sort.SliceStable(out, func(i, j int) bool {
			c, e := compare(out[i], out[j])
			if e != nil {
				err = e
			}
			if r, _ := rev.(bool); r {
				return c > 0
			}
			return c < 0
		})
		return nil, out, err
	}
	return nil, nil, runtimeErrorf("'list' object has no attribute '%s'", name)
}

func dictMethod(obj any, name string, a *argList) (any, any, error) {
	p := a.pos
	switch name {
	case "keys":
		return append([]any{}, mapKeys(obj)...), nil, nil
	case "values":
		keys := mapKeys(obj)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i], _ = mapGet(obj, k)
		}
		return out, nil, nil
	case "items":
		return dictItems(obj), nil, nil
	case "get":
		if len(p) == 0 {
			return nil, nil, typeErrorf("get expected at least 1 argument, got 0")
		}
		if v, ok := mapGet(obj, p[0]); ok {
			return v, nil, nil
		}
		if len(p) > 1 {
			return p[1], nil, nil
		}
		return nil, nil, nil
	case "copy":
		return toDict(obj).Copy(), nil, nil
	case "update":
		d := toDict(obj).Copy()
		for _, arg := range p {
			if isMapping(arg) {
				for _, k := range mapKeys(arg) {
					v, _ := mapGet(arg, k)
					d.Set(k, v)
				}
				continue
			}
			items, err := iterate(arg)
			if err != nil {
				return nil, nil, err
			}
			for _, it := range items {
				kv, ok := listOf(it)
				if !ok || len(kv) != 2 {
					return nil, nil, runtimeErrorf("dictionary update sequence element has wrong length")
				}
				d.Set(kv[0], kv[1])
			}
		}
		for _, kv := range a.kw {
			d.Set(kv.name, kv.val)
		}
		return nil, d, nil
	case "pop":
		if len(p) == 0 {
			return nil, nil, typeErrorf("pop expected at least 1 argument, got 0")
		}
		d := toDict(obj).Copy()
		if v, ok := d.Get(p[0]); ok {
			d.Delete(p[0])
			return v, d, nil
		}
		if len(p) > 1 {
			return p[1], nil, nil
		}
		return nil, nil, runtimeErrorf("dict.pop(key): key not found")
	case "setdefault":
		if len(p) == 0 {
			return nil, nil, typeErrorf("setdefault expected at least 1 argument, got 0")
		}
		if v, ok := mapGet(obj, p[0]); ok {
			return v, nil, nil
		}
		var def any
		if len(p) > 1 {
			def = p[1]
		}
		d := toDict(obj).Copy()
		d.Set(p[0], def)
		return def, d, nil
	case "clear":
		return nil, NewDict(0), nil
	case "popitem":
		d := toDict(obj).Copy()
		if d.Len() == 0 {
			return nil, nil, runtimeErrorf("popitem(): dictionary is empty")
		}
		k := d.keys[d.Len()-1]
		v := d.vals[d.Len()-1]
		d.Delete(k)
		return Tuple{k, v}, d, nil
	}
	return nil, nil, runtimeErrorf("'dict' object has no attribute '%s'", name)
}

// dictItems is list(d.items()).
func dictItems(obj any) []any {
	keys := mapKeys(obj)
	out := make([]any, len(keys))
	for i, k := range keys {
		v, _ := mapGet(obj, k)
		out[i] = Tuple{k, v}
	}
	return out
}
