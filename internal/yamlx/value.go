package yamlx

import (
	"encoding/base64"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/pyfmt"
)

// VaultFunc decrypts ansible-vault ciphertext; where names its origin
// (FILE:LINE:COL for an inline value, FILE for a whole file).
type VaultFunc func(ciphertext []byte, where string) ([]byte, error)

// Options tune how nodes become Go values.
type Options struct {
	// Vault decrypts !vault values; nil makes them an error asking for the
	// vault password.
	Vault VaultFunc
	// Unsafe wraps the string of a !unsafe scalar; nil keeps the plain string.
	Unsafe func(s string) any
	// VaultValue, when set, replaces Vault for !vault values: it returns the
	// value that stands for the ciphertext (for example a placeholder that
	// keeps the secret out of output) instead of decrypting it.
	VaultValue func(ciphertext []byte, where string) (any, error)
	// KeepTypes keeps timestamps as Timestamp and !unsafe strings as Unsafe
	// (when Unsafe is nil), so that they print as Python prints dates and
	// unsafe text; without it both are plain strings.
	KeepTypes bool
	// Ordered, when set, builds every mapping from its keys and values in
	// the file's order (after merge keys, a repeated key where it first
	// appeared, with its last value), instead of a map[string]any.
	Ordered func(keys []string, values []any) any
}

// Timestamp is a YAML timestamp in ISO 8601 form (Python's isoformat), kept
// by Options.KeepTypes.
type Timestamp string

// Unsafe is the text of a !unsafe value, kept by Options.KeepTypes: JSON
// shows it as {"__ansible_unsafe": TEXT}, YAML and str() as the text.
type Unsafe string

// maxValues bounds the values one conversion may build, so that a document
// of nested aliases cannot exhaust memory.
const maxValues = 10_000_000

// Value converts node n of f into Go values as Ansible's YAML loader does:
// scalars become string, int, float64, bool or nil by YAML 1.1 rules
// (timestamps become their ISO 8601 string), sequences []any and mappings
// map[string]any (keys in their JSON spelling). A node whose aliases expand
// it past the limits (see maxAliasValues) is an error. Merge keys (<<) are applied;
// a key given twice in one mapping keeps its last value with Ansible's
// warning (see File.Warnings); !vault values go through opts.Vault and
// !unsafe scalars through opts.Unsafe.
func (f *File) Value(n *yaml.Node, opts Options) (any, error) {
	if err := f.checkExpansion(n); err != nil {
		return nil, err
	}
	c := &converter{f: f, opts: opts, budget: maxValues}
	return c.value(n)
}

// cached returns the value already built for collection node n, so that a
// node reached twice (through an alias or a merge key) gives the same value,
// as PyYAML gives the same object.
func (f *File) cached(n *yaml.Node) (any, bool) {
	v, ok := f.built[n]
	return v, ok
}

func (f *File) remember(n *yaml.Node, v any) {
	if f.built == nil {
		f.built = map[*yaml.Node]any{}
	}
	f.built[n] = v
}

type converter struct {
	f      *File
	opts   Options
	budget int
	active map[*yaml.Node]bool // collections being converted, to catch recursive aliases
	// unsafe counts the !unsafe collections being converted: every string
	// value inside one is unsafe, as Ansible wraps the whole value.
	unsafe int
}

// enter marks collection node n as being converted; a node met again while
// it is being converted is a recursive alias.
func (c *converter) enter(n *yaml.Node) error {
	if c.active == nil {
		c.active = map[*yaml.Node]bool{}
	}
	if c.active[n] {
		return c.f.Errorf(n, "recursive alias: this value contains itself")
	}
	if len(c.active) > maxDepth {
		return c.f.Errorf(n, "values nested more than %d deep", maxDepth)
	}
	c.active[n] = true
	return nil
}

func (c *converter) value(n *yaml.Node) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, c.f.Errorf(n, "document expands to too many values (nested aliases?)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0])
	case yaml.AliasNode:
		return c.value(n.Alias)
	case yaml.ScalarNode:
		v, err := c.scalar(n)
		if str, isStr := v.(string); isStr && err == nil && c.unsafe > 0 && c.opts.Unsafe != nil {
			return c.opts.Unsafe(str), nil
		}
		return v, err
	case yaml.SequenceNode, yaml.MappingNode:
		if n.Tag == "!unsafe" {
			c.unsafe++
			defer func() { c.unsafe-- }()
		}
		return c.collection(n)
	}
	return nil, c.f.Errorf(n, "unexpected YAML node")
}

// keyValue converts a mapping key: never unsafe (a key is a name).
func (c *converter) keyValue(n *yaml.Node) (any, error) {
	saved := c.unsafe
	c.unsafe = 0
	defer func() { c.unsafe = saved }()
	return c.value(n)
}

// collection converts a sequence or mapping node.
func (c *converter) collection(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		if err := c.checkTag(n, "!!seq"); err != nil {
			return nil, err
		}
		if v, ok := c.f.cached(n); ok {
			return v, nil
		}
		if err := c.enter(n); err != nil {
			return nil, err
		}
		defer delete(c.active, n)
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		c.f.remember(n, out)
		return out, nil
	case yaml.MappingNode:
		if err := c.checkTag(n, "!!map"); err != nil {
			return nil, err
		}
		if c.opts.Ordered != nil {
			if err := c.enter(n); err != nil {
				return nil, err
			}
			defer delete(c.active, n)
			return c.orderedMapping(n)
		}
		if v, ok := c.f.cached(n); ok {
			return v, nil
		}
		if err := c.enter(n); err != nil {
			return nil, err
		}
		defer delete(c.active, n)
		m, err := c.mapping(n)
		if err == nil {
			c.f.remember(n, m)
		}
		return m, err
	}
	return nil, c.f.Errorf(n, "unexpected YAML node")
}

func (c *converter) checkTag(n *yaml.Node, want string) error {
	if n.Style&yaml.TaggedStyle == 0 || n.Tag == want || n.Tag == "!unsafe" {
		return nil
	}
	return c.f.Errorf(n, "could not determine a constructor for the tag %q", n.Tag)
}

// Pair is one key and value of a mapping node, after merge keys are applied.
type Pair struct {
	Key, Value *yaml.Node
	Merged     bool // came from a << merge, not written in this mapping
}

// Pairs lists the entries of mapping node n the way PyYAML flattens it:
// entries pulled in by << merge keys first (of several merged mappings, the
// earlier wins), then the mapping's own entries.
func (f *File) Pairs(n *yaml.Node) ([]Pair, error) {
	return f.pairs(n, map[*yaml.Node]bool{})
}

func (f *File) pairs(n *yaml.Node, visiting map[*yaml.Node]bool) ([]Pair, error) {
	n = Resolve(n)
	if visiting[n] || len(visiting) > maxDepth {
		return nil, f.Errorf(n, "recursive merge: this mapping merges itself")
	}
	visiting[n] = true
	defer delete(visiting, n)
	var merged, own []Pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !IsMergeKey(k) {
			own = append(own, Pair{Key: k, Value: v})
			continue
		}
		m, err := f.mergePairs(Resolve(v), visiting)
		if err != nil {
			return nil, err
		}
		merged = append(merged, m...)
	}
	return append(merged, own...), nil
}

func (f *File) mergePairs(v *yaml.Node, visiting map[*yaml.Node]bool) ([]Pair, error) {
	switch v.Kind {
	case yaml.MappingNode:
		return f.markMerged(v, visiting)
	case yaml.SequenceNode:
		var out []Pair
		for i := len(v.Content) - 1; i >= 0; i-- {
			sub := Resolve(v.Content[i])
			if sub.Kind != yaml.MappingNode {
				return nil, f.Errorf(sub, "expected a mapping for merging, but found a %s", KindName(sub))
			}
			m, err := f.markMerged(sub, visiting)
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
		return out, nil
	}
	return nil, f.Errorf(v, "expected a mapping or list of mappings for merging, but found a %s", KindName(v))
}

func (f *File) markMerged(v *yaml.Node, visiting map[*yaml.Node]bool) ([]Pair, error) {
	ps, err := f.pairs(v, visiting)
	for i := range ps {
		ps[i].Merged = true
	}
	return ps, err
}

// IsMergeKey reports whether k is the YAML merge key <<.
func IsMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Style&yaml.TaggedStyle == 0 && k.Style == 0)
}

// Resolve follows aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// KindName names the kind of n for messages: "mapping", "sequence", "scalar".
func KindName(n *yaml.Node) string {
	switch Resolve(n).Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.DocumentNode:
		return "document"
	}
	return "scalar"
}

func (c *converter) mapping(n *yaml.Node) (map[string]any, error) {
	pairs, err := c.f.Pairs(n)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(pairs))
	for _, p := range pairs {
		kv, err := c.keyValue(p.Key)
		if err != nil {
			return nil, err
		}
		key, err := c.keyString(p.Key, kv)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			c.f.warnDuplicate(Resolve(n), kv)
		}
		v, err := c.value(p.Value)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// orderedMapping builds a mapping with Options.Ordered.
func (c *converter) orderedMapping(n *yaml.Node) (any, error) {
	pairs, err := c.f.Pairs(n)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(pairs))
	vals := make([]any, 0, len(pairs))
	index := make(map[string]int, len(pairs))
	for _, p := range pairs {
		kv, err := c.keyValue(p.Key)
		if err != nil {
			return nil, err
		}
		key, err := c.keyString(p.Key, kv)
		if err != nil {
			return nil, err
		}
		v, err := c.value(p.Value)
		if err != nil {
			return nil, err
		}
		if i, dup := index[key]; dup {
			c.f.warnDuplicate(Resolve(n), kv)
			vals[i] = v
			continue
		}
		index[key] = len(keys)
		keys = append(keys, key)
		vals = append(vals, v)
	}
	return c.opts.Ordered(keys, vals), nil
}

func (c *converter) keyString(n *yaml.Node, v any) (string, error) {
	switch v.(type) {
	case []any, map[string]any:
		return "", c.f.Errorf(n, "a %s cannot be a mapping key", KindName(n))
	}
	return KeyString(v), nil
}

// KeyString spells a scalar value the way JSON spells it as an object key
// (Python's json module: true, false, null, 1, 1.5).
func KeyString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "null"
	case bool:
		if t {
			return "true"
		}
		return "false"
	case float64:
		return pyfmt.JSONFloat(t)
	}
	return fmt.Sprint(v)
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle == 0 {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return n.Value, nil
		}
		v := ResolvePlain(n.Value)
		if s, ok := v.(string); ok && n.Value != "" && n.Value[0] >= '0' && n.Value[0] <= '9' && reTimestampImplicit.MatchString(n.Value) {
			return c.timestamp(s), nil
		}
		return v, nil
	}
	switch n.Tag {
	case "!!str":
		return n.Value, nil
	case "!!int":
		v, ok := ConstructInt(n.Value)
		if !ok {
			return nil, c.f.Errorf(n, "invalid integer %q", n.Value)
		}
		return v, nil
	case "!!float":
		v, ok := ConstructFloat(n.Value)
		if !ok {
			return nil, c.f.Errorf(n, "invalid float %q", n.Value)
		}
		return v, nil
	case "!!bool":
		v, ok := boolValues[strings.ToLower(n.Value)]
		if !ok {
			return nil, c.f.Errorf(n, "invalid boolean %q", n.Value)
		}
		return v, nil
	case "!!null":
		return nil, nil
	case "!!timestamp":
		v, ok := ParseTimestamp(n.Value)
		if !ok {
			return nil, c.f.Errorf(n, "invalid timestamp %q", n.Value)
		}
		return c.timestamp(v), nil
	case "!!binary":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			return nil, c.f.Errorf(n, "invalid base64 data: %v", err)
		}
		return string(b), nil
	case "!vault", "!vault-encrypted":
		return c.vault(n)
	case "!unsafe":
		if c.opts.Unsafe != nil {
			return c.opts.Unsafe(n.Value), nil
		}
		if c.opts.KeepTypes {
			return Unsafe(n.Value), nil
		}
		return n.Value, nil
	}
	return nil, c.f.Errorf(n, "could not determine a constructor for the tag %q", n.Tag)
}

func (c *converter) timestamp(iso string) any {
	if c.opts.KeepTypes {
		return Timestamp(iso)
	}
	return iso
}

func (c *converter) vault(n *yaml.Node) (any, error) {
	where := fmt.Sprintf("%s:%d:%d", c.f.Name, n.Line, n.Column)
	if c.opts.VaultValue != nil {
		v, err := c.opts.VaultValue([]byte(n.Value), where)
		if err != nil {
			return nil, c.f.Errorf(n, "%v", err)
		}
		return v, nil
	}
	if c.opts.Vault == nil {
		return nil, c.f.Errorf(n, "vault password needed to decrypt this !vault value")
	}
	plain, err := c.opts.Vault([]byte(n.Value), where)
	if err != nil {
		return nil, c.f.Errorf(n, "cannot decrypt !vault value: %v", err)
	}
	return string(plain), nil
}
