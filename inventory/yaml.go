package inventory

import (
	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/yamlx"
)

// groupKeys are the keys a YAML inventory group may have.
var groupKeys = []string{"hosts", "vars", "children"}

// parseYAMLFile reads a YAML (or JSON) inventory file.
func (inv *Inventory) parseYAMLFile(path string, src []byte, _ bool) error {
	f, err := yamlx.Load(path, src, inv.opts.Decrypt)
	if err != nil {
		return err
	}
	return inv.parseYAML(f)
}

// parseYAML reads a YAML inventory: a mapping of group names to groups, each
// with optional hosts, vars and children (groups again, any depth).
func (inv *Inventory) parseYAML(f *yamlx.File) error {
	defer inv.warnFile(f)
	if len(f.Docs) == 0 {
		return nil
	}
	if len(f.Docs) > 1 {
		return f.Errorf(f.Docs[1], "expected a single YAML document in an inventory")
	}
	root := yamlx.Resolve(f.Docs[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return f.Errorf(root, "YAML inventory has invalid structure: expected a mapping of group names, got a %s", yamlx.KindName(root))
	}
	groups, err := f.Fields(root, "inventory")
	if err != nil {
		return err
	}
	for _, fl := range groups {
		if fl.Key == "plugin" {
			return f.Errorf(fl.KeyNode, "inventory plugin configuration files (plugin: ...) are not supported; use a YAML or INI inventory or an inventory script")
		}
	}
	for _, g := range groups {
		if _, err := inv.yamlGroup(f, g.KeyNode, g.Value); err != nil {
			return err
		}
	}
	return nil
}

// yamlGroup reads one group definition and returns the group's name.
func (inv *Inventory) yamlGroup(f *yamlx.File, keyNode, data *yaml.Node) (string, error) {
	name, err := scalarKey(f, keyNode, "group name")
	if err != nil {
		return "", err
	}
	name = inv.groupName(name)
	data = yamlx.Resolve(data)
	if isNull(data) {
		inv.addGroup(name)
		return name, nil
	}
	if data.Kind != yaml.MappingNode {
		return "", f.Errorf(data, "group %q must be a mapping with hosts, vars or children, got a %s", name, yamlx.KindName(data))
	}
	g := inv.addGroup(name)
	fields, err := f.Fields(data, "group "+name, groupKeys...)
	if err != nil {
		return "", err
	}
	for _, fl := range fields {
		section, err := sectionPairs(f, name, fl)
		if err != nil {
			return "", err
		}
		switch fl.Key {
		case "vars":
			err = inv.yamlVars(f, g, section)
		case "children":
			err = inv.yamlChildren(f, name, section)
		case "hosts":
			err = inv.yamlHosts(f, name, section)
		}
		if err != nil {
			return "", err
		}
	}
	return name, nil
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 &&
		(n.Tag == "!!null" || n.Style&yaml.TaggedStyle == 0 && yamlx.ResolvePlain(n.Value) == nil)
}

// sectionPairs returns the entries of a hosts/vars/children section; a
// plain string stands for a mapping with that one key, as in Ansible.
func sectionPairs(f *yamlx.File, group string, fl yamlx.Field) ([]yamlx.Pair, error) {
	v := yamlx.Resolve(fl.Value)
	switch {
	case isNull(v):
		return nil, nil
	case v.Kind == yaml.ScalarNode:
		if s, ok := scalarString(v); ok {
			key := *v
			key.Value = s
			return []yamlx.Pair{{Key: &key, Value: nil}}, nil
		}
	case v.Kind == yaml.MappingNode:
		return f.Pairs(v)
	}
	return nil, f.Errorf(v, "invalid %q entry for group %q: expected a mapping, got a %s", fl.Key, group, yamlx.KindName(v))
}

// scalarString reports the value of a scalar that YAML reads as a string.
func scalarString(n *yaml.Node) (string, bool) {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, true
	}
	if n.Style&yaml.TaggedStyle != 0 {
		return n.Value, n.Tag == "!!str" || n.Tag == "!unsafe"
	}
	s, ok := yamlx.ResolvePlain(n.Value).(string)
	return s, ok
}

func scalarKey(f *yamlx.File, n *yaml.Node, what string) (string, error) {
	n = yamlx.Resolve(n)
	if n.Kind == yaml.ScalarNode {
		if s, ok := scalarString(n); ok {
			return s, nil
		}
		return "", f.Errorf(n, "%s %s must be a string; enclose numbers, booleans and null in quotes", what, n.Value)
	}
	return "", f.Errorf(n, "%s must be a string, got a %s", what, yamlx.KindName(n))
}

func (inv *Inventory) yamlVars(f *yamlx.File, g *group, pairs []yamlx.Pair) error {
	seen := map[string]*yaml.Node{}
	for _, p := range pairs {
		kv, err := f.Value(p.Key, inv.valueOptions())
		if err != nil {
			return err
		}
		key := yamlx.KeyString(kv)
		if first, dup := seen[key]; dup && !p.Merged {
			return f.Errorf(p.Key, "duplicate variable %q (first defined at line %d)", key, first.Line)
		}
		if !p.Merged {
			seen[key] = p.Key
		}
		var v any
		if p.Value != nil {
			if v, err = f.Value(p.Value, inv.valueOptions()); err != nil {
				return err
			}
		}
		if err := inv.setGroupVar(g, key, v); err != nil {
			return f.Errorf(p.Value, "%v", err)
		}
	}
	return nil
}

func (inv *Inventory) yamlChildren(f *yamlx.File, parent string, pairs []yamlx.Pair) error {
	if err := noDuplicates(f, pairs, "child group"); err != nil {
		return err
	}
	for _, p := range pairs {
		child, err := inv.yamlGroup(f, p.Key, p.Value)
		if err != nil {
			return err
		}
		if err := inv.addChild(parent, child); err != nil {
			return f.Errorf(p.Key, "%v", err)
		}
	}
	return nil
}

func (inv *Inventory) yamlHosts(f *yamlx.File, group string, pairs []yamlx.Pair) error {
	if err := noDuplicates(f, pairs, "host"); err != nil {
		return err
	}
	for _, p := range pairs {
		pattern, err := scalarKey(f, p.Key, "host pattern")
		if err != nil {
			return err
		}
		names, port, err := ExpandHostPattern(pattern)
		if err != nil {
			return f.Errorf(p.Key, "%v", err)
		}
		vars := map[string]any{}
		if p.Value != nil && !isNull(yamlx.Resolve(p.Value)) {
			v, err := f.Value(p.Value, inv.valueOptions())
			if err != nil {
				return err
			}
			m, ok := v.(map[string]any)
			if !ok {
				return f.Errorf(p.Value, "host %q: expected a mapping of variables, got a %s", pattern, yamlx.KindName(p.Value))
			}
			vars = m
		}
		for _, name := range names {
			h, err := inv.addHost(name, group, port)
			if err != nil {
				return f.Errorf(p.Key, "%v", err)
			}
			mergeInto(h.vars, vars)
		}
	}
	return nil
}

// noDuplicates rejects a key written twice in one mapping.
func noDuplicates(f *yamlx.File, pairs []yamlx.Pair, what string) error {
	seen := map[string]*yaml.Node{}
	for _, p := range pairs {
		if p.Merged {
			continue
		}
		k := yamlx.Resolve(p.Key)
		if first, dup := seen[k.Value]; dup {
			return f.Errorf(k, "duplicate %s %q (first defined at line %d)", what, k.Value, first.Line)
		}
		seen[k.Value] = k
	}
	return nil
}

// warnFile passes on the warnings met converting f (keys given twice).
func (inv *Inventory) warnFile(f *yamlx.File) {
	for _, w := range f.Warnings() {
		inv.warn("%s", w)
	}
}
