package jinja

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON encodes the dict as a JSON object in insertion order, as
// Python's json.dumps does without sort_keys; keys that are not strings
// are spelled as str() spells them.
func (d *Dict) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range d.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		ks, ok := k.(string)
		if !ok {
			ks = str(k)
		}
		kb, err := json.Marshal(ks)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		v := d.vals[i]
		if u, ok := v.(Unsafe); ok {
			v = u.V
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
