package playbooks

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// Python's view of template values, as lookup plugins see their terms.

// unwrap removes the Unsafe mark.
func unwrap(v any) any {
	for {
		u, ok := v.(jinja.Unsafe)
		if !ok {
			return v
		}
		v = u.V
	}
}

// seqOf returns the elements of a list or tuple.
func seqOf(v any) ([]any, bool) {
	switch x := unwrap(v).(type) {
	case []any:
		return x, true
	case jinja.Tuple:
		return x, true
	case []string:
		return stringsToAny(x), true
	}
	return nil, false
}

// isMap reports whether v is a dict (or a lazy mapping such as hostvars).
func isMap(v any) bool {
	switch unwrap(v).(type) {
	case *jinja.Dict, map[string]any, jinja.Mapping:
		return true
	}
	return false
}

// mapKeysOf lists a dict's keys in Python's iteration order (a Go map, which
// has none, in sorted order).
func mapKeysOf(v any) []any {
	switch m := unwrap(v).(type) {
	case *jinja.Dict:
		return m.Keys()
	case map[string]any:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return stringsToAny(keys)
	case jinja.Mapping:
		return stringsToAny(m.Keys())
	}
	return nil
}

// mapValue returns d[k].
func mapValue(v any, k any) (any, bool) {
	switch m := unwrap(v).(type) {
	case *jinja.Dict:
		return m.Get(k)
	case map[string]any:
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		x, ok := m[ks]
		return x, ok
	case jinja.Mapping:
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		return m.Get(ks)
	}
	return nil, false
}

// pyIter is Python's iter(v): a list's elements, a string's characters, a
// dict's keys; other values are not iterable.
func pyIter(v any) ([]any, error) {
	v = unwrap(v)
	if l, ok := seqOf(v); ok {
		return l, nil
	}
	if isMap(v) {
		return mapKeysOf(v), nil
	}
	if s, ok := v.(string); ok {
		out := make([]any, 0, len(s))
		for _, r := range s {
			out = append(out, string(r))
		}
		return out, nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(v))
}

// pyTypeName is type(v).__name__.
func pyTypeName(v any) string {
	switch x := unwrap(v).(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64, uint64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case jinja.Tuple:
		return "tuple"
	default:
		if _, ok := seqOf(x); ok {
			return "list"
		}
		if isMap(x) {
			return "dict"
		}
	}
	return fmt.Sprintf("%T", v)
}

// flatten1 is LookupBase._flatten: lists and tuples among terms are
// spread one level.
func flatten1(terms []any) []any {
	out := make([]any, 0, len(terms))
	for _, t := range terms {
		if l, ok := seqOf(t); ok {
			out = append(out, l...)
			continue
		}
		out = append(out, t)
	}
	return out
}

// flattenIter is LookupBase._flatten over any iterable (a string gives its
// characters).
func flattenIter(v any) ([]any, error) {
	items, err := pyIter(v)
	if err != nil {
		return nil, err
	}
	return flatten1(items), nil
}

// listifyTerm is listify_lookup_plugin_terms of one already templated
// term: a string or a scalar becomes a list of itself; lists and dicts
// stay as they are.
func listifyTerm(v any) any {
	v = unwrap(v)
	if _, ok := seqOf(v); ok {
		return v
	}
	if isMap(v) {
		return v
	}
	return []any{v}
}

// pyStr is Python's str(v).
func pyStr(v any) string {
	s, _ := tasks.ToStr(jinja.ToPlain(unwrap(v)))
	return s
}

// termString returns a term that must be a string.
func termString(v any) (string, bool) {
	s, ok := unwrap(v).(string)
	return s, ok
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string { return tasks.PyRepr(jinja.ToPlain(unwrap(v))) }

// isPySpace is Python's str.isspace for one rune.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyLstrip and pyRstrip are str.lstrip() and str.rstrip().
func pyLstrip(s string) string { return strings.TrimLeftFunc(s, isPySpace) }
func pyRstrip(s string) string { return strings.TrimRightFunc(s, isPySpace) }
