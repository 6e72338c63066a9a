package telnet

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromVars(t *testing.T) {
	c, err := ConfigFromVars("sw1", map[string]any{
		"ansible_host": "10.0.0.7", "ansible_port": "2323", "ansible_user": "admin", "ansible_password": "pw",
		"drover_telnet_prompt": `sw1[>#]$`, "drover_telnet_login_prompt": "(?i)user:", "drover_telnet_password_prompt": "(?i)pass:",
		"drover_telnet_enable_password": "en", "drover_telnet_cols": 132, "drover_telnet_rows": 50, "drover_telnet_term": "VT100",
		"drover_telnet_login_timeout": "45s", "ansible_command_timeout": 20, "drover_telnet_prompt_settle": 0.5,
		"drover_telnet_exit_status": "no", "ansible_python_interpreter": "/usr/bin/python3",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Name: "sw1", Host: "10.0.0.7", Port: 2323, User: "admin", Password: "pw", Prompt: `sw1[>#]$`,
		LoginPrompt: "(?i)user:", PasswordPrompt: "(?i)pass:", EnablePassword: "en", Cols: 132, Rows: 50, Term: "VT100",
		LoginTimeout: 45 * time.Second, CommandTimeout: 20 * time.Second, PromptSettle: 500 * time.Millisecond,
		NoExitStatus: true, ConnectTimeout: 10 * time.Second, LoginFailed: DefaultLoginFailed,
		EnableCommand: DefaultEnableCommand, EnableFailed: DefaultEnableFailed}
	if c != want {
		t.Fatalf("got\n%+v\nwant\n%+v", c, want)
	}
	c, err = ConfigFromVars("r2", map[string]any{"ansible_become": true, "ansible_become_method": "enable", "ansible_become_password": "s3c"})
	if err != nil || c.Host != "r2" || c.Port != 23 || c.EnablePassword != "s3c" || c.Prompt != DefaultPrompt || c.NoExitStatus {
		t.Fatalf("defaults and become: %v %+v", err, c)
	}
}

func TestConfigFromVarsErrors(t *testing.T) {
	tests := []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"drover_telnet_promt": "x"}, `unknown variable drover_telnet_promt (did you mean "drover_telnet_prompt"?)`},
		{map[string]any{"drover_telnet_prompt": "("}, "drover_telnet_prompt is not a regular expression"},
		{map[string]any{"ansible_port": "telnet"}, `ansible_port: expected a number, got "telnet"`},
		{map[string]any{"ansible_port": 70000}, "port 70000 is out of range"},
		{map[string]any{"drover_telnet_login_timeout": "soon"}, "drover_telnet_login_timeout: expected seconds"},
		{map[string]any{"drover_telnet_exit_status": "maybe"}, "drover_telnet_exit_status: expected a boolean"},
		{map[string]any{"ansible_user": []any{"a"}}, "ansible_user: expected a string"},
	}
	for _, tt := range tests {
		_, err := ConfigFromVars("h1", tt.vars)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "h1: ") {
			t.Errorf("ConfigFromVars(%v) = %v, want %q", tt.vars, err, tt.want)
		}
	}
}
