package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// tlsCase is one TLS probe against a real TLS listener.
type tlsCase struct {
	name       string
	spec       leafSpec
	server     *tls.Config
	opts       func(*TLSOptions)
	wantStatus Status
	wantErr    string // a part of the error; "" means no error
	check      func(*testing.T, TLSResult)
}

func TestTLSProbe(t *testing.T) {
	p := newPKI(t)
	caFile := writePEM(t, t.TempDir(), "ca.pem", [][]byte{p.root.cert.Raw}, nil)
	svc := []string{"svc.test"}
	cases := []tlsCase{
		{name: "valid", spec: leafSpec{names: svc}, wantStatus: StatusOK, check: func(t *testing.T, r TLSResult) {
			eq(t, "common name", r.Leaf.CommonName, "svc.test")
			eq(t, "sans", strings.Join(r.Leaf.SANs, ","), "svc.test")
			eq(t, "issuer", r.Leaf.Issuer, "CN=Test Intermediate CA,O=Drover Tests")
			eq(t, "chain length", len(r.Chain), 2)
			eq(t, "chain[1]", r.Chain[1].CommonName, "Test Intermediate CA")
			eq(t, "verified", r.ChainVerified, true)
			eq(t, "name matches", r.NameMatches, true)
			eq(t, "version", r.Version, "TLS 1.3")
			eq(t, "days left", r.DaysLeft, 335)
			eq(t, "not after", r.Leaf.NotAfter, testNow.Add(335*day).UTC())
			eq(t, "ocsp", r.OCSPStapled, false)
			if r.Cipher == "" || r.Leaf.Serial == "" || r.Leaf.SHA256 == "" || r.Address == "" {
				t.Errorf("missing cipher, serial, fingerprint or address: %+v", r)
			}
		}},
		{name: "expiring in 10 days", spec: leafSpec{names: svc, until: testNow.Add(10 * day)},
			wantStatus: StatusCrit, wantErr: "certificate expires in 10 days (critical below 14)"},
		{name: "in the warning window", spec: leafSpec{names: svc, until: testNow.Add(20 * day)},
			wantStatus: StatusWarn, check: func(t *testing.T, r TLSResult) {
				eq(t, "warnings", strings.Join(r.Warnings, ";"), "certificate expires in 20 days (warning below 30)")
			}},
		{name: "expired", spec: leafSpec{names: svc, from: testNow.Add(-90 * day), until: testNow.Add(-5 * day)},
			wantStatus: StatusExpired, wantErr: "EXPIRED: expired 5 days ago", check: func(t *testing.T, r TLSResult) {
				eq(t, "days left", r.DaysLeft, -5)
				eq(t, "verified", r.ChainVerified, false)
			}},
		{name: "not yet valid", spec: leafSpec{names: svc, from: testNow.Add(5 * day), until: testNow.Add(90 * day)},
			wantStatus: StatusNotYetValid, wantErr: "NOT_YET_VALID: not valid before"},
		{name: "self-signed", spec: leafSpec{names: svc, selfSigned: true},
			wantStatus: StatusUntrusted, wantErr: "UNTRUSTED: x509: certificate signed by unknown authority",
			check: func(t *testing.T, r TLSResult) {
				eq(t, "self-signed", r.Leaf.SelfSigned, true)
				eq(t, "chain length", len(r.Chain), 1)
			}},
		{name: "wrong name", spec: leafSpec{names: []string{"other.test"}},
			wantStatus: StatusNameMismatch, wantErr: "NAME_MISMATCH: x509: certificate is valid for other.test, not svc.test",
			check: func(t *testing.T, r TLSResult) { eq(t, "verified", r.ChainVerified, true) }},
		{name: "missing intermediate", spec: leafSpec{names: svc, dropInter: true},
			wantStatus: StatusUntrusted, wantErr: "UNTRUSTED: x509: certificate signed by unknown authority"},
		{name: "long chain", spec: leafSpec{names: svc, extraInters: 3}, wantStatus: StatusOK,
			check: func(t *testing.T, r TLSResult) {
				eq(t, "chain length", len(r.Chain), 5)
				eq(t, "issuer", r.Leaf.Issuer, "CN=Test Intermediate CA D,O=Drover Tests")
			}},
		{name: "insecure inspects a self-signed certificate", spec: leafSpec{names: svc, selfSigned: true},
			opts: func(o *TLSOptions) { o.Insecure = true }, wantStatus: StatusUntrusted,
			check: func(t *testing.T, r TLSResult) { eq(t, "subject", r.Leaf.Subject, "CN=svc.test,O=Drover Tests") }},
		{name: "insecure still applies critical_days", spec: leafSpec{names: svc, selfSigned: true, until: testNow.Add(3 * day)},
			opts: func(o *TLSOptions) { o.Insecure = true }, wantStatus: StatusUntrusted, wantErr: "certificate expires in 3 days (critical below 14)"},
		{name: "ca_file", spec: leafSpec{names: svc}, wantStatus: StatusOK,
			opts: func(o *TLSOptions) { o.RootCAs, o.CAFile = nil, caFile }},
		{name: "system roots do not know the test CA", spec: leafSpec{names: svc},
			opts:       func(o *TLSOptions) { o.RootCAs = nil },
			wantStatus: StatusUntrusted, wantErr: "UNTRUSTED: x509: certificate signed by unknown authority"},
		{name: "name from the target", spec: leafSpec{names: []string{"127.0.0.1"}},
			opts: func(o *TLSOptions) { o.ServerName = "" }, wantStatus: StatusOK,
			check: func(t *testing.T, r TLSResult) { eq(t, "server name", r.ServerName, "127.0.0.1") }},
		{name: "expect_issuer and expect_sans pass", spec: leafSpec{names: []string{"svc.test", "api.test", "127.0.0.1"}},
			opts: func(o *TLSOptions) {
				o.ExpectIssuer, o.ExpectSANs = "^CN=Test Intermediate CA,", []string{"API.test", "127.0.0.1"}
			}, wantStatus: StatusOK},
		{name: "expect_issuer fails", spec: leafSpec{names: svc}, opts: func(o *TLSOptions) { o.ExpectIssuer = "Let's Encrypt" },
			wantStatus: StatusOK, wantErr: `issuer "CN=Test Intermediate CA,O=Drover Tests" does not match expect_issuer "Let's Encrypt"`},
		{name: "expect_sans fails", spec: leafSpec{names: svc}, opts: func(o *TLSOptions) { o.ExpectSANs = []string{"api.test"} },
			wantStatus: StatusOK, wantErr: `certificate has no SAN "api.test" (SANs: svc.test)`},
		{name: "min_version", spec: leafSpec{names: svc}, server: &tls.Config{MaxVersion: tls.VersionTLS12},
			opts: func(o *TLSOptions) { o.MinVersion = "1.3" }, wantStatus: StatusOK,
			wantErr: "negotiated TLS 1.2, older than min_version TLS 1.3",
			check:   func(t *testing.T, r TLSResult) { eq(t, "version", r.Version, "TLS 1.2") }},
		{name: "OCSP staple", spec: leafSpec{names: svc, ocspStaple: []byte{0x30, 0x03, 0x0a, 0x01, 0x00}}, wantStatus: StatusOK,
			check: func(t *testing.T, r TLSResult) { eq(t, "ocsp", r.OCSPStapled, true) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveTLS(t, p.leaf(t, tc.spec), tc.server)
			opts := TLSOptions{
				Target: addr, TLSClient: TLSClient{ServerName: "svc.test", RootCAs: p.roots},
				Thresholds: Thresholds{WarnDays: 30, CriticalDays: 14}, Now: testNow,
			}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			res, err := TLS(context.Background(), Controller(), opts)
			wantErr(t, err, tc.wantErr)
			eq(t, "status", res.Status, tc.wantStatus)
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestTLSProbeClientCertificate(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	client := p.leaf(t, leafSpec{names: []string{"client.test"}})
	certFile := writePEM(t, dir, "client.pem", client.Certificate, nil)
	keyFile := writePEM(t, dir, "client.key", nil, client.PrivateKey.(*ecdsa.PrivateKey))
	seen := make(chan string, 1)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.leaf(t, leafSpec{names: []string{"svc.test"}})},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: p.roots,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, func(c net.Conn) {
		tc := c.(*tls.Conn)
		if tc.Handshake() == nil {
			seen <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		}
		_, _ = io.Copy(io.Discard, c)
	})
	_, err = TLS(context.Background(), Controller(), TLSOptions{Target: ln.Addr().String(), TLSClient: TLSClient{
		ServerName: "svc.test", RootCAs: p.roots, ClientCert: certFile, ClientKey: keyFile,
	}})
	wantErr(t, err, "")
	select {
	case cn := <-seen:
		eq(t, "client certificate seen by the server", cn, "client.test")
	case <-time.After(10 * time.Second):
		t.Fatal("the server never completed a handshake with the client certificate")
	}
}

func TestTLSProbeFailures(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go acceptLoop(silent, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	cases := []struct {
		name    string
		opts    TLSOptions
		wantErr string
	}{
		{"connection refused", TLSOptions{Target: closedPort(t)}, "connection refused"},
		{"server never answers the handshake", TLSOptions{Target: silent.Addr().String(), Timeout: 300 * time.Millisecond}, "timed out"},
		{"bad target", TLSOptions{Target: "no-port"}, `target "no-port": expected host:port`},
		{"bad min_version", TLSOptions{Target: closedPort(t), TLSClient: TLSClient{MinVersion: "1.4"}}, `min_version "1.4": expected 1.0, 1.1, 1.2 or 1.3`},
		{"missing ca_file", TLSOptions{Target: closedPort(t), TLSClient: TLSClient{CAFile: "/nonexistent/ca.pem"}}, "ca_file: open /nonexistent/ca.pem"},
		{"unknown starttls", TLSOptions{Target: silent.Addr().String(), StartTLS: "xmpp"}, `starttls "xmpp": expected smtp, imap, pop3, ftp or postgres`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TLS(context.Background(), Controller(), tc.opts)
			wantErr(t, err, tc.wantErr)
		})
	}
}

func TestTLSResultJSON(t *testing.T) {
	p := newPKI(t)
	addr := serveTLS(t, p.leaf(t, leafSpec{names: []string{"svc.test"}}), nil)
	res, err := TLS(context.Background(), Controller(), TLSOptions{
		Target: addr, TLSClient: TLSClient{ServerName: "svc.test", RootCAs: p.roots}, Now: testNow,
	})
	wantErr(t, err, "")
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"address", "connect_time", "handshake_time", "version", "cipher", "server_name",
		"ocsp_stapled", "leaf", "chain", "chain_verified", "name_matches", "days_left", "status"} {
		if _, ok := m[key]; !ok {
			t.Errorf("JSON result lacks %q: %s", key, b)
		}
	}
	leaf := m["leaf"].(map[string]any)
	for _, key := range []string{"subject", "sans", "issuer", "serial", "not_before", "not_after", "days_left"} {
		if _, ok := leaf[key]; !ok {
			t.Errorf("JSON leaf lacks %q", key)
		}
	}
}

// eq fails the test when got differs from want.
func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantErr checks that err contains want, or is nil when want is empty, and
// that its message is one line.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case err != nil && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	case err != nil && slices.Contains([]byte(err.Error()), '\n'):
		t.Fatalf("error spans several lines: %q", err)
	}
}
