package tasks

import (
	"testing"

	"github.com/drover/drover/internal/redact"
)

// TestRegisterSecretArgs checks that the values of NoLog arguments become
// secrets, and nothing else does.
func TestRegisterSecretArgs(t *testing.T) {
	tests := []struct {
		module string
		args   map[string]any
		secret string
		shown  string
	}{
		{"uri", map[string]any{"url": "http://h/x", "url_username": "admin", "url_password": "Url-Pw-1"}, "Url-Pw-1", "admin"},
		{"get_url", map[string]any{"url": "http://h/x", "dest": "/tmp/x", "password": "Url-Pw-2"}, "Url-Pw-2", "/tmp/x"},
		{"user", map[string]any{"name": "alice", "password": "$6$salt$hash"}, "$6$salt$hash", "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			s, ok := Lookup(tt.module)
			if !ok {
				t.Fatalf("no module %s", tt.module)
			}
			a, err := s.Prepare(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			c := &Call{Args: a, Redactor: redact.New()}
			c.RegisterSecretArgs(s)
			if got := c.Redactor.String("x " + tt.secret + " " + tt.shown); got != "x "+redact.Mask+" "+tt.shown {
				t.Errorf("masked text = %q", got)
			}
		})
	}
}
