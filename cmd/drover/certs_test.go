package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
)

// testCA signs certificates for the certs tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newTestCA makes a self-signed CA.
func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{cert: c, key: key}
}

// issue makes a server certificate for name valid from..until, signed by
// ca (or by itself when ca is nil).
func issue(t *testing.T, ca *testCA, name string, from, until time.Time) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: from, NotAfter: until, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// listenTLSOn serves cert on addr until the test ends.
func listenTLSOn(t *testing.T, addr string, cert tls.Certificate) error {
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return err
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			go func() {
				defer c.Close()
				if c.(*tls.Conn).Handshake() == nil {
					_, _ = io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	return nil
}

// certHost is one inventory host of the certs tests and its certificate.
type certHost struct {
	name   string
	status string
	cert   func() tls.Certificate // nil: nothing listens
}

// certFleet starts one TLS listener per host, each on its own loopback
// address and all on one port, and writes an inventory of them. It returns
// the inventory and the port.
func certFleet(t *testing.T, hosts []certHost) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for try := 0; try < 20; try++ {
		port := strconv.Itoa(freePort(t, "127.0.3.1"))
		inv := "all:\n  hosts:\n"
		var err error
		for i, h := range hosts {
			addr := "127.0.3." + strconv.Itoa(i+1)
			inv += "    " + h.name + ":\n      ansible_host: " + addr + "\n"
			if h.cert != nil && err == nil {
				err = listenTLSOn(t, net.JoinHostPort(addr, port), h.cert())
			}
		}
		if err != nil {
			continue
		}
		path := filepath.Join(dir, "inventory.yml")
		if err := os.WriteFile(path, []byte(inv), 0o644); err != nil {
			t.Fatal(err)
		}
		return path, port
	}
	t.Fatal("no port free on every address")
	return "", ""
}

// writeCA writes ca's certificate to a PEM file.
func writeCA(t *testing.T, ca testCA) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePort is a TCP port free on addr right now.
func freePort(t *testing.T, addr string) int {
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// certsHosts has one host for each status of drover certs.
func certsHosts(t *testing.T, ca testCA) []certHost {
	other := newTestCA(t, "Unknown CA")
	now := time.Now()
	signed := func(name string, from, until time.Time) func() tls.Certificate {
		return func() tls.Certificate { return issue(t, &ca, name, from, until) }
	}
	return []certHost{
		{name: "ok.test", status: "OK", cert: signed("ok.test", now.Add(-time.Hour), now.AddDate(0, 0, 200))},
		{name: "warn.test", status: "WARN", cert: signed("warn.test", now.Add(-time.Hour), now.AddDate(0, 0, 20))},
		{name: "crit.test", status: "CRIT", cert: signed("crit.test", now.Add(-time.Hour), now.AddDate(0, 0, 10))},
		{name: "expired.test", status: "EXPIRED", cert: signed("expired.test", now.AddDate(0, 0, -90), now.AddDate(0, 0, -1))},
		{name: "future.test", status: "NOT_YET_VALID", cert: signed("future.test", now.AddDate(0, 0, 2), now.AddDate(0, 0, 90))},
		{name: "wrongname.test", status: "NAME_MISMATCH", cert: signed("other.test", now.Add(-time.Hour), now.AddDate(0, 0, 200))},
		{name: "selfsigned.test", status: "UNTRUSTED", cert: func() tls.Certificate {
			return issue(t, nil, "selfsigned.test", now.Add(-time.Hour), now.AddDate(0, 0, 200))
		}},
		{name: "foreign.test", status: "UNTRUSTED", cert: func() tls.Certificate {
			return issue(t, &other, "foreign.test", now.Add(-time.Hour), now.AddDate(0, 0, 200))
		}},
		{name: "down.test", status: "ERROR"},
	}
}

// certRow is one row of drover certs --format json.
type certRow struct {
	Host, Endpoint, Path, Status, Reason string
	DaysLeft                             *int `json:"days_left"`
}

func parseCertRows(t *testing.T, out string) []certRow {
	t.Helper()
	var rows []certRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	return rows
}

// TestCertsStatuses checks each status of drover certs and its exit status,
// one host at a time, then the whole fleet in a table.
func TestCertsStatuses(t *testing.T) {
	ca := newTestCA(t, "Certs Test CA")
	hosts := certsHosts(t, ca)
	inv, port := certFleet(t, hosts)
	caFile := writeCA(t, ca)
	wantExit := map[string]int{"OK": 0, "WARN": 1, "CRIT": 2, "EXPIRED": 2, "NOT_YET_VALID": 2, "NAME_MISMATCH": 2, "UNTRUSTED": 2, "ERROR": 3}
	for _, h := range hosts {
		t.Run(h.name, func(t *testing.T) {
			r := execDrover(t, nil, "certs", "-i", inv, h.name, "--port", port, "--ca-file", caFile, "--format", "json", "-T", "5")
			if r.code != wantExit[h.status] {
				t.Errorf("exit %d, want %d: %s%s", r.code, wantExit[h.status], r.stdout, r.stderr)
			}
			rows := parseCertRows(t, r.stdout)
			if len(rows) != 1 || rows[0].Status != h.status || rows[0].Host != h.name || !strings.HasSuffix(rows[0].Endpoint, ":"+port) {
				t.Errorf("rows %+v, want one %s row for %s", rows, h.status, h.name)
			}
		})
	}
	r := execDrover(t, nil, "certs", "-i", inv, "--port", port, "--ca-file", caFile, "--warn", "30", "--crit", "14")
	if r.code != 2 {
		t.Errorf("fleet exit %d, want 2: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(hosts)+2 || !strings.HasPrefix(lines[0], "STATUS") || !strings.HasPrefix(lines[1], "EXPIRED") ||
		!strings.HasPrefix(lines[len(lines)-2], "ERROR") {
		t.Errorf("table not sorted soonest expiry first with errors last:\n%s", r.stdout)
	}
	if want := "9 certificates · 1 OK · 1 WARN · 1 CRIT · 1 EXPIRED · 1 NOT_YET_VALID · 1 NAME_MISMATCH · 2 UNTRUSTED · 1 ERROR"; lines[len(lines)-1] != want {
		t.Errorf("summary %q, want %q", lines[len(lines)-1], want)
	}
	r = execDrover(t, nil, "certs", "-i", inv, "ok.test:warn.test", "--port", port, "--ca-file", caFile, "--format", "csv")
	if r.code != 1 || !strings.HasPrefix(r.stdout, "host,endpoint,path,index,subject,sans,issuer") || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("csv: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCertsFiles reads certificate files from a local host and from a
// real sshd host over SFTP, with ** globs, bundles, DER and an unreadable
// file.
func TestCertsFiles(t *testing.T) {
	ca := newTestCA(t, "Files CA")
	now := time.Now()
	ok := issue(t, &ca, "ok.test", now.Add(-time.Hour), now.AddDate(0, 0, 200))
	soon := issue(t, &ca, "soon.test", now.Add(-time.Hour), now.AddDate(0, 0, 20))
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	h := lab.Hosts[0]
	dir := filepath.Join(h.Dir, "certs-"+strconv.Itoa(int(now.UnixNano()%1e6)))
	writeCerts := func(root string) {
		t.Helper()
		must(t, os.MkdirAll(filepath.Join(root, "nginx", "live"), 0o755))
		bundle := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ok.Certificate[0]})
		bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
		must(t, os.WriteFile(filepath.Join(root, "nginx", "live", "fullchain.pem"), bundle, 0o644))
		must(t, os.WriteFile(filepath.Join(root, "soon.der"), soon.Certificate[0], 0o644))
		must(t, os.Symlink(filepath.Join(root, "gone.pem"), filepath.Join(root, "broken.pem")))
	}
	writeCerts(dir)
	globs := []string{"--files", dir + "/**/*.pem", "--files", dir + "/*.der"}

	r := execDrover(t, nil, append([]string{"certs", "-i", lab.Inventory, h.Name, "--format", "json"}, globs...)...)
	rows := parseCertRows(t, r.stdout)
	var got []string
	for _, row := range rows {
		got = append(got, strings.TrimPrefix(row.Path, dir+"/")+"="+row.Status)
	}
	if want := "soon.der=WARN nginx/live/fullchain.pem=OK nginx/live/fullchain.pem=OK broken.pem=ERROR"; strings.Join(got, " ") != want || r.code != 3 {
		t.Errorf("exit %d, rows %q, want %q\n%s", r.code, strings.Join(got, " "), want, r.stderr)
	}

	localDir := t.TempDir()
	writeCerts(localDir)
	must(t, os.Remove(filepath.Join(localDir, "broken.pem")))
	inv := filepath.Join(t.TempDir(), "local.ini")
	must(t, os.WriteFile(inv, []byte("box ansible_connection=local\n"), 0o644))
	r = execDrover(t, nil, "certs", "-i", inv, "box", "--files", localDir+"/**/*.pem", "--warn", "10")
	if r.code != 0 || !strings.Contains(r.stdout, "nginx/live/fullchain.pem") || !strings.HasSuffix(r.stdout, "2 certificates · 2 OK\n") {
		t.Errorf("local files: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = execDrover(t, nil, "certs", "-i", "127.0.0.1:"+strconv.Itoa(freePort(t, "127.0.0.1"))+",", "--files", "/etc/ssl/*.pem", "--format", "json", "-T", "2")
	rows = parseCertRows(t, r.stdout)
	if r.code != 3 || len(rows) != 1 || rows[0].Status != "ERROR" || !strings.Contains(rows[0].Reason, "unreachable") {
		t.Errorf("unreachable host: exit %d, rows %+v", r.code, rows)
	}
}

// TestCertsViaHost checks a TLS port from the host itself, through its
// real sshd connection: the row is the certificate's, and the host's sshd
// saw a login only with --via host. A host whose SSH is down gives an ERROR
// row for its endpoint.
func TestCertsViaHost(t *testing.T) {
	ca := newTestCA(t, "Via CA")
	caFile := writeCA(t, ca)
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	now := time.Now()
	var port string
	for try := 0; port == "" && try < 20; try++ {
		p := strconv.Itoa(freePort(t, h.Addr))
		if listenTLSOn(t, net.JoinHostPort(h.Addr, p), issue(t, &ca, h.Name, now.Add(-time.Hour), now.AddDate(0, 0, 90))) == nil {
			port = p
		}
	}
	for _, via := range []string{"host", "controller"} {
		before := h.Accepted()
		r := execDrover(t, nil, "certs", "-i", lab.Inventory, h.Name, "--port", port, "--ca-file", caFile, "--via", via, "--format", "json")
		rows := parseCertRows(t, r.stdout)
		if r.code != 0 || len(rows) != 1 || rows[0].Status != "OK" || rows[0].Endpoint != net.JoinHostPort(h.Addr, port) {
			t.Errorf("--via %s: exit %d, rows %+v\n%s", via, r.code, rows, r.stderr)
		}
		logins := h.Accepted() - before
		if want := map[string]int{"host": 1, "controller": 0}[via]; logins != want {
			t.Errorf("--via %s: the host's sshd accepted %d logins, want %d", via, logins, want)
		}
	}
	down := "127.0.0.1:" + strconv.Itoa(freePort(t, "127.0.0.1")) + ","
	r := execDrover(t, nil, "certs", "-i", down, "--port", port, "--via", "host", "--format", "json", "-T", "2")
	rows := parseCertRows(t, r.stdout)
	if r.code != 3 || len(rows) != 1 || rows[0].Status != "ERROR" || !strings.Contains(rows[0].Reason, "unreachable") ||
		!strings.HasSuffix(rows[0].Endpoint, ":"+port) {
		t.Errorf("unreachable host: exit %d, rows %+v", r.code, rows)
	}
}

func TestCertsUsage(t *testing.T) {
	inv := filepath.Join(t.TempDir(), "inv.ini")
	must(t, os.WriteFile(inv, []byte("box ansible_connection=local\n"), 0o644))
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--format", "xml"}, 5, `--format "xml": expected table, json or csv`},
		{[]string{"--port", "70000"}, 5, "--port 70000: not a port number"},
		{[]string{"--warn", "-1"}, 5, "must not be negative"},
		{[]string{"--via", "jump"}, 5, `--via "jump": expected controller or host`},
		{[]string{"--ca-file", "/nonexistent/ca.pem"}, 4, "ca_file: open /nonexistent/ca.pem"},
		{[]string{"a", "b"}, 5, "accepts at most 1 arg"},
	}
	for _, tc := range cases {
		r := execDrover(t, nil, append([]string{"certs", "-i", inv}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.msg)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCertsServerName: with short inventory names, --server-name is
// templated per host, drover_tls_server_name names a host's certificate,
// and an ansible_host that is a DNS name is the default name.
func TestCertsServerName(t *testing.T) {
	ca := newTestCA(t, "Names CA")
	now := time.Now()
	caFile := writeCA(t, ca)
	hosts := []certHost{
		{name: "web01", cert: func() tls.Certificate { return issue(t, &ca, "web01.lab", now.Add(-time.Hour), now.AddDate(0, 0, 200)) }},
		{name: "web02", cert: func() tls.Certificate { return issue(t, &ca, "web02.lab", now.Add(-time.Hour), now.AddDate(0, 0, 200)) }},
	}
	inv, port := certFleet(t, hosts)
	r := execDrover(t, nil, "certs", "-i", inv, "--port", port, "--ca-file", caFile, "--server-name", "{{ inventory_hostname }}.lab")
	if r.code != 0 || !strings.Contains(r.stdout, "2 certificates · 2 OK") {
		t.Errorf("templated --server-name: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = execDrover(t, nil, "certs", "-i", inv, "--port", port, "--ca-file", caFile)
	if r.code != 2 || !strings.Contains(r.stdout, "2 NAME_MISMATCH") || !strings.Contains(r.stdout, "not web01") {
		t.Errorf("inventory names: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	varInv := filepath.Join(t.TempDir(), "inv.yml")
	body, err := os.ReadFile(inv)
	must(t, err)
	must(t, os.WriteFile(varInv, []byte(string(body)+"  vars:\n    drover_tls_server_name: '{{ inventory_hostname }}.lab'\n"), 0o644))
	r = execDrover(t, nil, "certs", "-i", varInv, "--port", port, "--ca-file", caFile)
	if r.code != 0 || !strings.Contains(r.stdout, "2 certificates · 2 OK") {
		t.Errorf("drover_tls_server_name: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var addr string
	for try := 0; addr == "" && try < 10; try++ {
		a := "127.0.0.1:" + strconv.Itoa(freePort(t, "127.0.0.1"))
		if listenTLSOn(t, a, issue(t, &ca, "localhost", now.Add(-time.Hour), now.AddDate(0, 0, 200))) == nil {
			addr = a
		}
	}
	_, lport, _ := net.SplitHostPort(addr)
	hostInv := filepath.Join(t.TempDir(), "inv")
	must(t, os.WriteFile(hostInv, []byte("web03 ansible_host=localhost\n"), 0o644))
	r = execDrover(t, nil, "certs", "-i", hostInv, "--port", lport, "--ca-file", caFile)
	if r.code != 0 || !strings.Contains(r.stdout, "1 certificate · 1 OK") {
		t.Errorf("ansible_host as name: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCertsEveryProblem: a certificate that is untrusted and about to
// expire shows UNTRUSTED (the worst) and names both problems.
func TestCertsEveryProblem(t *testing.T) {
	now := time.Now()
	hosts := []certHost{{name: "svc.test", cert: func() tls.Certificate { return issue(t, nil, "svc.test", now.Add(-time.Hour), now.AddDate(0, 0, 4)) }}}
	inv, port := certFleet(t, hosts)
	r := execDrover(t, nil, "certs", "-i", inv, "--port", port, "--format", "json")
	rows := parseCertRows(t, r.stdout)
	if r.code != 2 || len(rows) != 1 || rows[0].Status != "UNTRUSTED" ||
		!strings.Contains(rows[0].Reason, "UNTRUSTED: ") || !strings.Contains(rows[0].Reason, "; CRIT: expires in") {
		t.Errorf("exit %d, rows %+v", r.code, rows)
	}
}
