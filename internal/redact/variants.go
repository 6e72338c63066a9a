package redact

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

// variants are the spellings a secret takes once quoted by the formats
// drover prints: the body of a JSON string (with and without HTML
// escaping), of a Python repr in either quote, and of a single-quoted
// shell word. Add masks each of them too, so a secret escaped on its way
// out (a JSON event, an error quoting a value) is still masked.
func variants(secret string) []string {
	out := []string{
		jsonBody(secret, true),
		jsonBody(secret, false),
		pyfmt.ReprBody(secret, '\''),
		pyfmt.ReprBody(secret, '"'),
		strings.ReplaceAll(secret, "'", `'\''`),
		strings.ReplaceAll(secret, "'", `'"'"'`),
	}
	kept := out[:0]
	for _, v := range out {
		if v != secret && len(v) >= MinLen {
			kept = append(kept, v)
		}
	}
	return kept
}

// jsonBody is s as encoding/json writes it inside a string's quotes.
func jsonBody(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		return s
	}
	return strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n")[1:], `"`)
}
