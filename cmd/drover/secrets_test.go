package main

import (
	"errors"
	"testing"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/redact"
)

func TestRegisterHostSecrets(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]any
		in   string
		want string
	}{
		{"login password", map[string]any{"ansible_password": "Login-Pw"}, "x Login-Pw", "x ********"},
		{"ssh pass alias", map[string]any{"ansible_ssh_pass": "Ssh-Pw"}, "Ssh-Pw", "********"},
		{"become password", map[string]any{"ansible_become_pass": "Become-Pw"}, "Become-Pw", "********"},
		{"numeric password", map[string]any{"ansible_password": 123456}, "pin 123456", "pin ********"},
		{"template left to its value", map[string]any{"ansible_password": "{{ vault_pw }}"}, "{{ vault_pw }}", "{{ vault_pw }}"},
		{"other variables", map[string]any{"ansible_user": "deploy"}, "deploy", "deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := redact.New()
			registerHostSecrets(red, tt.vars)
			if got := red.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskError(t *testing.T) {
	red := redact.New()
	red.Add("Hunter-22")
	base := errors.New("book.yml:3:5: bad value Hunter-22")
	err := maskError(red, exitcode.New(exitcode.BadInput, base))
	if err.Error() != "book.yml:3:5: bad value ********" || exitcode.Code(err) != exitcode.BadInput || !errors.Is(err, base) {
		t.Errorf("maskError = %q (exit %d), want the secret masked, exit 4 and the cause kept", err, exitcode.Code(err))
	}
	silent := exitcode.New(exitcode.Failed, nil)
	if got := maskError(red, silent); got != silent {
		t.Errorf("a silent exit status changed: %v", got)
	}
}
