package probe

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Status is the verdict on one certificate.
type Status string

// Certificate verdicts, from the certificate report and the TLS probe.
const (
	StatusOK           Status = "OK"
	StatusWarn         Status = "WARN"          // expires within the warning window
	StatusCrit         Status = "CRIT"          // expires within the critical window
	StatusExpired      Status = "EXPIRED"       // past its not_after
	StatusNotYetValid  Status = "NOT_YET_VALID" // before its not_before
	StatusNameMismatch Status = "NAME_MISMATCH" // not valid for the name checked
	StatusUntrusted    Status = "UNTRUSTED"     // chain does not lead to a trusted root
	StatusError        Status = "ERROR"         // could not be checked
)

// Thresholds are the expiry windows, in days left, below which a
// certificate is WARN or CRIT; zero disables a window.
type Thresholds struct {
	WarnDays     int `json:"warn_days,omitempty"`
	CriticalDays int `json:"critical_days,omitempty"`
}

// Severity is how bad a verdict is; the worst of a report decides its
// exit status (the caller maps it to one).
type Severity int

// Severities, least bad first.
const (
	SeverityOK        Severity = iota
	SeverityWarning            // some certificate in its warning window
	SeverityUnchecked          // some endpoint or file could not be checked
	SeverityCritical           // some certificate CRIT, expired, not yet valid, untrusted or for another name
)

// statusRank orders verdicts from least to most bad, for a row's status.
var statusRank = map[Status]int{StatusOK: 0, StatusWarn: 1, StatusError: 2, StatusCrit: 3, StatusNameMismatch: 4,
	StatusUntrusted: 5, StatusNotYetValid: 6, StatusExpired: 7}

// Severity is the severity of a verdict.
func (s Status) Severity() Severity {
	switch s {
	case StatusOK:
		return SeverityOK
	case StatusWarn:
		return SeverityWarning
	case StatusError:
		return SeverityUnchecked
	}
	return SeverityCritical
}

// problem is one thing wrong with a certificate.
type problem struct {
	status Status
	reason string
}

// classify judges the leaf of a handshake: its dates, its chain, its name
// (when checkName) and its expiry windows. The status is the worst problem
// found; the reason names every one.
func classify(st *TLSState, now time.Time, th Thresholds, checkName bool) (Status, string) {
	return verdict(leafProblems(st, now, th, checkName))
}

// leafProblems lists everything wrong with the leaf of a handshake.
func leafProblems(st *TLSState, now time.Time, th Thresholds, checkName bool) []problem {
	if len(st.Chain) == 0 {
		return []problem{{StatusError, "server presented no certificate"}}
	}
	var ps []problem
	dates, why := validity(st.Leaf, now)
	if dates != StatusOK {
		ps = append(ps, problem{dates, why})
	}
	if !st.ChainVerified && (dates == StatusOK || !st.trustedWhenValid) {
		ps = append(ps, problem{StatusUntrusted, st.ChainError})
	}
	if checkName && !st.NameMatches {
		ps = append(ps, problem{StatusNameMismatch, st.NameError})
	}
	if dates == StatusOK {
		if s, why := expiry(st.Leaf, th); s != StatusOK {
			ps = append(ps, problem{s, why})
		}
	}
	return ps
}

// verdict is the worst status among problems, with every problem's reason
// (each after its status when there are several).
func verdict(ps []problem) (Status, string) {
	worst := StatusOK
	for _, p := range ps {
		if statusRank[p.status] > statusRank[worst] {
			worst = p.status
		}
	}
	if len(ps) == 1 {
		return worst, ps[0].reason
	}
	reasons := make([]string, len(ps))
	for i, p := range ps {
		reasons[i] = string(p.status) + ": " + p.reason
	}
	return worst, strings.Join(reasons, "; ")
}

// validity judges the validity period of c at time now.
func validity(c CertInfo, now time.Time) (Status, string) {
	switch {
	case now.After(c.NotAfter):
		ago := days(-c.DaysLeft) + " ago"
		if c.DaysLeft == 0 {
			ago = "less than a day ago"
		}
		return StatusExpired, fmt.Sprintf("expired %s (not_after %s)", ago, c.NotAfter.Format(time.RFC3339))
	case now.Before(c.NotBefore):
		return StatusNotYetValid, "not valid before " + c.NotBefore.Format(time.RFC3339)
	}
	return StatusOK, ""
}

// expiry judges the days left of a valid certificate against th.
func expiry(c CertInfo, th Thresholds) (Status, string) {
	switch {
	case th.CriticalDays > 0 && c.DaysLeft < th.CriticalDays:
		return StatusCrit, fmt.Sprintf("expires in %s (critical below %d)", days(c.DaysLeft), th.CriticalDays)
	case th.WarnDays > 0 && c.DaysLeft < th.WarnDays:
		return StatusWarn, fmt.Sprintf("expires in %s (warning below %d)", days(c.DaysLeft), th.WarnDays)
	}
	return StatusOK, ""
}

// days is n with its unit: "1 day", "5 days".
func days(n int) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d day", n)
	}
	return fmt.Sprintf("%d days", n)
}

// Row is one line of the certificate report: one certificate of one
// endpoint or file, or an endpoint or file that could not be checked.
type Row struct {
	Host string `json:"host"`
	// Endpoint is the host:port dialled, or Path the file read.
	Endpoint string `json:"endpoint,omitempty"`
	Path     string `json:"path,omitempty"`
	// Index is the certificate's place in the chain presented (0 the
	// leaf) or in the file.
	Index     int       `json:"index"`
	Subject   string    `json:"subject,omitempty"`
	SANs      []string  `json:"sans,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
	Serial    string    `json:"serial,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	DaysLeft  *int      `json:"days_left,omitempty"`
	Status    Status    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
}

// certRow fills the certificate columns of a row from c.
func certRow(host string, index int, c CertInfo) Row {
	days := c.DaysLeft
	return Row{
		Host: host, Index: index, Subject: c.Subject, SANs: c.SANs, Issuer: c.Issuer,
		Serial: c.Serial, NotBefore: c.NotBefore, NotAfter: c.NotAfter, DaysLeft: &days,
	}
}

// EndpointRows turns the TLS probe of one endpoint into report rows: one for
// the leaf, judged on its dates, chain, name and expiry, and one for each
// other certificate presented whose own dates or expiry are not OK. err is
// the probe's error; without a certificate it makes an ERROR row.
func EndpointRows(host, endpoint string, res TLSResult, err error, th Thresholds, now time.Time) []Row {
	if len(res.Chain) == 0 {
		reason := "no certificate"
		if err != nil {
			reason = err.Error()
		}
		return []Row{{Host: host, Endpoint: endpoint, Status: StatusError, Reason: reason}}
	}
	leaf := certRow(host, 0, res.Leaf)
	leaf.Endpoint = endpoint
	leaf.Status, leaf.Reason = classify(&res.TLSState, now, th, true)
	rows := []Row{leaf}
	for i, c := range res.Chain[1:] {
		status, reason := validity(c, now)
		if status == StatusOK {
			status, reason = expiry(c, th)
		}
		if status == StatusOK {
			continue
		}
		r := certRow(host, i+1, c)
		r.Endpoint, r.Status, r.Reason = endpoint, status, reason
		rows = append(rows, r)
	}
	return rows
}

// FileRows turns one certificate file into report rows, one per certificate
// it holds, judged on dates and expiry only. readErr (the file could not be
// read) or a file that holds no certificate makes an ERROR row; a PEM file
// of other blocks only (a private key) makes none.
func FileRows(host, path string, data []byte, readErr error, th Thresholds, now time.Time) []Row {
	errRow := func(reason string) []Row {
		return []Row{{Host: host, Path: path, Status: StatusError, Reason: reason}}
	}
	if readErr != nil {
		return errRow(oneLine(readErr.Error()))
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return errRow(oneLine(err.Error()))
	}
	rows := make([]Row, 0, len(certs))
	for i, c := range certs {
		info := certInfo(c, now)
		r := certRow(host, i, info)
		r.Path = path
		if r.Status, r.Reason = validity(info, now); r.Status == StatusOK {
			r.Status, r.Reason = expiry(info, th)
		}
		rows = append(rows, r)
	}
	return rows
}

// ParseCertificates reads the certificates of a PEM bundle (CERTIFICATE and
// TRUSTED CERTIFICATE blocks; other blocks are skipped) or of DER data (one
// or more certificates back to back). PEM data with no certificate block
// yields none and no error.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, errors.New("neither PEM nor DER certificates: " + firstLine(err.Error()))
		}
		return certs, nil
	}
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return certs, nil
		}
		der := block.Bytes
		switch block.Type {
		case "CERTIFICATE":
		case "TRUSTED CERTIFICATE":
			// OpenSSL's form: the certificate followed by its trust settings.
			var first asn1.RawValue
			if _, err := asn1.Unmarshal(der, &first); err == nil {
				der = first.FullBytes
			}
		default:
			continue
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return certs, fmt.Errorf("PEM block %d: %w", n, err)
		}
		certs = append(certs, c)
	}
}

// SortRows orders rows soonest expiry first; rows without a certificate
// (ERROR) come last, then by host and endpoint or path.
func SortRows(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(boolInt(a.NotAfter.IsZero()), boolInt(b.NotAfter.IsZero())); c != 0 {
			return c
		}
		return cmp.Or(a.NotAfter.Compare(b.NotAfter), cmp.Compare(a.Host, b.Host),
			cmp.Compare(a.Endpoint+a.Path, b.Endpoint+b.Path), cmp.Compare(a.Index, b.Index))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WorstSeverity is the severity of a report: that of its worst row.
func WorstSeverity(rows []Row) Severity {
	worst := SeverityOK
	for _, r := range rows {
		worst = max(worst, r.Status.Severity())
	}
	return worst
}

// Report formats.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// WriteReport writes rows to w as a table, JSON (an array of rows) or CSV.
func WriteReport(w io.Writer, rows []Row, format string) error {
	switch format {
	case FormatTable, "":
		return writeTable(w, rows)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if rows == nil {
			rows = []Row{}
		}
		return enc.Encode(rows)
	case FormatCSV:
		return writeCSV(w, rows)
	}
	return fmt.Errorf("format %q: expected table, json or csv", format)
}

// writeTable writes aligned columns, one row per certificate.
func writeTable(w io.Writer, rows []Row) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tDAYS\tNOT AFTER\tHOST\tENDPOINT/PATH\tSUBJECT/SANS\tISSUER\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Status, r.days(), r.notAfter(), r.Host,
			r.where(), r.names(), dnField(r.Issuer, "CN"), r.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

// writeCSV writes a header and one record per row.
func writeCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"host", "endpoint", "path", "index", "subject", "sans", "issuer", "serial",
		"not_before", "not_after", "days_left", "status", "reason"})
	for _, r := range rows {
		_ = cw.Write([]string{r.Host, r.Endpoint, r.Path, strconv.Itoa(r.Index), r.Subject,
			strings.Join(r.SANs, " "), r.Issuer, r.Serial, timeField(r.NotBefore), timeField(r.NotAfter),
			r.days(), string(r.Status), r.Reason})
	}
	cw.Flush()
	return cw.Error()
}

// days is the days-left column, empty without a certificate.
func (r Row) days() string {
	if r.DaysLeft == nil {
		return ""
	}
	return strconv.Itoa(*r.DaysLeft)
}

// notAfter is the expiry date column.
func (r Row) notAfter() string {
	if r.NotAfter.IsZero() {
		return "-"
	}
	return r.NotAfter.Format("2006-01-02")
}

// where names the endpoint or file, with the place of a certificate that is
// not the first.
func (r Row) where() string {
	w := cmp.Or(r.Endpoint, r.Path)
	if r.Index > 0 {
		w += "#" + strconv.Itoa(r.Index)
	}
	return w
}

// names is the subject's common name and the SANs, shortened to three.
func (r Row) names() string {
	cn := dnField(r.Subject, "CN")
	names := slices.DeleteFunc(slices.Clone(r.SANs), func(s string) bool { return s == cn })
	if cn != "" {
		names = append([]string{cn}, names...)
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("+%d", len(names)-3))
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ",")
}

// dnField is one attribute of a distinguished name in RFC 2253 form, or the
// whole name when it lacks that attribute.
func dnField(dn, attr string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(part, attr+"="); ok {
			return v
		}
	}
	return dn
}

// timeField formats t for CSV, empty when zero.
func timeField(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// Endpoint is one TLS endpoint of the certificate report.
type Endpoint struct {
	// Host names the inventory host the endpoint belongs to.
	Host string
	// Address is the host:port dialled.
	Address string
	// ServerName is sent as SNI and checked against the certificate.
	ServerName string
	// Origin is where the endpoint is dialled from (the controller when zero).
	Origin Origin
}

// ScanOptions configure ScanEndpoints.
type ScanOptions struct {
	// Concurrency is the number of endpoints probed at once (32 when zero).
	Concurrency int
	// Timeout bounds each endpoint (DefaultTimeout when zero).
	Timeout   time.Duration
	IPVersion IPVersion
	// TLSClient gives the roots (CAFile or RootCAs, else the system's) and
	// client certificate; its ServerName and MinVersion are not used.
	TLSClient
	Thresholds
	// Now is the time certificates are judged at; the current time when zero.
	Now time.Time
	// Checked, when set, is called as each endpoint is done (from several
	// goroutines at once).
	Checked func(Endpoint)
}

// ScanEndpoints probes every endpoint, Concurrency at a time, and returns
// their report rows, sorted. A bad CAFile fails before anything is dialled.
func ScanEndpoints(ctx context.Context, eps []Endpoint, opts ScanOptions) ([]Row, error) {
	client := opts.TLSClient
	client.ServerName, client.MinVersion, client.Insecure = "", "", false
	if client.RootCAs == nil && client.CAFile != "" {
		pool, err := loadCAFile(client.CAFile)
		if err != nil {
			return nil, err
		}
		client.RootCAs = pool
	}
	now := nowOr(opts.Now)
	results := make([][]Row, len(eps))
	work := make(chan int)
	var wg sync.WaitGroup
	for range cmp.Or(opts.Concurrency, 32) {
		wg.Go(func() {
			for i := range work {
				results[i] = scanOne(ctx, eps[i], client, opts, now)
				if opts.Checked != nil {
					opts.Checked(eps[i])
				}
			}
		})
	}
	for i := range eps {
		work <- i
	}
	close(work)
	wg.Wait()
	rows := slices.Concat(results...)
	SortRows(rows)
	return rows, nil
}

// scanOne probes one endpoint and judges it.
func scanOne(ctx context.Context, ep Endpoint, client TLSClient, opts ScanOptions, now time.Time) []Row {
	client.ServerName = ep.ServerName
	res, err := TLS(ctx, ep.Origin, TLSOptions{
		Target: ep.Address, Timeout: opts.Timeout, IPVersion: opts.IPVersion,
		TLSClient: client, Thresholds: opts.Thresholds, Now: now,
	})
	return EndpointRows(ep.Host, ep.Address, res, err, opts.Thresholds, now)
}
