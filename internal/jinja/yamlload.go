package jinja

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/yamlx"
)

// FromYAML converts a parsed YAML node into engine values with PyYAML's
// YAML 1.1 typing (as Ansible loads YAML): yes/no/on/off are booleans,
// 0755 is octal, mapping order is kept (*Dict). Plain scalars are resolved
// here rather than by yaml.v3, which follows YAML 1.2.
func FromYAML(n *yaml.Node) (any, error) {
	return fromYAMLNode(n, 0)
}

func fromYAMLNode(n *yaml.Node, depth int) (any, error) {
	if depth > 10000 {
		return nil, runtimeErrorf("YAML nesting too deep")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromYAMLNode(n.Content[0], depth+1)
	case yaml.AliasNode:
		return fromYAMLNode(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromYAMLNode(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		d := NewDict(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style == 0 {
				if err := mergeYAML(d, vn, depth); err != nil {
					return nil, err
				}
				continue
			}
			k, err := fromYAMLNode(kn, depth+1)
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case []any, *Dict:
				return nil, runtimeErrorf("found unhashable key at line %d", kn.Line)
			}
			v, err := fromYAMLNode(vn, depth+1)
			if err != nil {
				return nil, err
			}
			d.Set(k, v)
		}
		return d, nil
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	}
	return nil, nil
}

func mergeYAML(d *Dict, vn *yaml.Node, depth int) error {
	v, err := fromYAMLNode(vn, depth+1)
	if err != nil {
		return err
	}
	var srcs []any
	if l, ok := v.([]any); ok {
		srcs = l
	} else {
		srcs = []any{v}
	}
	for _, s := range srcs {
		m, ok := s.(*Dict)
		if !ok {
			return runtimeErrorf("expected a mapping for merging at line %d", vn.Line)
		}
		for i, k := range m.keys {
			if _, exists := d.Get(k); !exists {
				d.Set(k, m.vals[i])
			}
		}
	}
	return nil
}

// yamlScalar resolves a scalar's value with YAML 1.1 rules; quoted and
// block scalars are strings, explicit tags are honoured, custom tags
// (!unsafe, !vault) keep the text.
func yamlScalar(n *yaml.Node) any {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	kind := pyfmt.YAMLResolve(n.Value)
	if n.Style&yaml.TaggedStyle != 0 {
		kind = strings.TrimPrefix(n.ShortTag(), "!!")
	}
	switch kind {
	case "null":
		return nil
	case "bool":
		switch strings.ToLower(n.Value) {
		case "yes", "true", "on":
			return true
		}
		return false
	case "int":
		if v, ok := yamlx.ConstructInt(n.Value); ok {
			if i, isInt := v.(int); isInt {
				return i
			}
		}
	case "float":
		if v, ok := yamlx.ConstructFloat(n.Value); ok {
			return v
		}
	}
	return n.Value
}

// yamlLoad parses one YAML document (from_yaml).
func yamlLoad(s string) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		return nil, runtimeErrorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if n.Kind == 0 {
		return nil, nil
	}
	return FromYAML(&n)
}

// yamlLoadAll parses every document of a YAML stream (from_yaml_all).
func yamlLoadAll(s string) (any, error) {
	dec := yaml.NewDecoder(strings.NewReader(s))
	out := []any{}
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err.Error() == "EOF" {
				return out, nil
			}
			return nil, runtimeErrorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		v, err := FromYAML(&n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}
