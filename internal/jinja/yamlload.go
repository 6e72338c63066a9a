package jinja

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/pyfmt"
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
		if v, ok := yamlInt(n.Value); ok {
			return v
		}
	case "float":
		if v, ok := yamlFloatValue(n.Value); ok {
			return v
		}
	}
	return n.Value
}

// yamlInt is PyYAML's construct_yaml_int.
func yamlInt(s string) (int, bool) {
	v := strings.ReplaceAll(s, "_", "")
	sign := 1
	if strings.HasPrefix(v, "-") {
		sign, v = -1, v[1:]
	} else if strings.HasPrefix(v, "+") {
		v = v[1:]
	}
	var n int64
	var err error
	switch {
	case v == "0":
		return 0, true
	case strings.HasPrefix(v, "0b"):
		n, err = strconv.ParseInt(v[2:], 2, 64)
	case strings.HasPrefix(v, "0x"):
		n, err = strconv.ParseInt(v[2:], 16, 64)
	case strings.HasPrefix(v, "0"):
		n, err = strconv.ParseInt(v[1:], 8, 64)
	case strings.Contains(v, ":"):
		base := int64(1)
		for _, part := range reverseStrings(strings.Split(v, ":")) {
			p, e := strconv.ParseInt(part, 10, 64)
			if e != nil {
				return 0, false
			}
			n += p * base
			base *= 60
		}
	default:
		n, err = strconv.ParseInt(v, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	return sign * int(n), true
}

func reverseStrings(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// yamlFloatValue is PyYAML's construct_yaml_float.
func yamlFloatValue(s string) (float64, bool) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if strings.HasPrefix(v, "-") {
		sign, v = -1, v[1:]
	} else if strings.HasPrefix(v, "+") {
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), true
	case v == ".nan":
		return math.NaN(), true
	case strings.Contains(v, ":"):
		var f float64
		base := 1.0
		for _, part := range reverseStrings(strings.Split(v, ":")) {
			p, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return 0, false
			}
			f += p * base
			base *= 60
		}
		return sign * f, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return sign * f, true
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
