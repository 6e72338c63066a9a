package pyfmt

import (
	"fmt"
	"reflect"
	"strconv"
)

// YAMLer is a value that represents itself in YAML.
type YAMLer interface{ PyYAML() *YAMLNode }

// YAML renders plain values as PyYAML's yaml.dump(v,
// default_flow_style=False, allow_unicode=True) does (what ansible-inventory
// --yaml prints): block style, keys sorted, sequences in mappings not
// indented, strings plain when they read back as the same string, else
// quoted, long lines folded at 80 columns, a collection met again written as
// an alias of its first appearance (&id001, *id001). A scalar document ends
// with "...".
func YAML(v any) string { return YAMLWith(v, YAMLOptions{}) }

// YAMLWith is YAML with the emitter's options (yaml.dump's indent, width).
func YAMLWith(v any, o YAMLOptions) string {
	r := &yamlRepresenter{anchors: map[identity]string{}, emitted: map[identity]bool{}}
	r.findAliases(v, map[identity]bool{})
	n := r.represent(v)
	out := EmitYAML(n, o)
	if n.Kind == ScalarNode {
		out += "...\n"
	}
	return out
}

type yamlRepresenter struct {
	anchors map[identity]string // collections met more than once
	emitted map[identity]bool
	serial  int
}

// identity tells collections apart as Python's id() does: the same map, or
// the same backing array and length, is the same object.
type identity struct {
	ptr  uintptr
	size int
	kind byte
}

func identityOf(v any) (identity, bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) > 0 {
			return identity{reflect.ValueOf(t).Pointer(), len(t), 'm'}, true
		}
	case []any:
		if len(t) > 0 {
			return identity{reflect.ValueOf(t).Pointer(), len(t), 's'}, true
		}
	}
	return identity{}, false
}

// findAliases walks v in output order and names each collection met a
// second time id001, id002, ... in the order of those second meetings, as
// PyYAML's serializer does.
func (r *yamlRepresenter) findAliases(v any, seen map[identity]bool) {
	if id, ok := identityOf(v); ok {
		if seen[id] {
			if r.anchors[id] == "" {
				r.serial++
				r.anchors[id] = fmt.Sprintf("id%03d", r.serial)
			}
			return
		}
		seen[id] = true
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range SortedKeys(t) {
			r.findAliases(t[k], seen)
		}
	case []any:
		for _, item := range t {
			r.findAliases(item, seen)
		}
	}
}

func (r *yamlRepresenter) represent(v any) *YAMLNode {
	var anchor string
	if id, ok := identityOf(v); ok && r.anchors[id] != "" {
		anchor = r.anchors[id]
		if r.emitted[id] {
			return &YAMLNode{Alias: true, Anchor: anchor}
		}
		r.emitted[id] = true
	}
	switch t := v.(type) {
	case map[string]any:
		n := &YAMLNode{Kind: MappingNode, Anchor: anchor}
		for _, k := range SortedKeys(t) {
			n.Keys = append(n.Keys, YAMLStr(k))
			n.Values = append(n.Values, r.represent(t[k]))
		}
		return n
	case []any:
		n := &YAMLNode{Kind: SequenceNode, Anchor: anchor, Items: make([]*YAMLNode, len(t))}
		for i, item := range t {
			n.Items[i] = r.represent(item)
		}
		return n
	case []string:
		n := &YAMLNode{Kind: SequenceNode, Items: make([]*YAMLNode, len(t))}
		for i, s := range t {
			n.Items[i] = YAMLStr(s)
		}
		return n
	}
	return yamlScalarOf(v)
}

func yamlScalarOf(v any) *YAMLNode {
	switch t := v.(type) {
	case nil:
		return YAMLScalar("null", true)
	case bool:
		return YAMLScalar(strconv.FormatBool(t), true)
	case int:
		return YAMLScalar(strconv.Itoa(t), true)
	case int64:
		return YAMLScalar(strconv.FormatInt(t, 10), true)
	case uint64:
		return YAMLScalar(strconv.FormatUint(t, 10), true)
	case float64:
		return YAMLScalar(YAMLFloat(t), true)
	case string:
		return YAMLStr(t)
	case YAMLer:
		return t.PyYAML()
	}
	return YAMLStr(Str(v))
}
