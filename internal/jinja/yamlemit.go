package jinja

import (
	"sort"

	"github.com/drover/drover/internal/pyfmt"
)

// This file ports PyYAML's representer (SafeDumper, as Ansible's to_yaml
// and to_nice_yaml use it) for engine values; internal/pyfmt emits the
// text.

type yamlDumpOpts struct {
	indent    int
	width     int
	flowStyle *bool // nil: flow for collections of scalars only
	sortKeys  bool
	explicit  bool
}

// yamlDump is yaml.dump of an engine value.
func yamlDump(v any, o *yamlDumpOpts) (string, error) {
	n, err := yamlRepresent(v, o)
	if err != nil {
		return "", err
	}
	return pyfmt.EmitYAML(n, pyfmt.YAMLOptions{Indent: o.indent, Width: o.width, ExplicitStart: o.explicit}), nil
}

func yamlRepresent(v any, o *yamlDumpOpts) (*pyfmt.YAMLNode, error) {
	switch x := norm(v).(type) {
	case nil:
		return pyfmt.YAMLScalar("null", true), nil
	case bool:
		if x {
			return pyfmt.YAMLScalar("true", true), nil
		}
		return pyfmt.YAMLScalar("false", true), nil
	case int:
		return pyfmt.YAMLScalar(str(x), true), nil
	case float64:
		return pyfmt.YAMLScalar(pyfmt.YAMLFloat(x), true), nil
	case string:
		return pyfmt.YAMLStr(x), nil
	case []any, Tuple:
		items, _ := listOf(x)
		n := &pyfmt.YAMLNode{Kind: pyfmt.SequenceNode, Items: make([]*pyfmt.YAMLNode, 0, len(items))}
		best := true
		for _, it := range items {
			c, err := yamlRepresent(it, o)
			if err != nil {
				return nil, err
			}
			best = best && c.Kind == pyfmt.ScalarNode
			n.Items = append(n.Items, c)
		}
		n.Flow = flowStyle(o, best)
		return n, nil
	case *Dict, map[string]any, Mapping:
		keys := append([]any{}, mapKeys(x)...)
		if o.sortKeys {
			sorted := true
			sort.SliceStable(keys, func(i, j int) bool {
				c, err := compare(keys[i], keys[j])
				if err != nil {
					sorted = false
				}
				return c < 0
			})
			if !sorted {
				keys = append([]any{}, mapKeys(x)...)
			}
		}
		n := &pyfmt.YAMLNode{Kind: pyfmt.MappingNode}
		best := true
		for _, k := range keys {
			val, _ := mapGet(x, k)
			kn, err := yamlRepresent(k, o)
			if err != nil {
				return nil, err
			}
			vn, err := yamlRepresent(val, o)
			if err != nil {
				return nil, err
			}
			best = best && kn.Kind == pyfmt.ScalarNode && vn.Kind == pyfmt.ScalarNode
			n.Keys = append(n.Keys, kn)
			n.Values = append(n.Values, vn)
		}
		n.Flow = flowStyle(o, best)
		return n, nil
	case *Undefined:
		return nil, x.err()
	case dateTime:
		return pyfmt.YAMLScalar(x.String(), true), nil
	}
	return nil, runtimeErrorf("cannot represent an object: %s", typeName(v))
}

func flowStyle(o *yamlDumpOpts, best bool) bool {
	if o.flowStyle != nil {
		return *o.flowStyle
	}
	return best
}
