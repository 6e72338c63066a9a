package redact

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drover/drover/internal/pyfmt"
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

// TestReprOfNonPrintable checks a secret with what repr escapes (a format
// character, a non-breaking space, a control character, a byte that is not
// UTF-8) inside the repr of a value that holds it.
func TestReprOfNonPrintable(t *testing.T) {
	const secret = "s3cr\u200bet\u00a0x\x01y\xffz"
	r := New()
	r.Add(secret)
	shown := pyfmt.Repr(map[string]any{"password": "it's " + secret})
	if got := r.String(shown); strings.Contains(got, "s3cr") || !strings.Contains(got, Mask) {
		t.Errorf("String(%s) = %s, want the secret masked", shown, got)
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
