package jinja

import (
	"math"
	"reflect"
	"sort"
	"strings"
)

// Value model. Templates see Python-like values represented by these Go
// types:
//
//	nil                       None
//	bool                      True/False
//	int                       int (other Go integer kinds are widened)
//	float64                   float (float32 is widened)
//	string                    str
//	[]any                     list (other Go slice kinds are converted on access)
//	Tuple                     tuple
//	*Dict                     dict with insertion order
//	map[string]any, map[any]any  dict; iterated in sorted key order because Go maps have none
//	Mapping                   a read-only lazy mapping supplied by the caller (e.g. hostvars)
//
// Values built by the engine (dict literals, from_json, combine, …) are
// *Dict, so their key order is the one Python would show.

// Tuple is a Python tuple: it renders as (a, b) and compares like a list.
type Tuple []any

// Mapping is a read-only mapping computed on demand by the caller, such as
// hostvars. Values it returns are used as they are: the engine does not
// template them (the implementation templates them with the right vars).
type Mapping interface {
	Get(key string) (any, bool)
	Keys() []string
}

// Unsafe marks a variable value that must never be templated again (module
// results, facts, …), like Ansible's !unsafe. The engine unwraps it.
type Unsafe struct{ V any }

// Dict is an insertion-ordered dictionary, the engine's dict type. Reads
// never modify it, so a Dict may be shared by concurrent renders once
// built; Set and Delete need exclusive access.
type Dict struct {
	keys []any
	vals []any
	idx  map[any]int
}

// NewDict returns an empty dict with room for n keys.
func NewDict(n int) *Dict {
	return &Dict{keys: make([]any, 0, n), vals: make([]any, 0, n)}
}

// Len is the number of keys.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.keys)
}

// Keys returns the keys in insertion order. The slice must not be modified.
func (d *Dict) Keys() []any {
	if d == nil {
		return nil
	}
	return d.keys
}

// Values returns the values in key order. The slice must not be modified.
func (d *Dict) Values() []any {
	if d == nil {
		return nil
	}
	return d.vals
}

func hashKey(k any) any {
	switch x := k.(type) {
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int(x)
		}
	case Tuple:
		return repr(x)
	}
	return k
}

func (d *Dict) find(k any) int {
	if d == nil {
		return -1
	}
	k = hashKey(k)
	if d.idx == nil {
		for i, kk := range d.keys {
			if hashKey(kk) == k {
				return i
			}
		}
		return -1
	}
	if i, ok := d.idx[k]; ok {
		return i
	}
	return -1
}

func (d *Dict) buildIndex() {
	d.idx = make(map[any]int, len(d.keys))
	for i, k := range d.keys {
		d.idx[hashKey(k)] = i
	}
}

// findStr is find for a string key, without boxing it.
func (d *Dict) findStr(k string) int {
	if d == nil {
		return -1
	}
	if d.idx != nil {
		if i, ok := d.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, kk := range d.keys {
		if s, ok := kk.(string); ok && s == k {
			return i
		}
	}
	return -1
}

// Get returns the value stored under k.
func (d *Dict) Get(k any) (any, bool) {
	i := d.find(k)
	if i < 0 {
		return nil, false
	}
	return d.vals[i], true
}

// Set stores v under k, keeping the position of an existing key.
func (d *Dict) Set(k, v any) {
	if i := d.find(k); i >= 0 {
		d.vals[i] = v
		return
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	switch {
	case d.idx != nil:
		d.idx[hashKey(k)] = len(d.keys) - 1
	case len(d.keys) > 8:
		d.buildIndex()
	}
}

// Delete removes k and returns whether it was there.
func (d *Dict) Delete(k any) bool {
	i := d.find(k)
	if i < 0 {
		return false
	}
	d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
	d.vals = append(d.vals[:i:i], d.vals[i+1:]...)
	d.idx = nil
	if len(d.keys) > 8 {
		d.buildIndex()
	}
	return true
}

// Copy returns a shallow copy.
func (d *Dict) Copy() *Dict {
	n := &Dict{keys: make([]any, len(d.keys)), vals: make([]any, len(d.vals))}
	copy(n.keys, d.keys)
	copy(n.vals, d.vals)
	if len(n.keys) > 8 {
		n.buildIndex()
	}
	return n
}

// ToPlain converts engine values to plain Go values: *Dict becomes
// map[string]any (keys stringified as Python's str would), Tuple becomes
// []any, recursively.
func ToPlain(v any) any {
	if u, ok := v.(Unsafe); ok {
		return ToPlain(u.V)
	}
	switch x := v.(type) {
	case *Dict:
		m := make(map[string]any, x.Len())
		for i, k := range x.keys {
			ks, ok := ToPlain(k).(string)
			if !ok {
				ks = str(ToPlain(k))
			}
			m[ks] = ToPlain(x.vals[i])
		}
		return m
	case Tuple:
		return ToPlain([]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToPlain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ToPlain(e)
		}
		return out
	}
	switch n := norm(v).(type) {
	case *Dict, []any, Tuple, map[string]any:
		return ToPlain(n)
	case Mapping:
		return ToPlain(toDict(n))
	case *Namespace:
		return ToPlain(n.d)
	default:
		return n
	}
}

// norm widens scalar kinds and converts foreign slices and maps to the
// engine's types. It is cheap for the common types.
func norm(v any) any {
	switch x := v.(type) {
	case nil, bool, int, float64, string, []any, Tuple, *Dict, map[string]any, *Undefined, Mapping, *Namespace, *callable, *loopObj, dateTime, timeDelta, Vaulted:
		return v
	case Unsafe:
		return norm(x.V)
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int8:
		return int(x)
	case uint:
		return int(x)
	case uint64:
		return int(x)
	case uint32:
		return int(x)
	case uint16:
		return int(x)
	case uint8:
		return int(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[any]any:
		return sortedDict(reflect.ValueOf(x))
	}
	return normReflect(v)
}

func normReflect(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = norm(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		return sortedDict(rv)
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return norm(rv.Elem().Interface())
	}
	return v
}

// sortedDict converts a Go map into a *Dict with keys in sorted order.
func sortedDict(rv reflect.Value) *Dict {
	keys := rv.MapKeys()
	d := NewDict(len(keys))
	ks := make([]any, len(keys))
	for i, k := range keys {
		ks[i] = norm(k.Interface())
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sortKeyLess(ks[order[a]], ks[order[b]]) })
	for _, i := range order {
		d.Set(ks[i], norm(rv.MapIndex(keys[i]).Interface()))
	}
	return d
}

// sortKeyLess orders keys of a Go map: Python-comparable values by value,
// mixed kinds by their repr.
func sortKeyLess(a, b any) bool {
	if c, err := compare(a, b); err == nil {
		return c < 0
	}
	return repr(a) < repr(b)
}

// sortedStringKeys returns the keys of a map[string]any in sorted order.
func sortedStringKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isMapping reports whether v is a dict-like value.
func isMapping(v any) bool {
	switch v.(type) {
	case *Dict, map[string]any, Mapping, *Namespace:
		return true
	}
	return false
}

// isSequence reports whether v is a list or tuple (not a string).
func isSequence(v any) bool {
	switch v.(type) {
	case []any, Tuple:
		return true
	}
	return false
}

// mapKeys lists the keys of a mapping in iteration order.
func mapKeys(v any) []any {
	switch m := v.(type) {
	case *Dict:
		return m.keys
	case map[string]any:
		ks := sortedStringKeys(m)
		out := make([]any, len(ks))
		for i, k := range ks {
			out[i] = k
		}
		return out
	case Mapping:
		ks := m.Keys()
		out := make([]any, len(ks))
		for i, k := range ks {
			out[i] = k
		}
		return out
	case *Namespace:
		return mapKeys(m.d)
	}
	return nil
}

// mapGet looks a key up in a mapping.
func mapGet(v any, k any) (any, bool) {
	switch m := v.(type) {
	case *Dict:
		r, ok := m.Get(k)
		return norm(r), ok
	case map[string]any:
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		r, ok := m[ks]
		return norm(r), ok
	case Mapping:
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		r, ok := m.Get(ks)
		return norm(r), ok
	case *Namespace:
		return mapGet(m.d, k)
	}
	return nil, false
}

// toDict returns a mapping as a *Dict (a copy for foreign maps; the same
// pointer for a *Dict).
func toDict(v any) *Dict {
	if d, ok := v.(*Dict); ok {
		return d
	}
	keys := mapKeys(v)
	d := NewDict(len(keys))
	for _, k := range keys {
		val, _ := mapGet(v, k)
		d.Set(k, val)
	}
	return d
}

// listOf returns the elements of a list or tuple.
func listOf(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case Tuple:
		return x, true
	}
	return nil, false
}

// Namespace is the object namespace() returns: attributes can be assigned
// with {% set ns.attr = value %}.
type Namespace struct{ d *Dict }

// iterate returns the items a for loop or a filter walks over.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case Tuple:
		return x, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *Dict, map[string]any, Mapping:
		return mapKeys(x), nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, typeErrorf("'%s' object is not iterable", typeName(v))
}

// typeName is Python's type(v).__name__.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict, map[string]any:
		return "dict"
	case Mapping:
		return "HostVars"
	case *Undefined:
		return "AnsibleUndefined"
	case *Namespace:
		return "Namespace"
	case *callable:
		return "builtin_function_or_method"
	case *loopObj:
		return "LoopContext"
	case missingT:
		return "missing"
	case dateTime:
		return "datetime"
	case Vaulted:
		return "AnsibleVaultEncryptedUnicode"
	case timeDelta:
		return "timedelta"
	}
	return strings.TrimPrefix(reflect.TypeOf(v).String(), "*")
}

// objectTypeRepr is Jinja's object_type_repr used in undefined messages.
func objectTypeRepr(v any) string {
	if v == nil {
		return "None"
	}
	return typeName(v) + " object"
}
