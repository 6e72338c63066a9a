package ssh_test

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// TestHostKeyOffChangedKey dials a real sshd with password login whose key
// differs from the one known_hosts lists, with host key checking off
// (OpenSSH's StrictHostKeyChecking=no): the connection is warned about
// with OpenSSH's full warning and offers the host no password (not even
// through keyboard-interactive), while keys still log in. A host whose key
// is as listed logs in with its password without a warning; a revoked key
// is refused.
func TestHostKeyOffChangedKey(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h, err := lab.AddHost(testlab.HostOptions{Password: true})
	if err != nil {
		t.Fatal(err)
	}
	changed := h.KnownHostsName() + " " + authorized(newSigner(t).PublicKey()) + "\n"
	known := h.KnownHostsLine(h.HostKeys[0]) + "\n"
	for _, tc := range []struct {
		name, knownHosts string
		withKey          bool
		wantErr          string // "" for a connection
		wantWarning      bool
	}{
		{"changed key, password only", changed, false, "password and keyboard-interactive authentication are disabled", true},
		{"changed key, key and password", changed, true, "", true},
		{"known key, password", known, false, "", false},
		{"unknown host, password", "", false, "", false},
		{"revoked key", known + "@revoked * " + authorized(h.HostKeys[0]) + "\n", true, "revoked", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := strings.Count(h.Log(), "password for "+h.User)
			kh := t.TempDir() + "/known_hosts"
			if err := os.WriteFile(kh, []byte(tc.knownHosts), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := hostConfig(lab, h)
			cfg.KnownHostsFiles, cfg.HostKeyPolicy, cfg.Password = []string{kh}, ssh.Off, h.Password
			if !tc.withKey {
				cfg.IdentityFiles = []string{kh + ".no-such-key"}
			}
			var mu sync.Mutex
			var warnings []string
			cfg.Warn = func(msg string) {
				mu.Lock()
				warnings = append(warnings, msg)
				mu.Unlock()
			}
			c, err := ssh.Dial(t.Context(), cfg)
			if c != nil {
				c.Close()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("dial: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !transport.IsUnreachable(err)):
				t.Fatalf("dial: %v, want an UnreachableError containing %q", err, tc.wantErr)
			}
			all := strings.Join(warnings, "\n")
			if got := strings.Contains(all, "REMOTE HOST IDENTIFICATION HAS CHANGED") && strings.Contains(all, "Password authentication is disabled"); got != tc.wantWarning {
				t.Errorf("warnings %q, want OpenSSH's changed-key warning: %v", warnings, tc.wantWarning)
			}
			sent := strings.Count(h.Log(), "password for "+h.User) != before
			if tc.wantWarning && sent {
				t.Errorf("the password was sent to the host whose key changed:\n%s", h.Log())
			}
			if !tc.withKey && tc.wantErr == "" && !sent {
				t.Errorf("sshd logged no password login:\n%s", h.Log())
			}
		})
	}
}
