package yamlx

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/suggest"
)

// Field is one entry of a strictly decoded mapping.
type Field struct {
	Key     string
	KeyNode *yaml.Node
	Value   *yaml.Node
}

// Fields lists the entries of mapping node n, requiring every key to be a
// string among allowed (none given: any key). A repeated key keeps its last
// value, with Ansible's warning (File.Warnings). An unknown key is an error
// naming its position, with a "did you mean" hint when a known key is close.
func (f *File) Fields(n *yaml.Node, what string, allowed ...string) ([]Field, error) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, f.Errorf(n, "%s must be a mapping, got a %s", what, KindName(n))
	}
	pairs, err := f.Pairs(n)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		known[a] = true
	}
	out := make([]Field, 0, len(pairs))
	index := map[string]int{}
	for _, p := range pairs {
		k := Resolve(p.Key)
		if k.Kind != yaml.ScalarNode {
			return nil, f.Errorf(k, "%s keys must be strings, got a %s", what, KindName(k))
		}
		if len(allowed) > 0 && !known[k.Value] {
			return nil, f.Errorf(k, "unknown key %q in %s%s; expected one of: %s",
				k.Value, what, suggest.Hint(k.Value, allowed), strings.Join(allowed, ", "))
		}
		if _, dup := index[k.Value]; dup {
			f.warnDuplicate(n, k.Value)
		}
		field := Field{Key: k.Value, KeyNode: k, Value: p.Value}
		if i, ok := index[k.Value]; ok {
			out[i] = field
			continue
		}
		index[k.Value] = len(out)
		out = append(out, field)
	}
	return out, nil
}
