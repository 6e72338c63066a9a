package hostconn

import (
	"strings"
	"testing"
)

// TestSSHArgsFlags: Options.SSHCommonArgs and SSHExtraArgs (--ssh-common-args,
// --ssh-extra-args, ssh_common_args, ssh_extra_args) apply to the hosts
// whose ansible_ssh_common_args or ansible_ssh_extra_args is unset; a
// host's variable wins, and a bad value names the setting.
func TestSSHArgsFlags(t *testing.T) {
	tests := []struct {
		name          string
		common, extra string
		vars          map[string]any
		jump, proxy   string
		err           string
	}{
		{name: "none"},
		{name: "common flag", common: "-o ProxyJump=flagjump", jump: "flagjump"},
		{name: "extra flag", extra: "-o ProxyCommand=flagcmd", proxy: "flagcmd"},
		{name: "variable wins", common: "-o ProxyJump=flagjump",
			vars: map[string]any{"ansible_ssh_common_args": "-o ProxyJump=varjump"}, jump: "varjump"},
		{name: "variable of the other kind", common: "-o ProxyJump=flagjump",
			vars: map[string]any{"ansible_ssh_extra_args": "-o ProxyCommand=varcmd"}, jump: "flagjump"},
		{name: "bad flag", common: "-Z", err: "ansible_ssh_common_args"},
		{name: "variable set empty", common: "-o ProxyJump=flagjump", vars: map[string]any{"ansible_ssh_common_args": ""}},
		{name: "bad variable", vars: map[string]any{"ansible_ssh_extra_args": "-Z"}, extra: "-o ProxyJump=ok", err: "ansible_ssh_extra_args"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := New(Options{SSHCommonArgs: tc.common, SSHExtraArgs: tc.extra})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := o.sshConfig("h", tc.vars)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ProxyJump != tc.jump || cfg.ProxyCommand != tc.proxy {
				t.Errorf("ProxyJump %q ProxyCommand %q, want %q %q", cfg.ProxyJump, cfg.ProxyCommand, tc.jump, tc.proxy)
			}
		})
	}
}

// TestSupported lists the connections drover opens, as -c accepts them.
func TestSupported(t *testing.T) {
	for kind, want := range map[string]bool{"ssh": true, "smart": true, "paramiko": true, "local": true,
		"telnet": true, "docker": false, "winrm": false, "": false} {
		if got := Supported(kind); got != want {
			t.Errorf("Supported(%q) = %v, want %v", kind, got, want)
		}
	}
}
