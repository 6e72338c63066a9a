package jinja

import (
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzTemplate feeds arbitrary sources to the lexer, parser and evaluator
// in every mode: errors are fine, panics and hangs are not.
func FuzzTemplate(f *testing.F) {
	raw, err := os.ReadFile("testdata/cases.yaml")
	if err != nil {
		f.Fatal(err)
	}
	var cases []oracleCase
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add(c.T)
	}
	for _, s := range []string{"{{", "{%", "{#", "{% raw %}", "{{ (((( }}", "{{ 'a' * 99999999999 }}", "{% for x in y recursive %}{{ loop(x) }}{% endfor %}",
		"{{ 2 ** 99999999999 }}", "{{ ' ' | indent(-5) }}", "{{ x | center(-1) }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"} {
		f.Add(s)
	}
	e := New()
	vars := MapVars{"x": "s", "n": 3, "l": []any{1, "a", nil}, "d": map[string]any{"k": []any{1}}, "y": []any{[]any{1}}}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 || strings.Contains(src, "password_hash") {
			return // long inputs and key stretching (up to 10^9 rounds) are slow by design
		}
		start := time.Now()
		_, _ = e.Template(src, vars)
		_, _ = e.RenderFile("fuzz.j2", []byte(src), vars)
		_, _ = e.Eval(src, vars)
		_, _ = e.Truth(src, vars)
		_, _ = literalEval(src)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%q took %v", src, d)
		}
	})
}
