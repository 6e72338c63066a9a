package jinja

import (
	"html"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/drover/drover/internal/pyfmt"
)

type filterFn = func(s *state, v any, a *argList) (any, error)

func registerFilters(e *Env) {
	reg := func(fn filterFn, names ...string) {
		for _, n := range names {
			e.addFilter(n, &filterDef{fn: fn})
		}
	}
	e.addFilter("default", &filterDef{fn: fDefault, undefinedOK: true})
	e.addFilter("d", &filterDef{fn: fDefault, undefinedOK: true})
	e.addFilter("mandatory", &filterDef{fn: fMandatory, undefinedOK: true})
	e.addFilter("type_debug", &filterDef{fn: func(s *state, v any, a *argList) (any, error) { return typeName(v), nil }, undefinedOK: true})
	reg(fBool, "bool")
	reg(fInt, "int")
	reg(fFloat, "float")
	reg(fString, "string")
	reg(strFilter(strings.ToLower), "lower")
	reg(strFilter(strings.ToUpper), "upper")
	reg(strFilter(capitalize), "capitalize")
	reg(strFilter(jinjaTitle), "title")
	reg(fReplace, "replace")
	reg(fTrim, "trim")
	reg(fLength, "length", "count")
	reg(fJoin, "join")
	reg(fFirst, "first")
	reg(fLast, "last")
	reg(fList, "list")
	reg(fUnique, "unique")
	reg(fSort, "sort")
	reg(fReverse, "reverse")
	reg(fMinMax(false), "min")
	reg(fMinMax(true), "max")
	reg(fSum, "sum")
	reg(fAbs, "abs")
	reg(fRound, "round")
	reg(fMap, "map")
	reg(fSelect(false, false), "select")
	reg(fSelect(true, false), "reject")
	reg(fSelect(false, true), "selectattr")
	reg(fSelect(true, true), "rejectattr")
	reg(fDict2Items, "dict2items")
	reg(fItems2Dict, "items2dict")
	reg(fItems, "items")
	reg(fDictsort, "dictsort")
	reg(fCombine, "combine")
	reg(fFlatten, "flatten")
	reg(fZip(false), "zip")
	reg(fZip(true), "zip_longest")
	reg(fSetOp("difference"), "difference")
	reg(fSetOp("union"), "union")
	reg(fSetOp("intersect"), "intersect")
	reg(fSetOp("symmetric_difference"), "symmetric_difference")
	reg(fTernary, "ternary")
	reg(fQuote, "quote")
	reg(fIndent, "indent")
	reg(fCenter, "center")
	reg(fTruncate, "truncate")
	reg(fWordcount, "wordcount")
	reg(fBatch, "batch")
	reg(fSlice, "slice")
	reg(fGroupby, "groupby")
	reg(fAttr, "attr")
	reg(fFormat, "format")
	reg(fSplit, "split")
	reg(func(s *state, v any, a *argList) (any, error) { return v, nil }, "safe")
	reg(fEscape, "escape", "e", "forceescape")
	reg(fStriptags, "striptags")
	reg(fURLEncode, "urlencode")
	reg(fURLDecode, "urldecode")
	e.addFilter("extract", &filterDef{fn: fExtract, undefinedOK: true})
	reg(fSubelements, "subelements")
	reg(fRekey, "rekey_on_member")
	reg(fComment, "comment")
	reg(fFilesize, "filesizeformat")
	reg(fHumanReadable, "human_readable")
	reg(fHumanToBytes, "human_to_bytes")
	reg(fMath("log"), "log")
	reg(fMath("pow"), "pow")
	reg(fMath("root"), "root")
	reg(fCombinatorial("product"), "product")
	reg(fCombinatorial("permutations"), "permutations")
	reg(fCombinatorial("combinations"), "combinations")
	reg(fRandom, "random")
	reg(fShuffle, "shuffle")
	reg(fPprint, "pprint")
	reg(fPasswordHash, "password_hash")
	reg(fToUUID, "to_uuid")
	reg(fToDatetime, "to_datetime")
	reg(fStrftime, "strftime")
	registerDataFilters(e)
	registerStringFilters(e)
	registerVaultFilters(e)
	registerWinPathFilters(e)
}

func fDefault(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("default", "default_value", "boolean")
	if err != nil {
		return nil, err
	}
	def := b[0]
	if def == missing {
		def = ""
	}
	if _, ok := v.(*Undefined); ok {
		return def, nil
	}
	if bo, _ := b[1].(bool); bo {
		t, err := truth(v)
		if err != nil {
			return nil, err
		}
		if !t {
			return def, nil
		}
	}
	return v, nil
}

func fMandatory(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("mandatory", "msg")
	if err != nil {
		return nil, err
	}
	if u, ok := v.(*Undefined); ok {
		if b[0] != missing && b[0] != nil {
			return nil, runtimeErrorf("%s", str(b[0]))
		}
		if u.name == nil {
			return nil, runtimeErrorf("Mandatory variable  not defined.")
		}
		return nil, runtimeErrorf("Mandatory variable '%s'  not defined.", str(u.name))
	}
	return v, nil
}

// toBool is Ansible's bool filter.
func toBool(v any) any {
	switch x := v.(type) {
	case nil, bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "yes", "on", "1", "true":
			return true
		}
		return false
	case int:
		return x == 1
	case float64:
		return x == 1
	}
	return false
}

func fBool(s *state, v any, a *argList) (any, error) { return toBool(v), nil }

// pyInt parses a string like Python's int(s, base).
func pyInt(s string, base int) (int, bool) {
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	if base == 0 || base == 16 || base == 8 || base == 2 {
		lt := strings.ToLower(t)
		for _, p := range []struct {
			pre string
			b   int
		}{{"0x", 16}, {"0o", 8}, {"0b", 2}} {
			if strings.HasPrefix(lt, p.pre) && (base == 0 || base == p.b) {
				t, base = t[2:], p.b
				break
			}
		}
		if base == 0 {
			base = 10
		}
	}
	if t == "" || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return int(n), true
}

// pyFloat parses a string like Python's float(s).
func pyFloat(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	lt := strings.ToLower(strings.TrimLeft(t, "+-"))
	switch lt {
	case "inf", "infinity", "nan":
	default:
		if t == "" || strings.ContainsAny(lt, "xpi") || strings.HasPrefix(lt, "_") {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return 0, false
	}
	return f, true
}

func fInt(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("int", "default", "base")
	if err != nil {
		return nil, err
	}
	def := b[0]
	if def == missing {
		def = 0
	}
	base := 10
	if n, ok := b[1].(int); ok {
		base = n
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return def, nil
		}
		return int(x), nil
	case string:
		if n, ok := pyInt(x, base); ok {
			return n, nil
		}
		if f, ok := pyFloat(x); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
	}
	return def, nil
}

func fFloat(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("float", "default")
	if err != nil {
		return nil, err
	}
	def := b[0]
	if def == missing {
		def = 0.0
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case float64:
		return x, nil
	case string:
		if f, ok := pyFloat(x); ok {
			return f, nil
		}
	}
	return def, nil
}

func fString(s *state, v any, a *argList) (any, error) { return str(v), nil }

func strFilter(f func(string) string) filterFn {
	return func(s *state, v any, a *argList) (any, error) { return f(str(v)), nil }
}

// jinjaTitle is Jinja's title filter: capitalize words split on spaces,
// dashes and opening brackets.
func jinjaTitle(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) || strings.ContainsRune("-({[<", r) {
			b.WriteRune(r)
			start = true
			continue
		}
		if start {
			b.WriteRune(unicode.ToTitle(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String()
}

func fReplace(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("replace", "old", "new", "count")
	if err != nil {
		return nil, err
	}
	if b[0] == missing || b[1] == missing {
		return nil, typeErrorf("replace() missing required arguments")
	}
	n := -1
	if c, ok := b[2].(int); ok {
		n = c
	}
	return strings.Replace(str(v), str(b[0]), str(b[1]), n), nil
}

func fTrim(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("trim", "chars")
	if err != nil {
		return nil, err
	}
	var chars any
	if b[0] != missing {
		chars = b[0]
	}
	return pyStrip(str(v), chars, "strip")
}

func length(v any) (int, error) {
	switch x := v.(type) {
	case string:
		return len([]rune(x)), nil
	case []any:
		return len(x), nil
	case Tuple:
		return len(x), nil
	case *Dict:
		return x.Len(), nil
	case map[string]any:
		return len(x), nil
	case Mapping:
		return len(x.Keys()), nil
	}
	return 0, typeErrorf("object of type '%s' has no len()", typeName(v))
}

func fLength(s *state, v any, a *argList) (any, error) { return length(v) }

// attrGetter resolves "a.b.0"-style attribute paths as Jinja's
// make_attrgetter does.
func attrGetter(s *state, attr any) func(any) any {
	if attr == nil || attr == missing {
		return func(v any) any { return v }
	}
	var parts []any
	if as, ok := attr.(string); ok {
		for _, p := range strings.Split(as, ".") {
			if n, err := strconv.Atoi(p); err == nil {
				parts = append(parts, n)
			} else {
				parts = append(parts, p)
			}
		}
	} else {
		parts = []any{attr}
	}
	return func(v any) any {
		for _, p := range parts {
			v = getitem(s, norm(v), p, -1)
		}
		return v
	}
}

func fJoin(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("join", "d", "attribute")
	if err != nil {
		return nil, err
	}
	sep := ""
	if b[0] != missing {
		sep = str(b[0])
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := attrGetter(s, b[1])
	var sb strings.Builder
	for i, it := range items {
		if i > 0 {
			sb.WriteString(sep)
		}
		x := get(it)
		if u, ok := x.(*Undefined); ok {
			return nil, u.err()
		}
		sb.WriteString(str(x))
	}
	return sb.String(), nil
}

func fFirst(s *state, v any, a *argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &Undefined{hint: "No first item, sequence was empty.", obj: noObj, pos: -1}, nil
	}
	return items[0], nil
}

func fLast(s *state, v any, a *argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &Undefined{hint: "No last item, sequence was empty.", obj: noObj, pos: -1}, nil
	}
	return items[len(items)-1], nil
}

func fList(s *state, v any, a *argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return append([]any{}, items...), nil
}

// ignoreCase lowercases strings for case-insensitive comparisons.
func ignoreCase(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

func fUnique(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("unique", "case_sensitive", "attribute")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	cs, _ := b[0].(bool)
	get := attrGetter(s, b[1])
	out := []any{}
	var seen []any
	for _, it := range items {
		k := get(it)
		if !cs {
			k = ignoreCase(k)
		}
		if sliceContains(seen, k) {
			continue
		}
		switch k.(type) {
		case []any, *Dict, map[string]any:
			return nil, typeErrorf("unhashable type: '%s'", typeName(k))
		}
		seen = append(seen, k)
		out = append(out, it)
	}
	return out, nil
}

// sortKeyFuncs builds the comparison keys for sort-like filters; attribute
// may list several comma-separated paths.
func sortKeys(s *state, attr any, cs bool) func(any) []any {
	var getters []func(any) any
	if as, ok := attr.(string); ok && strings.Contains(as, ",") {
		for _, p := range strings.Split(as, ",") {
			getters = append(getters, attrGetter(s, strings.TrimSpace(p)))
		}
	} else {
		getters = []func(any) any{attrGetter(s, attr)}
	}
	return func(v any) []any {
		out := make([]any, len(getters))
		for i, g := range getters {
			k := g(v)
			if !cs {
				k = ignoreCase(k)
			}
			out[i] = k
		}
		return out
	}
}

func sortValues(items []any, key func(any) []any, reverse bool) ([]any, error) {
	out := append([]any{}, items...)
	keys := make([][]any, len(out))
	for i, it := range out {
		keys[i] = key(it)
		for _, k := range keys[i] {
			if u, ok := k.(*Undefined); ok {
				return nil, u.err()
			}
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var err error
	sort.SliceStable(idx, func(i, j int) bool {
		c, e := compareSlices(keys[idx[i]], keys[idx[j]])
		if e != nil && err == nil {
			err = e
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	sorted := make([]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted, err
}

func fSort(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("sort", "reverse", "case_sensitive", "attribute")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	rev, _ := b[0].(bool)
	cs, _ := b[1].(bool)
	return sortValues(items, sortKeys(s, b[2], cs), rev)
}

func fReverse(s *state, v any, a *argList) (any, error) {
	if str, ok := v.(string); ok {
		rs := []rune(str)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fMinMax(isMax bool) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		b, err := a.bind("min", "case_sensitive", "attribute")
		if err != nil {
			return nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			which := "min"
			if isMax {
				which = "max"
			}
			return &Undefined{hint: "No aggregated item, sequence was empty.", obj: noObj, pos: -1, name: which}, nil
		}
		cs, _ := b[0].(bool)
		key := sortKeys(s, b[1], cs)
		best := items[0]
		bk := key(best)
		for _, it := range items[1:] {
			k := key(it)
			c, err := compareSlices(k, bk)
			if err != nil {
				return nil, err
			}
			if (isMax && c > 0) || (!isMax && c < 0) {
				best, bk = it, k
			}
		}
		return best, nil
	}
}

func fSum(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("sum", "attribute", "start")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var total any = 0
	if b[1] != missing {
		total = b[1]
	}
	get := attrGetter(s, b[0])
	for _, it := range items {
		if total, err = arith("+", total, norm(get(it))); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fAbs(s *state, v any, a *argList) (any, error) {
	switch x := v.(type) {
	case int:
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return nil, typeErrorf("bad operand type for abs(): '%s'", typeName(v))
}

// pyRound is Python's round(x, n) (correctly rounded, ties to even).
func pyRound(f float64, n int) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	if n < 0 {
		p := math.Pow(10, float64(-n))
		return math.RoundToEven(f/p) * p
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
	return r
}

func fRound(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("round", "precision", "method")
	if err != nil {
		return nil, err
	}
	prec := 0
	if p, ok := b[0].(int); ok {
		prec = p
	}
	method := "common"
	if m, ok := b[1].(string); ok {
		method = m
	}
	f, ok := asFloat(v)
	if !ok {
		return nil, typeErrorf("type %s doesn't define __round__ method", typeName(v))
	}
	switch method {
	case "common":
		if i, isInt := v.(int); isInt {
			return i, nil
		}
		return pyRound(f, prec), nil
	case "ceil", "floor":
		p := math.Pow(10, float64(prec))
		if method == "ceil" {
			return math.Ceil(f*p) / p, nil
		}
		return math.Floor(f*p) / p, nil
	}
	return nil, runtimeErrorf("method must be common, ceil or floor")
}

func fMap(s *state, v any, a *argList) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 0 {
		attr, ok := a.kwarg("attribute")
		if !ok {
			return nil, runtimeErrorf("map requires a filter name or attribute=")
		}
		def, hasDef := a.kwarg("default")
		get := attrGetter(s, attr)
		out := make([]any, len(items))
		for i, it := range items {
			x := get(it)
			if _, u := x.(*Undefined); u && hasDef {
				x = def
			}
			out[i] = x
		}
		return out, nil
	}
	name, ok := a.pos[0].(string)
	if !ok {
		return nil, runtimeErrorf("map filter name must be a string")
	}
	fd := s.env.lookupFilter(name)
	if fd == nil {
		return nil, unknownPlugin(name)
	}
	sub := &argList{pos: a.pos[1:], kw: a.kw}
	out := make([]any, len(items))
	for i, it := range items {
		if u, isU := it.(*Undefined); isU && !fd.undefinedOK {
			return nil, u.err()
		}
		if out[i], err = fd.fn(s, norm(it), sub); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fSelect implements select, reject, selectattr and rejectattr.
func fSelect(reject, byAttr bool) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		args := a.pos
		get := func(x any) any { return x }
		if byAttr {
			if len(args) == 0 {
				return nil, runtimeErrorf("Missing parameter for attribute name")
			}
			get = attrGetter(s, args[0])
			args = args[1:]
		}
		var test func(x any) (bool, error)
		if len(args) == 0 {
			test = truth
		} else {
			name, ok := args[0].(string)
			if !ok {
				return nil, runtimeErrorf("test name must be a string")
			}
			td := s.env.lookupTest(name)
			if td == nil {
				return nil, unknownPlugin(name)
			}
			sub := &argList{pos: args[1:], kw: a.kw}
			test = func(x any) (bool, error) {
				if u, isU := x.(*Undefined); isU && !td.undefinedOK {
					if td.undefinedFalse {
						return false, nil
					}
					return false, u.err()
				}
				return td.fn(s, norm(x), sub)
			}
		}
		out := []any{}
		for _, it := range items {
			ok, err := test(get(it))
			if err != nil {
				return nil, err
			}
			if ok != reject {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

func fDict2Items(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("dict2items", "key_name", "value_name")
	if err != nil {
		return nil, err
	}
	kn, vn := any("key"), any("value")
	if b[0] != missing {
		kn = b[0]
	}
	if b[1] != missing {
		vn = b[1]
	}
	if !isMapping(v) {
		return nil, runtimeErrorf("dict2items requires a dictionary, got <class '%s'> instead.", typeName(v))
	}
	keys := mapKeys(v)
	out := make([]any, len(keys))
	for i, k := range keys {
		val, _ := mapGet(v, k)
		d := NewDict(2)
		d.Set(kn, k)
		d.Set(vn, val)
		out[i] = d
	}
	return out, nil
}

func fItems2Dict(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("items2dict", "key_name", "value_name")
	if err != nil {
		return nil, err
	}
	kn, vn := any("key"), any("value")
	if b[0] != missing {
		kn = b[0]
	}
	if b[1] != missing {
		vn = b[1]
	}
	items, ok := listOf(v)
	if !ok {
		return nil, runtimeErrorf("items2dict requires a list, got <class '%s'> instead.", typeName(v))
	}
	d := NewDict(len(items))
	for _, it := range items {
		if !isMapping(it) {
			return nil, runtimeErrorf("items2dict requires a list of dictionaries, got a list of %s instead.", typeName(it))
		}
		k, ok1 := mapGet(it, kn)
		val, ok2 := mapGet(it, vn)
		if !ok1 || !ok2 {
			return nil, runtimeErrorf("items2dict requires each dictionary in the list to contain the keys '%s' and '%s'", str(kn), str(vn))
		}
		d.Set(k, val)
	}
	return d, nil
}

func fItems(s *state, v any, a *argList) (any, error) {
	if !isMapping(v) {
		return nil, runtimeErrorf("Can only get item pairs from a mapping.")
	}
	return dictItems(v), nil
}

func fDictsort(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("dictsort", "case_sensitive", "by", "reverse")
	if err != nil {
		return nil, err
	}
	cs, _ := b[0].(bool)
	pos := 0
	if by, ok := b[1].(string); ok {
		switch by {
		case "key":
		case "value":
			pos = 1
		default:
			return nil, runtimeErrorf("You can only sort by either \"key\" or \"value\"")
		}
	}
	rev, _ := b[2].(bool)
	return sortValues(dictItems(v), func(x any) []any {
		k := x.(Tuple)[pos]
		if !cs {
			k = ignoreCase(k)
		}
		return []any{k}
	}, rev)
}

// mergeHash is Ansible's merge_hash(x, y, recursive, list_merge): y wins.
func mergeHash(x, y any, recursive bool, listMerge string) (*Dict, error) {
	out := toDict(x).Copy()
	for _, k := range mapKeys(y) {
		yv, _ := mapGet(y, k)
		xv, ok := out.Get(k)
		if !ok {
			out.Set(k, yv)
			continue
		}
		xv = norm(xv)
		if recursive && isMapping(xv) && isMapping(yv) {
			m, err := mergeHash(xv, yv, recursive, listMerge)
			if err != nil {
				return nil, err
			}
			out.Set(k, m)
			continue
		}
		xl, xIsList := xv.([]any)
		yl, yIsList := yv.([]any)
		if xIsList && yIsList && listMerge != "replace" {
			switch listMerge {
			case "keep":
				continue
			case "append":
				out.Set(k, append(append([]any{}, xl...), yl...))
			case "prepend":
				out.Set(k, append(append([]any{}, yl...), xl...))
			case "append_rp":
				var kept []any
				for _, e := range xl {
					if !sliceContains(yl, e) {
						kept = append(kept, e)
					}
				}
				out.Set(k, append(kept, yl...))
			case "prepend_rp":
				res := append([]any{}, yl...)
				for _, e := range xl {
					if !sliceContains(yl, e) {
						res = append(res, e)
					}
				}
				out.Set(k, res)
			}
			continue
		}
		out.Set(k, yv)
	}
	return out, nil
}

func fCombine(s *state, v any, a *argList) (any, error) {
	recursive := false
	listMerge := "replace"
	for _, kv := range a.kw {
		switch kv.name {
		case "recursive":
			t, err := truth(kv.val)
			if err != nil {
				return nil, err
			}
			recursive = t
		case "list_merge":
			listMerge = str(kv.val)
		default:
			return nil, runtimeErrorf("'recursive' and 'list_merge' are the only valid keyword arguments")
		}
	}
	switch listMerge {
	case "replace", "keep", "append", "prepend", "append_rp", "prepend_rp":
	default:
		return nil, runtimeErrorf("merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'")
	}
	terms := flattenValues(append([]any{v}, a.pos...), 1, true)
	if len(terms) == 0 {
		return NewDict(0), nil
	}
	if err := failOnUndefined(terms); err != nil {
		return nil, err
	}
	for _, t := range terms {
		if !isMapping(norm(t)) {
			return nil, runtimeErrorf("failed to combine variables, expected dicts but got a '%s'", typeName(t))
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	res := norm(terms[len(terms)-1])
	for i := len(terms) - 2; i >= 0; i-- {
		m, err := mergeHash(norm(terms[i]), res, recursive, listMerge)
		if err != nil {
			return nil, err
		}
		res = m
	}
	return res, nil
}

// flattenValues is Ansible's flatten(mylist, levels, skip_nulls).
func flattenValues(items []any, levels int, skipNulls bool) []any {
	out := []any{}
	for _, e := range items {
		e = norm(e)
		if skipNulls && (e == nil || e == "None" || e == "null") {
			continue
		}
		if inner, ok := listOf(e); ok {
			if levels < 0 {
				out = append(out, flattenValues(inner, -1, skipNulls)...)
			} else if levels >= 1 {
				out = append(out, flattenValues(inner, levels-1, skipNulls)...)
			} else {
				out = append(out, e)
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func fFlatten(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("flatten", "levels", "skip_nulls")
	if err != nil {
		return nil, err
	}
	levels := -1
	if n, ok := b[0].(int); ok {
		levels = n
	}
	skip := true
	if sn, ok := b[1].(bool); ok {
		skip = sn
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return flattenValues(items, levels, skip), nil
}

func fZip(longest bool) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		seqs := [][]any{}
		for _, x := range append([]any{v}, a.pos...) {
			items, err := iterate(norm(x))
			if err != nil {
				return nil, err
			}
			seqs = append(seqs, items)
		}
		n := -1
		for _, sq := range seqs {
			if n < 0 || (!longest && len(sq) < n) || (longest && len(sq) > n) {
				n = len(sq)
			}
		}
		fill, _ := a.kwarg("fillvalue")
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			t := make(Tuple, len(seqs))
			for j, sq := range seqs {
				if i < len(sq) {
					t[j] = sq[i]
				} else {
					t[j] = fill
				}
			}
			out = append(out, t)
		}
		return out, nil
	}
}

func uniqueList(items []any) []any {
	out := []any{}
	for _, it := range items {
		if !sliceContains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func fSetOp(op string) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		if len(a.pos) != 1 {
			return nil, typeErrorf("%s() takes exactly 2 arguments", op)
		}
		x, err := iterate(v)
		if err != nil {
			return nil, err
		}
		y, err := iterate(norm(a.pos[0]))
		if err != nil {
			return nil, err
		}
		var out []any
		switch op {
		case "union":
			out = uniqueList(append(append([]any{}, x...), y...))
		case "intersect":
			for _, e := range x {
				if sliceContains(y, e) {
					out = append(out, e)
				}
			}
			out = uniqueList(out)
		case "difference":
			for _, e := range x {
				if !sliceContains(y, e) {
					out = append(out, e)
				}
			}
			out = uniqueList(out)
		case "symmetric_difference":
			var isect []any
			for _, e := range x {
				if sliceContains(y, e) {
					isect = append(isect, e)
				}
			}
			for _, e := range uniqueList(append(append([]any{}, x...), y...)) {
				if !sliceContains(isect, e) {
					out = append(out, e)
				}
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
}

func fTernary(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("ternary", "true_val", "false_val", "none_val")
	if err != nil {
		return nil, err
	}
	if b[0] == missing || b[1] == missing {
		return nil, typeErrorf("ternary() missing required positional arguments")
	}
	if v == nil && b[2] != missing && b[2] != nil {
		return b[2], nil
	}
	t, err := truth(v)
	if err != nil {
		return nil, err
	}
	if t {
		return b[0], nil
	}
	return b[1], nil
}

// shellQuote is Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r))) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func fQuote(s *state, v any, a *argList) (any, error) {
	if v == nil {
		v = ""
	}
	return shellQuote(str(v)), nil
}

func fIndent(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("indent", "width", "first", "blank")
	if err != nil {
		return nil, err
	}
	ind := "    "
	switch w := b[0].(type) {
	case int:
		ind = strings.Repeat(" ", clampWidth(w))
	case string:
		ind = w
	}
	first, _ := b[1].(bool)
	blank, _ := b[2].(bool)
	text := str(v) + "\n"
	lines := splitLinesStr(text)
	var rv string
	if blank {
		rv = strings.Join(lines, "\n"+ind)
	} else {
		rv = lines[0]
		rest := lines[1:]
		if len(rest) > 0 {
			parts := make([]string, len(rest))
			for i, l := range rest {
				if l != "" {
					parts[i] = ind + l
				}
			}
			rv += "\n" + strings.Join(parts, "\n")
		}
	}
	if first {
		rv = ind + rv
	}
	return rv, nil
}

func splitLinesStr(s string) []string {
	if s == "" {
		return []string{""}
	}
	return pyfmt.SplitLines(s, false)
}

func fCenter(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("center", "width")
	if err != nil {
		return nil, err
	}
	w := 80
	if n, ok := b[0].(int); ok {
		w = n
	}
	return pad(str(v), w, " ", "center"), nil
}

func fTruncate(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("truncate", "length", "killwords", "end", "leeway")
	if err != nil {
		return nil, err
	}
	n := 255
	if x, ok := b[0].(int); ok {
		n = x
	}
	kill, _ := b[1].(bool)
	end := "..."
	if e, ok := b[2].(string); ok {
		end = e
	}
	leeway := 5
	if l, ok := b[3].(int); ok {
		leeway = l
	}
	rs := []rune(str(v))
	if len(rs) <= n+leeway {
		return string(rs), nil
	}
	cut := max(n-len([]rune(end)), 0)
	if kill {
		return string(rs[:cut]) + end, nil
	}
	head := string(rs[:cut])
	if i := strings.LastIndexByte(head, ' '); i >= 0 {
		head = head[:i]
	}
	return head + end, nil
}

func fWordcount(s *state, v any, a *argList) (any, error) {
	n := 0
	in := false
	for _, r := range str(v) {
		w := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if w && !in {
			n++
		}
		in = w
	}
	return n, nil
}

func fBatch(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("batch", "linecount", "fill_with")
	if err != nil {
		return nil, err
	}
	n, ok := b[0].(int)
	if !ok || n <= 0 {
		return nil, runtimeErrorf("batch linecount must be a positive integer")
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i := 0; i < len(items); i += n {
		chunk := append([]any{}, items[i:min(i+n, len(items))]...)
		if len(chunk) < n && b[1] != missing {
			for len(chunk) < n {
				chunk = append(chunk, b[1])
			}
		}
		out = append(out, chunk)
	}
	return out, nil
}

func fSlice(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("slice", "slices", "fill_with")
	if err != nil {
		return nil, err
	}
	n, ok := b[0].(int)
	if !ok || n <= 0 {
		return nil, runtimeErrorf("slice count must be a positive integer")
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	per, extra := len(items)/n, len(items)%n
	out := []any{}
	off := 0
	for i := 0; i < n; i++ {
		start := i*per + off
		if i < extra {
			off++
		}
		end := (i+1)*per + off
		chunk := append([]any{}, items[start:end]...)
		if b[1] != missing && i >= extra {
			chunk = append(chunk, b[1])
		}
		out = append(out, chunk)
	}
	return out, nil
}

func fGroupby(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("groupby", "attribute", "default", "case_sensitive")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := attrGetter(s, b[0])
	cs, _ := b[2].(bool)
	keyOf := func(x any) any {
		k := get(x)
		if _, u := k.(*Undefined); u && b[1] != missing {
			k = b[1]
		}
		if !cs {
			k = ignoreCase(k)
		}
		return k
	}
	sorted, err := sortValues(items, func(x any) []any { return []any{keyOf(x)} }, false)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range sorted {
		k := keyOf(it)
		if len(out) > 0 {
			last := out[len(out)-1].(Tuple)
			if equal(last[0], k) {
				last[1] = append(last[1].([]any), it)
				continue
			}
		}
		grouper := get(it)
		if !cs {
			grouper = k
		}
		out = append(out, Tuple{grouper, []any{it}})
	}
	return out, nil
}

func fAttr(s *state, v any, a *argList) (any, error) {
	if len(a.pos) != 1 {
		return nil, typeErrorf("attr() takes exactly one argument")
	}
	name := str(a.pos[0])
	if m := boundMethod(v, name); m != nil {
		return m, nil
	}
	return undefinedAttr(v, name, -1), nil
}

func fFormat(s *state, v any, a *argList) (any, error) {
	f := str(v)
	if len(a.kw) > 0 {
		d := NewDict(len(a.kw))
		for _, kv := range a.kw {
			d.Set(kv.name, kv.val)
		}
		return percentFormat(f, d)
	}
	return percentFormat(f, Tuple(a.pos))
}

func fSplit(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("split", "sep", "maxsplit")
	if err != nil {
		return nil, err
	}
	var sep any
	if b[0] != missing {
		sep = b[0]
	}
	max := -1
	if n, ok := b[1].(int); ok {
		max = n
	}
	return pySplit(str(v), sep, max, false)
}

func fEscape(s *state, v any, a *argList) (any, error) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(str(v)), nil
}

func fStriptags(s *state, v any, a *argList) (any, error) {
	t := str(v)
	var b strings.Builder
	in := false
	for _, r := range t {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " "), nil
}

func urlQuote(s string, safe string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~"+safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c), 16)))
		if c < 16 {
			s := b.String()
			b.Reset()
			b.WriteString(s[:len(s)-1] + "0" + s[len(s)-1:])
		}
	}
	return b.String()
}

// qsQuote quotes for a query string: spaces become '+'.
func qsQuote(s string) string { return strings.ReplaceAll(urlQuote(s, ""), "%20", "+") }

func fURLEncode(s *state, v any, a *argList) (any, error) {
	if isMapping(v) || isSequence(v) {
		var pairs []any
		if isMapping(v) {
			pairs = dictItems(v)
		} else {
			pairs, _ = listOf(v)
		}
		parts := make([]string, 0, len(pairs))
		for _, p := range pairs {
			kv, ok := listOf(p)
			if !ok || len(kv) != 2 {
				return nil, runtimeErrorf("urlencode expects pairs")
			}
			parts = append(parts, qsQuote(str(kv[0]))+"="+qsQuote(str(kv[1])))
		}
		return strings.Join(parts, "&"), nil
	}
	return urlQuote(str(v), "/"), nil
}

func fURLDecode(s *state, v any, a *argList) (any, error) {
	r, err := url.QueryUnescape(strings.ReplaceAll(str(v), "+", "%2B"))
	if err != nil {
		return str(v), nil
	}
	return r, nil
}

func fExtract(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("extract", "container", "morekeys")
	if err != nil {
		return nil, err
	}
	keys := []any{v}
	switch mk := b[1].(type) {
	case missingT, nil:
	case []any:
		keys = append(keys, mk...)
	default:
		keys = append(keys, mk)
	}
	val := norm(b[0])
	for _, k := range keys {
		if _, undef := val.(*Undefined); undef {
			return val, nil // Ansible's undefined yields itself for any item
		}
		val = getitem(s, val, k, -1)
	}
	return val, nil
}

func fSubelements(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("subelements", "subelements", "skip_missing")
	if err != nil {
		return nil, err
	}
	var elems []any
	switch {
	case isMapping(v):
		for _, k := range mapKeys(v) {
			x, _ := mapGet(v, k)
			elems = append(elems, x)
		}
	case isSequence(v):
		elems, _ = listOf(v)
	default:
		return nil, runtimeErrorf("obj must be a list of dicts or a nested dict")
	}
	var path []any
	switch p := b[0].(type) {
	case string:
		for _, x := range strings.Split(p, ".") {
			path = append(path, x)
		}
	case []any:
		path = p
	default:
		return nil, runtimeErrorf("subelements must be a list or a string")
	}
	skip, _ := b[1].(bool)
	out := []any{}
	for _, el := range elems {
		vals := norm(el)
		for _, p := range path {
			if !isMapping(vals) {
				return nil, runtimeErrorf("the key %s should point to a dictionary, got a %s", repr(p), typeName(vals))
			}
			x, ok := mapGet(vals, p)
			if !ok {
				if skip {
					vals = []any{}
					break
				}
				return nil, runtimeErrorf("could not find %s key in iterated item", repr(p))
			}
			vals = x
		}
		list, ok := vals.([]any)
		if !ok {
			return nil, runtimeErrorf("the key %s should point to a list, got a %s", repr(path[len(path)-1]), typeName(vals))
		}
		for _, x := range list {
			out = append(out, Tuple{el, x})
		}
	}
	return out, nil
}

func fRekey(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("rekey_on_member", "key", "duplicates")
	if err != nil {
		return nil, err
	}
	dup := "error"
	if d, ok := b[1].(string); ok {
		dup = d
	}
	if dup != "error" && dup != "overwrite" {
		return nil, runtimeErrorf("duplicates parameter to rekey_on_member has unknown value: %s", dup)
	}
	var items []any
	if isMapping(v) {
		for _, k := range mapKeys(v) {
			x, _ := mapGet(v, k)
			items = append(items, x)
		}
	} else if l, ok := listOf(v); ok {
		items = l
	} else {
		return nil, runtimeErrorf("Type is not a valid list, set, or dict")
	}
	out := NewDict(len(items))
	for _, it := range items {
		if !isMapping(norm(it)) {
			return nil, runtimeErrorf("List item is not a valid dict")
		}
		k, ok := mapGet(norm(it), b[0])
		if !ok {
			return nil, runtimeErrorf("Key %s was not found", str(b[0]))
		}
		if _, exists := out.Get(k); exists && dup == "error" {
			return nil, runtimeErrorf("Key %s is not unique, cannot correctly turn into dict", repr(b[0]))
		}
		out.Set(k, it)
	}
	return out, nil
}

func fComment(s *state, v any, a *argList) (any, error) {
	if len(a.pos) > 1 {
		return nil, typeErrorf("comment() takes from 1 to 2 positional arguments but %d were given", len(a.pos)+1)
	}
	b := []any{missing}
	if len(a.pos) == 1 {
		b[0] = a.pos[0]
	} else if st, ok := a.kwarg("style"); ok {
		b[0] = st
	}
	styles := map[string][3]string{
		"plain": {"", "# ", ""}, "erlang": {"", "% ", ""}, "c": {"", "// ", ""},
		"cblock": {"/*", " * ", " */"}, "xml": {"<!--", " - ", "-->"},
	}
	style := "plain"
	if st, ok := b[0].(string); ok {
		style = st
	}
	sp, ok := styles[style]
	if !ok {
		return nil, runtimeErrorf("KeyError: %s", repr(style))
	}
	p := map[string]any{"newline": "\n", "beginning": sp[0], "decoration": "", "end": sp[2],
		"prefix_count": 1, "postfix_count": 1}
	prepost := sp[1]
	if d, ok := a.kwarg("decoration"); ok {
		prepost = str(d)
	}
	p["prefix"] = strings.TrimRight(prepost, " \t\n")
	p["postfix"] = strings.TrimRight(prepost, " \t\n")
	p["decoration"] = sp[1]
	for _, kv := range a.kw {
		if kv.name != "style" {
			p[kv.name] = kv.val
		}
	}
	nl, deco := str(p["newline"]), str(p["decoration"])
	var out strings.Builder
	if beg := str(p["beginning"]); beg != "" {
		out.WriteString(beg + nl)
	}
	pc, _ := p["prefix_count"].(int)
	if pre := str(p["prefix"]); pre != "" {
		for i := 0; i < pc; i++ {
			if pre != nl {
				out.WriteString(pre + nl)
			} else {
				out.WriteString(nl)
			}
		}
	}
	text := deco + strings.ReplaceAll(str(v), nl, nl+deco)
	text = strings.ReplaceAll(text, deco+nl, strings.TrimRight(deco, " \t\n")+nl)
	out.WriteString(text)
	pcount, _ := p["postfix_count"].(int)
	for i := 0; i < pcount; i++ {
		out.WriteString(nl + str(p["postfix"]))
	}
	if end := str(p["end"]); end != "" {
		out.WriteString(nl + end)
	}
	return out.String(), nil
}

func fFilesize(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("filesizeformat", "binary")
	if err != nil {
		return nil, err
	}
	f, ok := asFloat(v)
	if !ok {
		if sv, isS := v.(string); isS {
			f, ok = pyFloat(sv)
		}
		if !ok {
			return nil, runtimeErrorf("filesizeformat needs a number")
		}
	}
	bin, _ := b[0].(bool)
	base := 1000.0
	pre := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if bin {
		base = 1024
		pre = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	if f == 1 {
		return "1 Byte", nil
	}
	if f < base {
		return strconv.Itoa(int(f)) + " Bytes", nil
	}
	unit := base
	for i, p := range pre {
		unit = math.Pow(base, float64(i+2))
		if f < unit {
			return strconv.FormatFloat(base*f/unit, 'f', 1, 64) + " " + p, nil
		}
	}
	return strconv.FormatFloat(base*f/unit, 'f', 1, 64) + " " + pre[len(pre)-1], nil
}

func fPprint(s *state, v any, a *argList) (any, error) { return repr(v), nil }

func fMath(op string) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		x, ok := asFloat(v)
		if !ok {
			return nil, runtimeErrorf("%s() can only be used on numbers", op)
		}
		switch op {
		case "log":
			if len(a.pos) == 0 {
				return math.Log(x), nil
			}
			base, ok := asFloat(a.pos[0])
			if !ok {
				return nil, runtimeErrorf("log() can only be used on numbers")
			}
			if base == 10 {
				return math.Log10(x), nil
			}
			return math.Log(x) / math.Log(base), nil
		case "pow":
			if len(a.pos) == 0 {
				return nil, typeErrorf("pow() missing exponent")
			}
			y, ok := asFloat(a.pos[0])
			if !ok {
				return nil, runtimeErrorf("pow() can only be used on numbers")
			}
			return math.Pow(x, y), nil
		}
		base := 2.0
		if len(a.pos) > 0 {
			base, _ = asFloat(a.pos[0])
		}
		if base == 2 {
			return math.Sqrt(x), nil
		}
		return math.Pow(x, 1/base), nil
	}
}

func fCombinatorial(op string) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		out := []any{}
		switch op {
		case "product":
			pools := [][]any{items}
			for _, p := range a.pos {
				it, err := iterate(norm(p))
				if err != nil {
					return nil, err
				}
				pools = append(pools, it)
			}
			res := [][]any{{}}
			for _, pool := range pools {
				var next [][]any
				for _, r := range res {
					for _, x := range pool {
						next = append(next, append(append([]any{}, r...), x))
					}
				}
				res = next
			}
			for _, r := range res {
				out = append(out, Tuple(r))
			}
		case "permutations", "combinations":
			r := len(items)
			if len(a.pos) > 0 {
				r, _ = a.pos[0].(int)
			}
			var rec func(prefix []int, used []bool)
			rec = func(prefix []int, used []bool) {
				if len(prefix) == r {
					t := make(Tuple, r)
					for i, j := range prefix {
						t[i] = items[j]
					}
					out = append(out, t)
					return
				}
				start := 0
				if op == "combinations" && len(prefix) > 0 {
					start = prefix[len(prefix)-1] + 1
				}
				for j := start; j < len(items); j++ {
					if used[j] {
						continue
					}
					used[j] = true
					rec(append(prefix, j), used)
					used[j] = false
				}
			}
			if r <= len(items) {
				rec(nil, make([]bool, len(items)))
			}
		}
		return out, nil
	}
}
