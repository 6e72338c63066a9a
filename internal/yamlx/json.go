package yamlx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseJSON reads src as one JSON document into yaml nodes that keep key
// order and positions. Strings become double-quoted scalars and numbers,
// booleans and null carry explicit tags, so that Value applies JSON's rules
// rather than YAML's. A key given twice keeps its first position and its last
// value, as Python's json module does. It reports false when src is not JSON.
func parseJSON(name string, src []byte) (*File, bool) {
	if !json.Valid(src) {
		return nil, false
	}
	p := &jsonParser{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		return nil, false
	}
	return &File{Name: name, Src: src, Docs: []*yaml.Node{root}}, true
}

type jsonParser struct {
	src []byte
	dec *json.Decoder
}

// pos is the line and column of the next token.
func (p *jsonParser) pos() (int, int) {
	off := int(p.dec.InputOffset())
	for off < len(p.src) && strings.IndexByte(" \t\r\n,:", p.src[off]) >= 0 {
		off++
	}
	line := 1 + bytes.Count(p.src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(p.src[:off], '\n')
	return line, col
}

func (p *jsonParser) value() (*yaml.Node, error) {
	line, col := p.pos()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return p.object(n)
		}
		return p.array(n)
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!int", string(t), yaml.TaggedStyle
		if strings.ContainsAny(string(t), ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, "!!bool", yaml.TaggedStyle, "false"
		if t {
			n.Value = "true"
		}
	case nil:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, "!!null", yaml.TaggedStyle, "null"
	}
	return n, nil
}

func (p *jsonParser) object(n *yaml.Node) (*yaml.Node, error) {
	n.Kind, n.Tag = yaml.MappingNode, "!!map"
	index := map[string]int{}
	for p.dec.More() {
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if i, ok := index[k.Value]; ok {
			n.Content[i+1] = v
			continue
		}
		index[k.Value] = len(n.Content)
		n.Content = append(n.Content, k, v)
	}
	_, err := p.dec.Token()
	return n, err
}

func (p *jsonParser) array(n *yaml.Node) (*yaml.Node, error) {
	n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
	for p.dec.More() {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, v)
	}
	_, err := p.dec.Token()
	return n, err
}

// ParseJSON reads src as one JSON document (see Load for the rules applied
// to its values). Invalid JSON is an *Error with the position of the problem.
func ParseJSON(name string, src []byte) (*File, error) {
	if f, ok := parseJSON(name, src); ok {
		return f, nil
	}
	var v any
	err := json.Unmarshal(src, &v)
	off := 0
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if err == nil {
		err = errors.New("not a JSON document")
	}
	off = min(max(off-1, 0), len(src))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(src[:off], '\n')
	return nil, At(name, src, line, col, "%v", err)
}
