package playbooks

import (
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/redact"
)

// secretTransforms are the filters whose text result is the whole input
// re-encoded or reshaped: applied to text that holds a secret, their result
// is as secret as the input (a base64 password, its shell-quoted or
// upper-cased spelling). One-way hashes (hash, password_hash, checksum) are
// not among them: a crypt hash is what user and config files are given, and
// Ansible prints it.
var secretTransforms = map[string]bool{
	"b64encode": true, "b64decode": true, "upper": true, "lower": true, "capitalize": true, "title": true,
	"reverse": true, "quote": true, "urlencode": true, "to_json": true, "to_nice_json": true, "to_yaml": true,
	"to_nice_yaml": true, "regex_escape": true, "replace": true, "regex_replace": true, "trim": true,
	"string": true, "center": true, "indent": true, "comment": true, "wordwrap": true, "escape": true,
	"e": true, "forceescape": true, "urlize": true,
}

// maskDerivedSecrets makes env register with red the results of
// secretTransforms applied to text that holds a registered secret, so
// `{{ password | b64encode }}` is masked in output as the password is.
func maskDerivedSecrets(env *jinja.Env, red *redact.Redactor) {
	if red == nil {
		return
	}
	env.FilterHook = func(name string, in, out any) {
		if !secretTransforms[name] {
			return
		}
		o, ok := out.(string)
		if !ok || !holdsSecret(red, in) {
			return
		}
		red.Add(o)
	}
}

// holdsSecret reports whether v, a string or a list of strings, holds a
// registered secret.
func holdsSecret(red *redact.Redactor, v any) bool {
	switch x := v.(type) {
	case string:
		return red.Contains(x)
	case []any:
		for _, e := range x {
			if holdsSecret(red, e) {
				return true
			}
		}
	}
	return false
}
