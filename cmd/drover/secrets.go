package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/ui"
)

// hostSecretVars are the host variables that hold passwords: the login
// password, the become password and the telnet enable password, with
// their aliases. Their values are registered as secrets wherever a
// command reads an inventory.
var hostSecretVars = []string{"ansible_password", "ansible_ssh_pass", "ansible_become_password",
	"ansible_become_pass", "ansible_sudo_pass", "ansible_su_pass", "drover_telnet_enable_password"}

// registerHostSecrets registers the password variables of vars with red.
// A value that is still a template is left to the value it renders to (a
// vault value is registered when decrypted; a rendered connection
// variable when the host is connected).
func registerHostSecrets(red *redact.Redactor, vars map[string]any) {
	for _, k := range hostSecretVars {
		switch v := vars[k].(type) {
		case string:
			if !strings.Contains(v, "{{") {
				red.Add(v)
			}
		case int, int64, uint64, float64:
			red.Add(fmt.Sprint(v))
		}
	}
}

// maskError returns err with red's secrets masked in its message, keeping
// its exit status, so that the message main prints holds none.
func maskError(red *redact.Redactor, err error) error {
	if err == nil || exitcode.Silent(err) {
		return err
	}
	msg := err.Error()
	masked := red.String(msg)
	if masked == msg {
		return err
	}
	return exitcode.New(exitcode.Code(err), &maskedError{msg: masked, err: err})
}

// maskedError is an error whose message was masked; errors.Is and As
// still reach the original.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// secretPrompt wraps a terminal prompt so that answers typed without echo
// (vars_prompt with private: yes, pause with echo: no) are secrets.
func secretPrompt(red *redact.Redactor, prompt func(context.Context, string, bool) (string, error)) func(context.Context, string, bool) (string, error) {
	return func(ctx context.Context, q string, echo bool) (string, error) {
		ans, err := prompt(ctx, q, echo)
		if err == nil && !echo {
			red.Add(ans)
		}
		return ans, err
	}
}

// maskHostResult masks secrets in what drover run and drover probe print
// for a host: its output and message.
func maskHostResult(red *redact.Redactor, r ui.HostResult) ui.HostResult {
	r.Stdout, r.Stderr, r.Msg = red.String(r.Stdout), red.String(r.Stderr), red.String(r.Msg)
	return r
}
