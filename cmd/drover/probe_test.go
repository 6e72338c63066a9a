package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/drover/drover/internal/testlab"
)

// bannerServer serves one line to each connection on 127.0.0.1:0.
func bannerServer(t *testing.T, banner string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
				fmt.Fprint(c, banner+"\r\n")
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// probeInventory writes an inventory of hosts all at ansible_host 127.0.0.1
// and one, "down", at an address nothing listens on.
func probeInventory(t *testing.T, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, n := range names {
		addr := "127.0.0.1"
		if n == "down" {
			addr = "127.0.3.250"
		}
		fmt.Fprintf(&b, "%s ansible_host=%s\n", n, addr)
	}
	path := filepath.Join(t.TempDir(), "inv.ini")
	must(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func TestProbeTCP(t *testing.T) {
	addr := bannerServer(t, "SSH-2.0-Test")
	_, port, _ := net.SplitHostPort(addr)
	inv := probeInventory(t, "web1", "web2", "web3")
	r := execDrover(t, nil, "probe", "tcp", "-i", inv, "--port", port, "--read-banner")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "── web[1-3] (3) ──\nopen\nbanner: SSH-2.0-Test\n3 ok · ") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	inv = probeInventory(t, "web1", "down")
	r = execDrover(t, nil, "probe", "tcp", "-i", inv, "--target", "{{ ansible_host }}:"+port,
		"--dialogue", `[{expect: '^SSH-(?P<proto>[\d.]+)-'}, {send: 'hello ${proto}'}]`)
	if r.code != 2 || !strings.Contains(r.stdout, "── down (1) FAILED ──\nconnect from controller: dial tcp4 127.0.3.250:"+port) ||
		!strings.Contains(r.stdout, "── web1 (1) ──\nopen\nbanner: SSH-2.0-Test\nmatched: SSH-2.0-Test\n") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = execDrover(t, nil, "probe", "tcp", "-i", inv, "web1", "--port", port, "--read-banner", "--json")
	var line struct {
		Host, Status string
		Result       struct {
			Banner      string
			ConnectTime float64 `json:"connect_time"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil || r.code != 0 || line.Result.Banner != "SSH-2.0-Test" || line.Status != "ok" {
		t.Errorf("json: exit %d, %v, %+v\n%s", r.code, err, line, r.stdout)
	}
}

func TestProbeHTTPAndDNS(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"status": "ok", "checks": [1, 2]}`)
	}))
	t.Cleanup(web.Close)
	_, webPort, _ := net.SplitHostPort(strings.TrimPrefix(web.URL, "http://"))
	inv := probeInventory(t, "web1", "web2")
	r := execDrover(t, nil, "probe", "http", "-i", inv, "--target", "http://{{ ansible_host }}:"+webPort+"/healthz",
		"--json-path", "status=ok", "--json-path", "checks[1]=2", "--body-matches", "checks")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "── web[1-2] (2) ──\n200 · HTTP/1.1 · 34 bytes\n") {
		t.Errorf("http: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = execDrover(t, nil, "probe", "http", "-i", inv, "web1", "--port", webPort)
	if r.code != 2 || !strings.Contains(r.stdout, "status 404 not in valid_status 2xx") {
		t.Errorf("http 404: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		rr, _ := dns.NewRR(req.Question[0].Name + " 60 IN A 192.0.2.7")
		m.Answer = []dns.RR{rr}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	r = execDrover(t, nil, "probe", "dns", "-i", inv, "--target", pc.LocalAddr().String(), "--name", "web.test", "--contains", "192.0.2.7")
	if r.code != 0 || !strings.Contains(r.stdout, "── web[1-2] (2) ──\nNOERROR\nweb.test. A 192.0.2.7") {
		t.Errorf("dns: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestProbeViaHost(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	addr := bannerServer(t, "220 behind the hosts")
	_, port := splitHostPort(t, addr)
	r := execDrover(t, nil, "probe", "tcp", "-i", lab.Inventory, "lab", "--via", "host", "--target", "localhost:"+port, "--read-banner")
	if r.code != 0 || !strings.HasPrefix(r.stdout, fmt.Sprintf("── %s (3) ──\nopen\nbanner: 220 behind the hosts\n", foldNames(lab.Hosts))) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	inv := filepath.Join(t.TempDir(), "inv.ini")
	must(t, os.WriteFile(inv, []byte("gone ansible_host=127.0.0.1 ansible_port="+strconv.Itoa(freePort(t, "127.0.0.1"))+"\n"), 0o644))
	r = execDrover(t, nil, "probe", "tcp", "-i", inv, "--via", "host", "--target", addr, "-T", "3")
	if r.code != 3 || !strings.Contains(r.stdout, "UNREACHABLE") {
		t.Errorf("unreachable: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestProbeTLSAndUsage(t *testing.T) {
	ca := newTestCA(t, "Probe CA")
	now := time.Now()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(caFile, pemCert(ca.cert.Raw), 0o644))
	var addr string
	for try := 0; addr == "" && try < 10; try++ {
		a := "127.0.0.1:" + strconv.Itoa(freePort(t, "127.0.0.1"))
		if listenTLSOn(t, a, issue(t, &ca, "svc.test", now.Add(-time.Hour), now.AddDate(0, 0, 10))) == nil {
			addr = a
		}
	}
	inv := probeInventory(t, "svc.test")
	_, port, _ := net.SplitHostPort(addr)
	r := execDrover(t, nil, "probe", "tls", "-i", inv, "--port", port, "--ca-file", caFile, "--warn", "30")
	// A certificate in its warning window: exit 1, as drover certs.
	if r.code != 1 || !strings.Contains(r.stdout, "── svc.test (1) WARN ──") || !strings.Contains(r.stdout, "subject CN=svc.test · SANs svc.test\nissuer CN=Probe CA\n") ||
		!strings.Contains(r.stdout, "days) · WARN") || !strings.Contains(r.stdout, "(warning below 30)") {
		t.Errorf("tls: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = execDrover(t, nil, "probe", "tls", "-i", inv, "--target", addr, "--server-name", "svc.test", "--ca-file", caFile, "--crit", "14")
	if r.code != 2 || !strings.Contains(r.stdout, "certificate expires in 9 days (critical below 14)") {
		t.Errorf("tls crit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"tcp"}, "probe tcp needs --target (or --port)"},
		{[]string{"tcp", "--port", "1", "--via", "moon"}, `--via "moon": expected controller or host`},
		{[]string{"tcp", "--port", "1", "--ip-version", "5"}, `ip_version "5": expected 4, 6 or auto`},
		{[]string{"tcp", "--port", "99999"}, "--port 99999: not a port number"},
		{[]string{"nope"}, `probe "nope": expected tcp, dns, tls or http`},
	}
	for _, tc := range cases {
		r := execDrover(t, nil, append([]string{"probe"}, tc.args...)...)
		if r.code != 5 || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q, want 5 and %q", tc.args, r.code, r.stderr, tc.msg)
		}
	}
}

// pemCert encodes a DER certificate as PEM.
func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestProbeFailuresFoldByCause: hosts whose probes fail for the same reason
// fold into one group although each message names its own address; --json
// keeps each host's own message.
func TestProbeFailuresFoldByCause(t *testing.T) {
	port := freePort(t, "127.0.3.1")
	inv := filepath.Join(t.TempDir(), "inv")
	must(t, os.WriteFile(inv, []byte("a1 ansible_host=127.0.3.1\na2 ansible_host=127.0.3.2\na3 ansible_host=127.0.3.3\n"), 0o644))
	r := execDrover(t, nil, "probe", "tcp", "-i", inv, "--port", strconv.Itoa(port))
	if r.code != 2 || !strings.Contains(r.stdout, "── a[1-3] (3) FAILED ──\n") || !strings.Contains(r.stdout, "<target>: connect: connection refused\n") {
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
	r = execDrover(t, nil, "probe", "tcp", "-i", inv, "--port", strconv.Itoa(port), "--json")
	for i := 1; i <= 3; i++ {
		if want := fmt.Sprintf("127.0.3.%d:%d: connect: connection refused", i, port); !strings.Contains(r.stdout, want) {
			t.Errorf("--json lacks %q:\n%s", want, r.stdout)
		}
	}
}
