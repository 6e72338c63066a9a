package playbooks

import (
	"strings"
	"testing"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/redact"
)

func TestMaskDerivedSecrets(t *testing.T) {
	cases := []struct {
		tmpl   string
		masked bool // the rendered text is registered as a secret
	}{
		{"{{ pw | b64encode }}", true},
		{"{{ pw | upper }}", true},
		{"{{ pw | ansible.builtin.b64encode }}", true},
		{"{{ pw | hash('sha1') }}", false},
		{"{{ ('user:' ~ pw) | b64encode }}", true},
		{"{{ [pw, 'x'] | to_json | b64encode }}", true},
		{"{{ pw | quote }}", true},
		{"{{ 'not secret' | b64encode }}", false},
		{"{{ pw | length }}", false},
		{"{{ pw | regex_search('o+') }}", false},
	}
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			env, red := jinja.New(), redact.New()
			red.Add("s3cr'et-pw")
			maskDerivedSecrets(env, red)
			out, err := env.Render(c.tmpl, jinja.MapVars{"pw": "s3cr'et-pw"})
			if err != nil {
				t.Fatal(err)
			}
			if got := red.String(out) == redact.Mask; got != c.masked {
				t.Errorf("%s rendered %q; masked %v, want %v", c.tmpl, out, got, c.masked)
			}
		})
	}
}

func TestMaskDerivedSecretsWithoutRedactor(t *testing.T) {
	env := jinja.New()
	maskDerivedSecrets(env, nil)
	if env.FilterHook != nil {
		t.Error("a run without secrets hooks its filters")
	}
	if out, err := env.Render("{{ 'a' | upper }}", jinja.MapVars{}); err != nil || !strings.EqualFold(out, "A") {
		t.Errorf("render = %q, %v", out, err)
	}
}
