package playbooks

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// The lookup plugins that reshape lists: items, list, dict, indexed_items,
// together, nested, cartesian, flattened, subelements, sequence and
// random_choice.

// lookupItems is the items plugin: the terms flattened one level.
func lookupItems(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	return flatten1(terms), nil
}

// lookupList is the list plugin: the terms as they are.
func lookupList(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	return terms, nil
}

// lookupDict is the dict plugin: each dict's items as {key, value}.
func lookupDict(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	var out []any
	for _, term := range terms {
		if !isMap(term) {
			return nil, unhandledErrorf("with_dict expects a dict")
		}
		for _, k := range mapKeysOf(term) {
			v, _ := mapValue(term, k)
			out = append(out, map[string]any{"key": k, "value": v})
		}
	}
	return out, nil
}

// lookupIndexedItems is the indexed_items plugin: [index, item] of the
// terms flattened one level.
func lookupIndexedItems(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	items := flatten1(terms)
	out := make([]any, len(items))
	for i, x := range items {
		out[i] = jinja.Tuple{i, x}
	}
	return out, nil
}

// listifiedTerms are the terms of together, nested and cartesian, each
// made a list of items (a string is one item; a dict gives its keys).
func listifiedTerms(terms []any) ([][]any, error) {
	out := make([][]any, len(terms))
	for i, t := range terms {
		l, err := pyIter(listifyTerm(t))
		if err != nil {
			return nil, unhandledErrorf("%v", err)
		}
		out[i] = l
	}
	return out, nil
}

// lookupTogether is the together plugin: the lists transposed, short ones
// padded with None.
func lookupTogether(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	lists, err := listifiedTerms(terms)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, unhandledErrorf("with_together requires at least one element in each list")
	}
	n := 0
	for _, l := range lists {
		n = max(n, len(l))
	}
	out := make([]any, n)
	for i := range n {
		row := make([]any, len(lists))
		for j, l := range lists {
			if i < len(l) {
				row[j] = l[i]
			}
		}
		out[i] = flatten1(row)
	}
	return out, nil
}

// lookupNested is the nested plugin: every combination of one item of
// each list, as LookupBase._combine builds it.
func lookupNested(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	lists, err := listifiedTerms(terms)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, unhandledErrorf("with_nested requires at least one element in the nested list")
	}
	result := lists[0]
	for _, next := range lists[1:] {
		var combined []any
		for _, x := range result {
			for _, y := range next {
				combined = append(combined, flatten1([]any{x, y}))
			}
		}
		result = combined
	}
	out := make([]any, 0, len(result))
	for _, x := range result {
		row, err := flattenIter(x)
		if err != nil {
			return nil, unhandledErrorf("%v", err)
		}
		out = append(out, row)
	}
	return out, nil
}

// lookupCartesian is community.general's cartesian plugin: the product of
// the lists, each row flattened one level.
func lookupCartesian(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	lists, err := listifiedTerms(terms)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, unhandledErrorf("with_cartesian requires at least one element in each list")
	}
	rows := [][]any{{}}
	for _, l := range lists {
		var next [][]any
		for _, prefix := range rows {
			for _, x := range l {
				next = append(next, append(append([]any{}, prefix...), x))
			}
		}
		rows = next
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = flatten1(r)
	}
	return out, nil
}

// lookupFlattened is community.general's flattened plugin: lists
// flattened all the way down; a "None" or "null" item ends the list.
func lookupFlattened(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	return flattenDeep(terms), nil
}

// flattenDeep is the flattened plugin's _do_flatten.
func flattenDeep(terms []any) []any {
	var out []any
	for _, term := range terms {
		term = oneListItem(term)
		if s, ok := unwrap(term).(string); ok && (s == "None" || s == "null") {
			break
		}
		if l, ok := unwrap(term).([]any); ok {
			out = append(out, flattenDeep(l)...)
			continue
		}
		out = append(out, term)
	}
	return out
}

// oneListItem is _check_list_of_one_list: the item of a list of one
// (recursively).
func oneListItem(term any) any {
	l, ok := unwrap(term).([]any)
	if !ok || len(l) != 1 {
		return term
	}
	if _, isList := unwrap(l[0]).([]any); isList {
		return oneListItem(l[0])
	}
	return l[0]
}

// lookupSubelements is the subelements plugin: [element, subelement]
// for every subelement under the key path of every element.
func lookupSubelements(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	bad := func(msg string) error {
		return unhandledErrorf("subelements lookup expects a list of two or three items, %s", msg)
	}
	if len(terms) < 2 || len(terms) > 3 {
		return nil, bad("")
	}
	first := listifyTerm(terms[0])
	key, ok := termString(terms[1])
	_, isList := seqOf(first)
	if !ok || (!isList && !isMap(first)) {
		return nil, bad("first a dict or a list, second a string pointing to the subkey")
	}
	skipMissing := false
	if len(terms) == 3 {
		if !isMap(terms[2]) {
			return nil, bad("the optional third item must be a dict with flags ('skip_missing',)")
		}
		if v, ok := mapValue(terms[2], "skip_missing"); ok {
			skipMissing, _ = tasks.ToBool(jinja.ToPlain(v))
		}
	}
	elements, _ := seqOf(first)
	if isMap(first) {
		if v, ok := mapValue(first, "skipped"); ok && v != false {
			return []any{}, nil
		}
		for _, k := range mapKeysOf(first) {
			v, _ := mapValue(first, k)
			elements = append(elements, v)
		}
	}
	var out []any
	for _, el := range elements {
		rows, err := subelementRows(el, strings.Split(key, "."), skipMissing)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// subelementRows are the rows of one element: the element without its
// subelement list (the plugin pops it), and each subelement.
func subelementRows(el any, path []string, skipMissing bool) ([]any, error) {
	m, ok := jinja.ToPlain(el).(map[string]any)
	if !ok {
		return nil, unhandledErrorf("subelements lookup expects a dictionary, got '%s'", pyStr(el))
	}
	if v, ok := m["skipped"]; ok && v != false {
		return nil, nil
	}
	var sub []any
	cur := m
	for i, k := range path {
		v, ok := cur[k]
		if !ok {
			if skipMissing {
				continue
			}
			return nil, unhandledErrorf("could not find '%s' key in iterated item '%s'", k, pyStr(cur))
		}
		if i < len(path)-1 {
			next, isMap := v.(map[string]any)
			if !isMap {
				if skipMissing {
					continue
				}
				return nil, unhandledErrorf("the key %s should point to a dictionary, got '%s'", k, pyStr(v))
			}
			copied := make(map[string]any, len(next))
			for kk, vv := range next {
				copied[kk] = vv
			}
			cur[k] = copied
			cur = copied
			continue
		}
		l, isList := v.([]any)
		if !isList {
			return nil, unhandledErrorf("the key %s should point to a list, got '%s'", k, pyStr(v))
		}
		sub = l
		delete(cur, k)
	}
	out := make([]any, len(sub))
	for i, s := range sub {
		out[i] = jinja.Tuple{m, s}
	}
	return out, nil
}

// lookupRandomChoice is the random_choice plugin: one of the terms.
func lookupRandomChoice(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	if len(terms) == 0 {
		return terms, nil
	}
	return []any{terms[rand.IntN(len(terms))]}, nil
}

// sequenceShortcut is [start-]end[/stride][:format].
var sequenceShortcut = regexp.MustCompile(`(?is)^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(/(0?x?[0-9a-f]+))?(:(.+))?$`)

// sequenceSpec is one term of the sequence plugin.
type sequenceSpec struct {
	start, end, stride int
	count              *int
	hasEnd             bool
	format             string
}

// lookupSequence is the sequence plugin: numbers from start to end (or
// count of them) by stride, each formatted printf-style.
func lookupSequence(_ *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	var out []any
	for _, term := range terms {
		sp, err := parseSequence(pyStr(term))
		if err != nil {
			return nil, err
		}
		if err := sp.check(); err != nil {
			return nil, err
		}
		if sp.stride == 0 {
			continue
		}
		adjust := 1
		if sp.stride < 0 {
			adjust = -1
		}
		for i := sp.start; (sp.stride > 0 && i < sp.end+adjust) || (sp.stride < 0 && i > sp.end+adjust); i += sp.stride {
			s, err := pyFormatInt(sp.format, i)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// parseSequence reads a sequence term: the shortcut form, or key=value
// arguments.
func parseSequence(term string) (*sequenceSpec, error) {
	sp := &sequenceSpec{start: 1, stride: 1, format: "%d"}
	if m := sequenceShortcut.FindStringSubmatch(term); m != nil {
		for _, f := range []struct {
			name, raw string
			dst       *int
		}{{"start", m[2], &sp.start}, {"end", m[3], &sp.end}, {"stride", m[5], &sp.stride}} {
			if f.raw == "" {
				continue
			}
			n, err := pyIntBase0(f.raw)
			if err != nil {
				return nil, unhandledErrorf("can't parse %s=%s as integer", f.name, f.raw)
			}
			*f.dst = n
		}
		sp.hasEnd = true
		if m[6] != "" {
			sp.format = m[7]
		}
		return sp, nil
	}
	kv, err := tasks.ParseKV(term, false)
	if err != nil {
		return nil, unhandledErrorf("unknown error parsing with_sequence arguments: %s. Error was: %v", pyRepr(term), err)
	}
	for _, k := range []string{"start", "end", "count", "stride"} {
		raw, ok := kv[k]
		if !ok || raw == nil {
			continue
		}
		delete(kv, k)
		n, err := pyIntBase0(pyStr(raw))
		if err != nil {
			return nil, unhandledErrorf("can't parse %s=%s as integer", k, pyStr(raw))
		}
		switch k {
		case "start":
			sp.start = n
		case "end":
			sp.end, sp.hasEnd = n, true
		case "count":
			sp.count = &n
		case "stride":
			sp.stride = n
		}
	}
	if f, ok := kv["format"]; ok {
		sp.format = pyStr(f)
		delete(kv, "format")
	}
	if len(kv) > 0 {
		keys := make([]any, 0, len(kv))
		for k := range kv {
			keys = append(keys, k)
		}
		return nil, unhandledErrorf("unrecognized arguments to with_sequence: %s", pyRepr(keys))
	}
	return sp, nil
}

// check is the plugin's sanity_check (count turned into end).
func (sp *sequenceSpec) check() error {
	switch {
	case sp.count == nil && !sp.hasEnd:
		return unhandledErrorf("must specify count or end in with_sequence")
	case sp.count != nil && sp.hasEnd:
		return unhandledErrorf("can't specify both count and end in with_sequence")
	case sp.count != nil && *sp.count != 0:
		sp.end = sp.start + *sp.count*sp.stride - 1
	case sp.count != nil:
		sp.start, sp.end, sp.stride = 0, 0, 0
	}
	if sp.stride > 0 && sp.end < sp.start {
		return unhandledErrorf("to count backwards make stride negative")
	}
	if sp.stride < 0 && sp.end > sp.start {
		return unhandledErrorf("to count forward don't make stride negative")
	}
	if strings.Count(sp.format, "%") != 1 {
		return unhandledErrorf("bad formatting string: %s", sp.format)
	}
	return nil
}

// pyIntBase0 is int(s, 0): decimal without leading zeros, or 0x, 0o, 0b
// prefixed; underscores between digits allowed.
func pyIntBase0(s string) (int, error) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	base := 10
	if len(t) > 1 && t[0] == '0' {
		switch t[1] {
		case 'x', 'X':
			base, t = 16, t[2:]
		case 'o', 'O':
			base, t = 8, t[2:]
		case 'b', 'B':
			base, t = 2, t[2:]
		default:
			if strings.Trim(t, "0_") != "" {
				return 0, strconv.ErrSyntax
			}
		}
	}
	if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), base, 64)
	if neg {
		n = -n
	}
	return int(n), err
}

// pyIntDirective is the one printf directive of a sequence format.
var pyIntDirective = regexp.MustCompile(`%([-+ #0]*)(\d*)(\.\d+)?([diouxXeEfFgGcrsa])`)

// pyFormatInt is format % i for a format holding one directive.
func pyFormatInt(format string, i int) (string, error) {
	m := pyIntDirective.FindStringSubmatchIndex(format)
	if m == nil {
		return "", unhandledErrorf("problem formatting %d with %s", i, pyRepr(format))
	}
	flags, width, prec := format[m[2]:m[3]], format[m[4]:m[5]], ""
	if m[6] >= 0 {
		prec = format[m[6]:m[7]]
	}
	verb := format[m[8]:m[9]]
	var arg any = i
	switch verb {
	case "i", "u":
		verb = "d"
	case "s", "r", "a":
		verb, arg = "s", strconv.Itoa(i)
	case "e", "E", "f", "F", "g", "G":
		arg = float64(i)
	case "o":
		if strings.Contains(flags, "#") {
			flags = strings.ReplaceAll(flags, "#", "")
			verb = "O"
		}
	}
	s := fmt.Sprintf("%"+flags+width+prec+verb, arg)
	return format[:m[0]] + s + format[m[1]:], nil
}
