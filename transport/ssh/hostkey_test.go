package ssh_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	xssh "golang.org/x/crypto/ssh"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

func newSigner(t *testing.T) xssh.Signer {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorized(k xssh.PublicKey) string {
	return strings.TrimSpace(string(xssh.MarshalAuthorizedKey(k)))
}

// dialWith dials h with a known_hosts file holding content and policy.
func dialWith(t *testing.T, lab *testlab.Lab, h *testlab.Host, content string, policy ssh.HostKeyPolicy) (*ssh.Conn, string, error) {
	t.Helper()
	kh := t.TempDir() + "/known_hosts"
	if content != "" {
		if err := os.WriteFile(kh, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := hostConfig(lab, h)
	cfg.KnownHostsFiles, cfg.HostKeyPolicy = []string{kh}, policy
	c, err := ssh.Dial(context.Background(), cfg)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, kh, err
}

func TestKnownHostsStrict(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	ca := newSigner(t)
	multi, err := lab.AddHost(testlab.HostOptions{Name: "multi", KeyTypes: []string{"ed25519", "ecdsa", "rsa"}})
	if err != nil {
		t.Fatal(err)
	}
	certified, err := lab.AddHost(testlab.HostOptions{Name: "cert", CertAuthority: ca})
	if err != nil {
		t.Fatal(err)
	}
	h := lab.Hosts[0]
	line := func(h *testlab.Host, i int) string { return h.KnownHostsLine(h.HostKeys[i]) + "\n" }
	other := h.KnownHostsName() + " " + authorized(newSigner(t).PublicKey()) + "\n"
	cases := []struct {
		name    string
		host    *testlab.Host
		content string
		want    string // "" for success, else a text the error contains
	}{
		{"plain [host]:port", h, line(h, 0), ""},
		{"hashed", h, ssh.HashHostname(h.KnownHostsName()) + " " + authorized(h.HostKeys[0]) + "\n", ""},
		{"wildcard with comment lines", h, "# comment\n\n[127.42.*]:* " + authorized(h.HostKeys[0]) + "\n", ""},
		{"listed among others", h, other[:0] + "[other]:1 " + authorized(newSigner(t).PublicKey()) + "\n" + line(h, 0), ""},
		{"only ecdsa known", multi, line(multi, 1), ""},
		{"only rsa known", multi, line(multi, 2), ""},
		{"only ed25519 known", multi, line(multi, 0), ""},
		{"cert-authority", certified, "@cert-authority " + certified.KnownHostsName() + " " + authorized(ca.PublicKey()) + "\n", ""},
		{"cert-authority wildcard", certified, "@cert-authority * " + authorized(ca.PublicKey()) + "\n", ""},
		{"unknown", h, "", "is not in known_hosts"},
		{"unknown tells how to add", h, "", "ssh-keyscan -p " + fmt.Sprint(h.Port) + " " + h.Addr},
		{"changed", h, "# first\n" + other, "REMOTE HOST IDENTIFICATION HAS CHANGED"},
		{"changed names the line", h, "# first\n" + other, ":2\n"},
		{"changed shows the fingerprint", h, other, xssh.FingerprintSHA256(h.HostKeys[0])},
		{"revoked", h, line(h, 0) + "@revoked * " + authorized(h.HostKeys[0]) + "\n", "revoked"},
		{"untrusted authority", certified, "@cert-authority * " + authorized(newSigner(t).PublicKey()) + "\n", "is not in known_hosts"},
	}
	for _, c := range cases {
		_, _, err := dialWith(t, lab, c.host, c.content, ssh.Strict)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !transport.IsUnreachable(err)):
			t.Errorf("%s: error %v, want an UnreachableError containing %q", c.name, err, c.want)
		}
	}
}

func TestCertificatePrincipal(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	ca := newSigner(t)
	h, err := lab.AddHost(testlab.HostOptions{Name: "cert", CertAuthority: ca})
	if err != nil {
		t.Fatal(err)
	}
	cfg := hostConfig(lab, h)
	kh := t.TempDir() + "/kh"
	os.WriteFile(kh, []byte("@cert-authority * "+authorized(ca.PublicKey())+"\n"), 0o600)
	cfg.KnownHostsFiles, cfg.HostKeyAlias = []string{kh}, "not-a-principal"
	_, err = ssh.Dial(context.Background(), cfg)
	var hk *ssh.HostKeyError
	if !errors.As(err, &hk) || hk.Problem != ssh.CertInvalid || !strings.Contains(err.Error(), "not-a-principal") {
		t.Errorf("certificate for another name: %v", err)
	}
}

func TestKnownHostsAcceptNew(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	_, kh, err := dialWith(t, lab, h, "", ssh.AcceptNew)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(kh)
	if string(data) != h.KnownHostsLine(h.HostKeys[0])+"\n" {
		t.Errorf("accept-new wrote %q", data)
	}
	cfg := hostConfig(lab, h)
	cfg.KnownHostsFiles, cfg.HostKeyPolicy = []string{kh}, ssh.Strict
	if c, err := ssh.Dial(context.Background(), cfg); err != nil {
		t.Errorf("strict after accept-new: %v", err)
	} else {
		c.Close()
	}
	other := h.KnownHostsName() + " " + authorized(newSigner(t).PublicKey()) + "\n"
	if _, _, err := dialWith(t, lab, h, other, ssh.AcceptNew); err == nil || !strings.Contains(err.Error(), "HAS CHANGED") {
		t.Errorf("accept-new with a changed key: %v", err)
	}
	wrong, err := lab.AddHost(testlab.HostOptions{WrongKey: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg = hostConfig(lab, wrong)
	cfg.HostKeyPolicy = ssh.Off
	if c, err := ssh.Dial(context.Background(), cfg); err != nil {
		t.Errorf("policy off: %v", err)
	} else {
		c.Close()
	}
	cfg.HostKeyPolicy = ssh.AcceptNew
	if _, err := ssh.Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), lab.KnownHosts+":") {
		t.Errorf("lab's wrong-key host under accept-new: %v", err)
	}
}

func TestAcceptNewConcurrentWriters(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 4})
	kh := t.TempDir() + "/known_hosts"
	os.WriteFile(kh, []byte("# existing, no newline at end"), 0o600)
	const perHost = 15
	var wg sync.WaitGroup
	errs := make(chan error, perHost*len(lab.Hosts))
	for i := 0; i < perHost; i++ {
		for _, h := range lab.Hosts {
			wg.Add(1)
			go func(h *testlab.Host) {
				defer wg.Done()
				cfg := hostConfig(lab, h)
				cfg.KnownHostsFiles, cfg.HostKeyPolicy = []string{kh}, ssh.AcceptNew
				c, err := ssh.Dial(context.Background(), cfg)
				if err != nil {
					errs <- err
					return
				}
				c.Close()
			}(h)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	data, _ := os.ReadFile(kh)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	want := []string{"# existing, no newline at end"}
	for _, h := range lab.Hosts {
		want = append(want, h.KnownHostsLine(h.HostKeys[0]))
	}
	if len(lines) != len(want) {
		t.Fatalf("%d dials wrote %d lines, want %d:\n%s", perHost*len(lab.Hosts), len(lines), len(want), data)
	}
	for _, w := range want {
		if !strings.Contains(string(data), w+"\n") {
			t.Errorf("missing or torn line %q in\n%s", w, data)
		}
	}
}
