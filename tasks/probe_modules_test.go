package tasks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/drover/drover/transport/local"
)

// runProbeModule runs a probe module for host "web1"; with via: host the
// local transport stands for the host's connection.
func runProbeModule(t *testing.T, module string, args map[string]any) map[string]any {
	t.Helper()
	s, ok := Lookup(module)
	if !ok {
		t.Fatalf("no module %s", module)
	}
	a, err := s.Prepare(args)
	if err != nil {
		t.Fatalf("%s: %v", module, err)
	}
	c := &Call{Module: module, Host: "web1", Args: a, Local: local.New(),
		Var: func(name string) (any, bool) {
			return map[string]any{"ansible_host": "127.0.0.1"}[name], name == "ansible_host"
		}}
	if !s.Controller {
		t.Fatalf("%s is not a controller module", module)
	}
	if s.NeedsConn(a) {
		c.Conn = local.New()
	}
	r, err := s.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("%s: %v", module, err)
	}
	return r.Registered()
}

// selfSignedServer serves a self-signed certificate for name, valid for
// days more days, on 127.0.0.1:0.
func selfSignedServer(t *testing.T, name string, days int) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Duration(days)*24*time.Hour + time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if c.(*tls.Conn).Handshake() == nil {
					_, _ = io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestProbeModules(t *testing.T) {
	banner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { banner.Close() })
	go func() {
		for {
			c, err := banner.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprint(c, "220 ready id=7\r\n")
				buf := make([]byte, 64)
				n, _ := c.Read(buf)
				fmt.Fprintf(c, "got %s", buf[:n])
			}()
		}
	}()
	_, bannerPort, _ := net.SplitHostPort(banner.Addr().String())
	tlsAddr := selfSignedServer(t, "web1", 10)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Token-Seen", fmt.Sprint(r.Header.Get("Authorization") != ""))
		fmt.Fprint(w, `{"status": "ok", "n": 3}`)
	}))
	t.Cleanup(web.Close)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		if rr, err := dns.NewRR(req.Question[0].Name + " 60 IN A 192.0.2.7"); err == nil {
			m.Answer = []dns.RR{rr}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })

	cases := []struct {
		name   string
		module string
		args   map[string]any
		want   map[string]any
	}{
		{"tcp dialogue from the host's address", "tcp_probe", map[string]any{"port": bannerPort,
			"dialogue": []any{map[string]any{"expect": `id=(?P<id>\d+)`, "send": "hello ${id}"}, map[string]any{"expect": "^got hello 7"}}},
			map[string]any{"failed": false, "banner": "220 ready id=7", "address": banner.Addr().String()}},
		{"tcp via host", "tcp_probe", map[string]any{"target": "localhost:" + bannerPort, "via": "host", "read_banner": true},
			map[string]any{"failed": false, "banner": "220 ready id=7"}},
		{"tcp refused", "tcp_probe", map[string]any{"target": "127.0.0.1:1", "timeout": 2},
			map[string]any{"failed": true, "msg": "connect from controller: dial tcp4 127.0.0.1:1: connect: connection refused"}},
		{"tcp without target or port", "tcp_probe", map[string]any{}, map[string]any{"failed": true, "msg": "give target (host:port) or port"}},
		{"tls warns", "tls_probe", map[string]any{"target": tlsAddr, "server_name": "web1", "insecure": true, "warn_days": 30},
			map[string]any{"failed": false, "status": "UNTRUSTED", "days_left": float64(10), "warnings": nil}},
		{"tls untrusted fails", "tls_probe", map[string]any{"target": tlsAddr, "server_name": "web1"},
			map[string]any{"failed": true, "status": "UNTRUSTED", "msg": "UNTRUSTED: x509: certificate signed by unknown authority"}},
		{"dns", "dns_probe", map[string]any{"name": "web1.test", "server": pc.LocalAddr().String(), "answer": map[string]any{"contains": []any{"192.0.2.7"}, "count": 1}},
			map[string]any{"failed": false, "rcode": "NOERROR"}},
		{"dns over udp via host", "dns_probe", map[string]any{"name": "web1.test", "server": pc.LocalAddr().String(), "via": "host"},
			map[string]any{"failed": true, "msg": "transport udp is impossible via host web1: SSH forwards TCP only (direct-tcpip); use transport tcp or tls"}},
		{"http", "http_probe", map[string]any{"url": web.URL, "bearer_token": "s3cret", "json_path": []any{map[string]any{"path": "n", "equals": 3}},
			"header_matches": map[string]any{"X-Token-Seen": "true"}}, map[string]any{"failed": false, "status": float64(200)}},
		{"http status", "http_probe", map[string]any{"url": web.URL, "status_code": []any{201}},
			map[string]any{"failed": true, "msg": "status 200 not in valid_status 201"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runProbeModule(t, tc.module, tc.args)
			for k, want := range tc.want {
				if k == "warnings" {
					if w, _ := got["warnings"].([]any); len(w) != 1 || !strings.Contains(fmt.Sprint(w[0]), "expires in 10 days") {
						t.Errorf("warnings = %v", got["warnings"])
					}
					continue
				}
				if fmt.Sprint(got[k]) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v (result %v)", k, got[k], want, got)
				}
			}
			if strings.Contains(fmt.Sprint(got), "s3cret") {
				t.Errorf("the bearer token shows in the result: %v", got)
			}
		})
	}
}

func TestProbeModuleArgs(t *testing.T) {
	s, _ := Lookup("ansible.builtin.http_probe")
	if err := s.CheckNames([]string{"url", "valid_statuss"}); err == nil || !strings.Contains(err.Error(), `did you mean "valid_status"`) {
		t.Errorf("misspelled argument: %v", err)
	}
	if got := s.SecretArgs(); fmt.Sprint(got) != "[url_password bearer_token]" {
		t.Errorf("secret args %v", got)
	}
	if _, err := s.Prepare(map[string]any{"via": "moon"}); err == nil {
		t.Error("via: moon accepted")
	}
}
