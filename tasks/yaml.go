package tasks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Unsafe is a string marked !unsafe in YAML: it is never templated.
type Unsafe string

// Vaulted is a value tagged !vault in YAML: Ansible Vault ciphertext that is
// decrypted when used.
type Vaulted string

var (
	yamlInt   = regexp.MustCompile(`^[-+]?(0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+)$`)
	yamlFloat = regexp.MustCompile(`^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$`)
)

// NodeValue converts a YAML node to plain values (map[string]any, []any,
// string, int, float64, bool, nil) with the YAML 1.1 rules Ansible's PyYAML
// applies: yes/no/on/off are booleans, 0755 is octal, merge keys (<<) and
// aliases are resolved.
func NodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return NodeValue(n.Content[0])
	case yaml.AliasNode:
		return NodeValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := NodeValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return mappingValue(n)
	}
	return ScalarValue(n)
}

func mappingValue(n *yaml.Node) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag != "!!str" {
			if err := mergeInto(out, v); err != nil {
				return nil, err
			}
			continue
		}
		kv, err := NodeValue(k)
		if err != nil {
			return nil, err
		}
		vv, err := NodeValue(v)
		if err != nil {
			return nil, err
		}
		ks, _ := ToStr(kv)
		out[ks] = vv
	}
	return out, nil
}

// mergeInto applies a YAML merge key: keys already set win.
func mergeInto(out map[string]any, v *yaml.Node) error {
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, s := range srcs {
		mv, err := NodeValue(s)
		if err != nil {
			return err
		}
		m, ok := mv.(map[string]any)
		if !ok {
			return fmt.Errorf("line %d: a merge key (<<) needs a mapping", s.Line)
		}
		for k, x := range m {
			if _, set := out[k]; !set {
				out[k] = x
			}
		}
	}
	return nil
}

// ScalarValue resolves one scalar node.
func ScalarValue(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!unsafe":
		return Unsafe(n.Value), nil
	case "!vault":
		return Vaulted(n.Value), nil
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!", "!!binary":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!int", "!!float", "!!bool":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("line %d column %d: %v", n.Line, n.Column, err)
			}
			return v, nil
		}
	}
	v, _ := resolvePlain(n.Value)
	return v, nil
}

// resolvePlain applies YAML 1.1 resolution to a plain scalar; ok is false
// when s stays a string.
func resolvePlain(s string) (any, bool) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil, true
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true
	case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1), true
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1), true
	case ".nan", ".NaN", ".NAN":
		return math.NaN(), true
	}
	if yamlInt.MatchString(s) {
		if n, ok := parseYAMLInt(s); ok {
			return n, true
		}
	}
	if yamlFloat.MatchString(s) && s != "." {
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			return f, true
		}
	}
	return s, false
}

func parseYAMLInt(s string) (int, bool) {
	t := strings.ReplaceAll(s, "_", "")
	sign := 1
	if t[0] == '-' || t[0] == '+' {
		if t[0] == '-' {
			sign = -1
		}
		t = t[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0b"):
		base, t = 2, t[2:]
	case strings.HasPrefix(t, "0x"):
		base, t = 16, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	n, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, false
	}
	return sign * int(n), true
}

// DecodeYAML parses a YAML document (a vars file) into plain values; name is
// used in error messages.
func DecodeYAML(data []byte, name string) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	v, err := NodeValue(&doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return v, nil
}
