package probe

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/pem"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestScanEndpointsStatuses scans, for each status, a fleet of one healthy
// endpoint and one endpoint in that status, and checks the rows and the
// report's exit status.
func TestScanEndpointsStatuses(t *testing.T) {
	p := newPKI(t)
	healthy := serveTLS(t, p.leaf(t, leafSpec{names: []string{"ok.test"}}), nil)
	shortInter := makeCA(t, "Short Intermediate CA", &p.root, testNow.Add(5*day))
	cases := []struct {
		name       string
		spec       leafSpec
		addr       string // instead of a server made from spec
		wantStatus []Status
		wantReason string
		wantExit   Severity
	}{
		{name: "OK", spec: leafSpec{names: []string{"svc.test"}}, wantStatus: []Status{StatusOK}, wantExit: SeverityOK},
		{name: "WARN", spec: leafSpec{names: []string{"svc.test"}, until: testNow.Add(20 * day)},
			wantStatus: []Status{StatusWarn}, wantReason: "expires in 20 days (warning below 30)", wantExit: SeverityWarning},
		{name: "CRIT", spec: leafSpec{names: []string{"svc.test"}, until: testNow.Add(10 * day)},
			wantStatus: []Status{StatusCrit}, wantReason: "expires in 10 days (critical below 14)", wantExit: SeverityCritical},
		{name: "EXPIRED", spec: leafSpec{names: []string{"svc.test"}, from: testNow.Add(-60 * day), until: testNow.Add(-2 * day)},
			wantStatus: []Status{StatusExpired}, wantReason: "expired 2 days ago", wantExit: SeverityCritical},
		{name: "NOT_YET_VALID", spec: leafSpec{names: []string{"svc.test"}, from: testNow.Add(day), until: testNow.Add(90 * day)},
			wantStatus: []Status{StatusNotYetValid}, wantReason: "not valid before", wantExit: SeverityCritical},
		{name: "NAME_MISMATCH", spec: leafSpec{names: []string{"other.test"}},
			wantStatus: []Status{StatusNameMismatch}, wantReason: "valid for other.test, not svc.test", wantExit: SeverityCritical},
		{name: "UNTRUSTED self-signed", spec: leafSpec{names: []string{"svc.test"}, selfSigned: true},
			wantStatus: []Status{StatusUntrusted}, wantReason: "unknown authority", wantExit: SeverityCritical},
		{name: "UNTRUSTED missing intermediate", spec: leafSpec{names: []string{"svc.test"}, dropInter: true},
			wantStatus: []Status{StatusUntrusted}, wantReason: "unknown authority", wantExit: SeverityCritical},
		{name: "intermediate about to expire", spec: leafSpec{names: []string{"svc.test"}, issuer: &shortInter},
			wantStatus: []Status{StatusCrit, StatusOK}, wantReason: "expires in 5 days (critical below 14)", wantExit: SeverityCritical},
		{name: "ERROR", addr: closedPort(t), wantStatus: []Status{StatusError}, wantReason: "connection refused", wantExit: SeverityUnchecked},
		{name: "UNTRUSTED and CRIT", spec: leafSpec{names: []string{"svc.test"}, selfSigned: true, until: testNow.Add(4 * day)},
			wantStatus: []Status{StatusUntrusted}, wantReason: "UNTRUSTED: x509: certificate signed by unknown authority; CRIT: expires in 4 days (critical below 14)", wantExit: SeverityCritical},
		{name: "NAME_MISMATCH and WARN", spec: leafSpec{names: []string{"other.test"}, until: testNow.Add(20 * day)},
			wantStatus: []Status{StatusNameMismatch}, wantReason: "NAME_MISMATCH: x509: certificate is valid for other.test, not svc.test; WARN: expires in 20 days", wantExit: SeverityCritical},
		{name: "EXPIRED rounds toward zero", spec: leafSpec{names: []string{"svc.test"}, from: testNow.Add(-60 * day), until: testNow.Add(-3*day - 6*time.Minute)},
			wantStatus: []Status{StatusExpired}, wantReason: "expired 3 days ago", wantExit: SeverityCritical},
		{name: "EXPIRED and UNTRUSTED", spec: leafSpec{names: []string{"svc.test"}, selfSigned: true, from: testNow.Add(-60 * day), until: testNow.Add(-2 * day)},
			wantStatus: []Status{StatusExpired}, wantReason: "EXPIRED: expired 2 days ago", wantExit: SeverityCritical},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.addr
			if addr == "" {
				addr = serveTLS(t, p.leaf(t, tc.spec), nil)
			}
			rows, err := ScanEndpoints(context.Background(), []Endpoint{
				{Host: "web1", Address: healthy, ServerName: "ok.test"},
				{Host: "web2", Address: addr, ServerName: "svc.test"},
			}, ScanOptions{TLSClient: TLSClient{RootCAs: p.roots}, Thresholds: Thresholds{WarnDays: 30, CriticalDays: 14}, Now: testNow})
			wantErr(t, err, "")
			var got []Status
			for _, r := range rows {
				if r.Host == "web2" {
					got = append(got, r.Status)
					if r.Status != StatusOK && !strings.Contains(r.Reason, tc.wantReason) {
						t.Errorf("reason %q does not contain %q", r.Reason, tc.wantReason)
					}
				}
			}
			eq(t, "web2 statuses", fmt.Sprint(got), fmt.Sprint(tc.wantStatus))
			eq(t, "severity", WorstSeverity(rows), tc.wantExit)
		})
	}
}

func TestScanEndpointsCAFile(t *testing.T) {
	p := newPKI(t)
	addr := serveTLS(t, p.leaf(t, leafSpec{names: []string{"svc.test"}}), nil)
	caFile := writePEM(t, t.TempDir(), "ca.pem", [][]byte{p.root.cert.Raw}, nil)
	eps := []Endpoint{{Host: "web1", Address: addr, ServerName: "svc.test"}}
	rows, err := ScanEndpoints(context.Background(), eps, ScanOptions{TLSClient: TLSClient{CAFile: caFile}})
	wantErr(t, err, "")
	eq(t, "status", rows[0].Status, StatusOK)
	_, err = ScanEndpoints(context.Background(), eps, ScanOptions{TLSClient: TLSClient{CAFile: "/nonexistent.pem"}})
	wantErr(t, err, "ca_file: open /nonexistent.pem")
}

func TestWorstSeverity(t *testing.T) {
	cases := []struct {
		statuses []Status
		want     Severity
	}{
		{nil, SeverityOK},
		{[]Status{StatusOK, StatusOK}, SeverityOK},
		{[]Status{StatusOK, StatusWarn}, SeverityWarning},
		{[]Status{StatusWarn, StatusError}, SeverityUnchecked},
		{[]Status{StatusError, StatusCrit, StatusWarn}, SeverityCritical},
		{[]Status{StatusExpired}, SeverityCritical},
		{[]Status{StatusNotYetValid}, SeverityCritical},
		{[]Status{StatusNameMismatch}, SeverityCritical},
		{[]Status{StatusUntrusted, StatusError}, SeverityCritical},
	}
	for _, tc := range cases {
		rows := make([]Row, len(tc.statuses))
		for i, s := range tc.statuses {
			rows[i].Status = s
		}
		eq(t, fmt.Sprint(tc.statuses), WorstSeverity(rows), tc.want)
	}
}

func TestFileRows(t *testing.T) {
	p := newPKI(t)
	leaf := p.leaf(t, leafSpec{names: []string{"svc.test"}})
	expired := p.leaf(t, leafSpec{names: []string{"old.test"}, from: testNow.Add(-90 * day), until: testNow.Add(-day)})
	pemOf := func(ders ...[]byte) []byte {
		var b []byte
		for _, d := range ders {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
		}
		return b
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	trustAux, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}})
	trusted := pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: append(append([]byte{}, p.root.cert.Raw...), trustAux...)})
	cases := []struct {
		name     string
		data     []byte
		readErr  error
		want     []Status
		subjects string
		reason   string
	}{
		{name: "PEM bundle", data: pemOf(leaf.Certificate...), want: []Status{StatusOK, StatusOK},
			subjects: "CN=svc.test,O=Drover Tests;CN=Test Intermediate CA,O=Drover Tests"},
		{name: "PEM with key and text around", data: append(append([]byte("subject=svc\n"), pemOf(leaf.Certificate[0])...), keyPEM...),
			want: []Status{StatusOK}, subjects: "CN=svc.test,O=Drover Tests"},
		{name: "expired PEM", data: pemOf(expired.Certificate[0]), want: []Status{StatusExpired}, reason: "expired 1 day ago"},
		{name: "DER", data: leaf.Certificate[0], want: []Status{StatusOK}, subjects: "CN=svc.test,O=Drover Tests"},
		{name: "DER back to back", data: append(append([]byte{}, leaf.Certificate[0]...), leaf.Certificate[1]...), want: []Status{StatusOK, StatusOK}},
		{name: "OpenSSL trusted certificate", data: trusted, want: []Status{StatusOK}, subjects: "CN=Test Root CA,O=Drover Tests"},
		{name: "key only", data: keyPEM, want: nil},
		{name: "garbage", data: []byte("hello\x00world"), want: []Status{StatusError}, reason: "neither PEM nor DER certificates"},
		{name: "corrupt PEM block", data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x01}}),
			want: []Status{StatusError}, reason: "PEM block 1: x509: malformed certificate"},
		{name: "unreadable", readErr: &fs.PathError{Op: "open", Path: "/etc/ssl/private/x.pem", Err: fs.ErrPermission},
			want: []Status{StatusError}, reason: "open /etc/ssl/private/x.pem: permission denied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows := FileRows("web1", "/etc/ssl/x.pem", tc.data, tc.readErr, Thresholds{WarnDays: 30, CriticalDays: 7}, testNow)
			var got []Status
			var subjects []string
			for _, r := range rows {
				got = append(got, r.Status)
				subjects = append(subjects, r.Subject)
				eq(t, "path", r.Path, "/etc/ssl/x.pem")
				if tc.reason != "" && !strings.Contains(r.Reason, tc.reason) {
					t.Errorf("reason %q does not contain %q", r.Reason, tc.reason)
				}
			}
			eq(t, "statuses", fmt.Sprint(got), fmt.Sprint(tc.want))
			if tc.subjects != "" {
				eq(t, "subjects", strings.Join(subjects, ";"), tc.subjects)
			}
		})
	}
}

// reportRows is a fixed report covering every status.
func reportRows() []Row {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	days := func(n int) *int { return &n }
	mk := func(host, ep, path string, idx int, cn string, sans []string, d int, s Status, reason string) Row {
		return Row{Host: host, Endpoint: ep, Path: path, Index: idx, Subject: "CN=" + cn + ",O=Drover Tests", SANs: sans,
			Issuer: "CN=Test Intermediate CA,O=Drover Tests", Serial: "0A:1B", NotBefore: at.AddDate(0, 0, -30),
			NotAfter: at.Add(time.Duration(d) * day), DaysLeft: days(d), Status: s, Reason: reason}
	}
	return []Row{
		mk("web1", "10.0.0.1:443", "", 0, "web1.test", []string{"web1.test", "www.test", "api.test", "static.test"}, 200, StatusOK, ""),
		mk("web2", "10.0.0.2:443", "", 0, "web2.test", []string{"web2.test"}, 20, StatusWarn, "expires in 20 days (warning below 30)"),
		mk("web2", "10.0.0.2:443", "", 1, "Short CA", nil, 5, StatusCrit, "expires in 5 days (critical below 14)"),
		mk("db1", "", "/etc/ssl/db.pem", 0, "db1.test", []string{"db1.test"}, -3, StatusExpired, "expired 3 days ago (not_after 2029-12-29T00:00:00Z)"),
		mk("web3", "10.0.0.3:8443", "", 0, "other.test", []string{"other.test"}, 90, StatusNameMismatch, "x509: certificate is valid for other.test, not web3.test"),
		{Host: "web4", Endpoint: "10.0.0.4:443", Status: StatusError, Reason: "connect from controller: dial tcp4 10.0.0.4:443: connect: connection refused"},
	}
}

func TestWriteReport(t *testing.T) {
	for _, format := range []string{FormatTable, FormatJSON, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			rows := reportRows()
			SortRows(rows)
			var buf bytes.Buffer
			if err := WriteReport(&buf, rows, format); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "report."+format), buf.Bytes())
		})
	}
	wantErr(t, WriteReport(&bytes.Buffer{}, nil, "xml"), `format "xml": expected table, json or csv`)
	var empty bytes.Buffer
	wantErr(t, WriteReport(&empty, nil, FormatJSON), "")
	eq(t, "empty JSON report", empty.String(), "[]\n")
}

func TestSortRows(t *testing.T) {
	rows := reportRows()
	SortRows(rows)
	var order []string
	for _, r := range rows {
		order = append(order, string(r.Status))
	}
	eq(t, "order", strings.Join(order, ","), "EXPIRED,CRIT,WARN,NAME_MISMATCH,OK,ERROR")
}

// golden compares got with the file at path, rewriting it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
