package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
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
		pyBody(secret, '\''),
		pyBody(secret, '"'),
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

// pyBody is s as Python's repr writes it between quote characters q.
func pyBody(s string, q rune) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == q:
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0x7f && !unicode.IsPrint(r):
			if r <= 0xff {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else if r <= 0xffff {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
