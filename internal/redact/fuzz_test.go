package redact

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzWriter feeds text holding a secret to a Writer in chunks cut at
// fuzzer-chosen places: the secret never comes out, the output is what
// String makes of the whole text, and every byte that is not part of the
// secret comes out unchanged.
func FuzzWriter(f *testing.F) {
	f.Add("hunter2", "before ", " after hunter2 end", []byte{3, 1, 7})
	f.Add("abcabd", "abcab", "abcabdabcabd", []byte{1, 1, 1, 1, 1})
	f.Add("ppp", "pp", "ppppp", []byte{2})
	f.Add("s\x00cret", "x", "s\x00cre", []byte{})
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, cuts []byte) {
		if len(secret) < MinLen || strings.Contains(secret, "*") {
			t.Skip()
		}
		r := New()
		r.Add(secret)
		text := prefix + secret + suffix
		var out bytes.Buffer
		w := r.Writer(&out)
		rest := text
		for _, c := range cuts {
			if rest == "" {
				break
			}
			n := int(c) % (len(rest) + 1)
			if _, err := w.Write([]byte(rest[:n])); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if _, err := w.Write([]byte(rest)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if strings.Contains(got, secret) {
			t.Fatalf("secret %q in output %q", secret, got)
		}
		if want := r.String(text); got != want {
			t.Fatalf("streamed %q, String gives %q", got, want)
		}
		// With one secret, masking is exactly a leftmost, non-overlapping
		// replace: every other byte of the text comes out as it went in.
		if want := strings.ReplaceAll(text, secret, Mask); got != want {
			t.Fatalf("output %q, want %q", got, want)
		}
	})
}

// FuzzWriterTwoSecrets checks, for two secrets that may overlap or contain
// each other, that neither comes out whole and that streaming in chunks
// gives what String gives.
func FuzzWriterTwoSecrets(f *testing.F) {
	f.Add("abcdef", "defghi", "xxabcdefghiyy", []byte{4, 3})
	f.Add("pass", "password", "my password is pass", []byte{5, 2, 9})
	f.Fuzz(func(t *testing.T, s1, s2, text string, cuts []byte) {
		if len(s1) < MinLen || len(s2) < MinLen || strings.Contains(s1+s2, "*") {
			t.Skip()
		}
		r := New()
		r.Add(s1)
		r.Add(s2)
		text = s1 + text + s2
		var out bytes.Buffer
		w := r.Writer(&out)
		rest := text
		for _, c := range cuts {
			n := int(c) % (len(rest) + 1)
			w.Write([]byte(rest[:n]))
			rest = rest[n:]
		}
		w.Write([]byte(rest))
		w.Close()
		got := out.String()
		if strings.Contains(got, s1) || strings.Contains(got, s2) {
			t.Fatalf("secret in output %q", got)
		}
		if want := r.String(text); got != want {
			t.Fatalf("streamed %q, String gives %q", got, want)
		}
	})
}
