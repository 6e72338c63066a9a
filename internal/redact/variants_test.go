package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestQuotedSpellings checks that a secret is masked once quoted by JSON
// (HTML-escaped or not), Python's repr and the shell.
func TestQuotedSpellings(t *testing.T) {
	const secret = `Pa<ss>&"w'o\rd` + "\t1"
	tests := []struct {
		name string
		text string
	}{
		{"json html escaped", mustJSON(t, secret, true)},
		{"json", mustJSON(t, secret, false)},
		{"python repr single", `'Pa<ss>&"w\'o\\rd\t1'`},
		{"python repr double", `"Pa<ss>&\"w'o\\rd\t1"`},
		{"shell", `echo 'Pa<ss>&"w'\''o\rd` + "\t1'"},
		{"python shlex", `echo 'Pa<ss>&"w'"'"'o\rd` + "\t1'"},
	}
	r := New()
	r.Add(secret)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.String(tt.text)
			if !strings.Contains(got, Mask) || strings.Contains(got, "Pa<ss>") || strings.Contains(got, `Pa\u003css`) {
				t.Errorf("String(%s) = %s, want the secret masked", tt.text, got)
			}
		})
	}
}

func TestPlainSecretHasNoVariants(t *testing.T) {
	r := New()
	r.Add("plain-Secret-123")
	if r.Len() != 1 {
		t.Errorf("Len = %d, want 1: a secret without special characters is spelt one way", r.Len())
	}
}

func mustJSON(t *testing.T, s string, escapeHTML bool) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(map[string]string{"v": s}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
