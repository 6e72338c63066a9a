// Package pyfmt writes values the way Python and the libraries Ansible
// uses write them: repr() and str() (Repr, Str, Quote, Float), json.dumps
// (JSON, WriteJSONString, JSONFloat) and PyYAML's dump (YAML, EmitYAML,
// YAMLFloat, YAMLPlain), byte for byte, so that drover's messages and
// outputs read as Ansible's.
//
// The writers take plain Go values (nil, bool, integers, float64, string,
// []any, []string, map[string]any and map[string]string, mapping keys
// sorted as Python's sort_keys sorts them); a type of another package
// formats itself through Reprer, Strer, JSONer and YAMLer. Packages with
// richer values (internal/jinja) walk them themselves and use the leaf
// writers and the YAML emitter.
package pyfmt
