package probe

// The DNS probe is built on github.com/miekg/dns v1 rather than its
// successor codeberg.org/miekg/dns: v1 is stable (its API is frozen and it
// still gets fixes), it already serves drover's tests as the DNS server, and
// it lets a query run over any net.Conn, which `via: host` needs; the
// successor is still at v0.x and changes its API between releases.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DNSOptions configure a DNS probe.
type DNSOptions struct {
	// Name is the name queried; for type PTR an IP address is turned into
	// its reverse name.
	Name string `json:"name"`
	// Type (A when empty) and Class (IN when empty) of the query.
	Type  string `json:"type,omitempty"`
	Class string `json:"class,omitempty"`
	// Server is host or host:port (port 53, or 853 for tls). When empty the
	// nameservers of ResolvConf on the origin are tried in order.
	Server string `json:"server,omitempty"`
	// ResolvConf is the resolver configuration read on the origin when
	// Server is empty; /etc/resolv.conf when empty.
	ResolvConf string `json:"resolv_conf,omitempty"`
	// Transport is udp (the default), tcp or tls (DNS over TLS). Through a
	// host only tcp and tls work: SSH forwards TCP only.
	Transport string `json:"transport,omitempty"`
	// Recursion sets the RD flag; true when nil.
	Recursion *bool `json:"recursion,omitempty"`
	// ValidRcodes are the response codes that pass; NOERROR when empty.
	ValidRcodes []string `json:"valid_rcodes,omitempty"`
	// Checks on the sections of the response.
	Answer     *SectionCheck `json:"answer,omitempty"`
	Authority  *SectionCheck `json:"authority,omitempty"`
	Additional *SectionCheck `json:"additional,omitempty"`
	Timeout    time.Duration `json:"-"`
	IPVersion  IPVersion     `json:"ip_version,omitempty"`
	// TLSClient configures transport tls.
	TLSClient `json:"tls_config"`
}

// SectionCheck checks one section of a DNS response.
type SectionCheck struct {
	// Contains: each value must be the value of some record (compared
	// without case and trailing dot; TXT strings joined).
	Contains []string `json:"contains,omitempty"`
	// Matches: each regular expression must match some record's zone-file
	// line (name, TTL, class, type and value, tab-separated).
	Matches []string `json:"matches,omitempty"`
	// NotMatches: no record's line may match any of these.
	NotMatches []string `json:"not_matches,omitempty"`
	// Count, when set, is the exact number of records.
	Count *int `json:"count,omitempty"`
}

// Record is one resource record of a response.
type Record struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Class string `json:"class"`
	TTL   uint32 `json:"ttl"`
	Value string `json:"value"`

	line string
}

// DNSResult is what a DNS probe found.
type DNSResult struct {
	Server        string   `json:"server"`
	Transport     string   `json:"transport"`
	Rcode         string   `json:"rcode"`
	Authoritative bool     `json:"authoritative"`
	Truncated     bool     `json:"truncated"`
	Answer        []Record `json:"answer"`
	Authority     []Record `json:"authority"`
	Additional    []Record `json:"additional"`
	Duration      Duration `json:"duration"`
}

// DNS sends one query and checks the response.
func DNS(ctx context.Context, o Origin, opts DNSOptions) (DNSResult, error) {
	ctx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	res := DNSResult{Transport: strings.ToLower(cmpOr(opts.Transport, "udp"))}
	msg, err := opts.query()
	if err != nil {
		return res, fail(ctx, err)
	}
	if err := opts.checkTransport(o, res.Transport); err != nil {
		return res, fail(ctx, err)
	}
	servers, err := opts.servers(ctx, o, res.Transport)
	if err != nil {
		return res, fail(ctx, err)
	}
	var resp *dns.Msg
	var errs []string
	for _, server := range servers {
		res.Server = server
		resp, err = opts.exchange(ctx, o, server, &res, msg)
		if err == nil {
			break
		}
		errs = append(errs, err.Error())
		if ctx.Err() != nil {
			break
		}
	}
	if resp == nil {
		return res, fail(ctx, errors.New(strings.Join(errs, "; ")))
	}
	res.fill(resp)
	return res, fail(ctx, opts.check(&res))
}

// query builds the DNS message of the options.
func (opts DNSOptions) query() (*dns.Msg, error) {
	qtype, ok := dns.StringToType[strings.ToUpper(cmpOr(opts.Type, "A"))]
	if !ok {
		return nil, fmt.Errorf("type %q: expected A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA or another record type", opts.Type)
	}
	qclass, ok := dns.StringToClass[strings.ToUpper(cmpOr(opts.Class, "IN"))]
	if !ok {
		return nil, fmt.Errorf("class %q: expected IN, CH, HS or ANY", opts.Class)
	}
	if opts.Name == "" {
		return nil, errors.New("name is required")
	}
	name := dns.Fqdn(opts.Name)
	if qtype == dns.TypePTR && net.ParseIP(opts.Name) != nil {
		name, _ = dns.ReverseAddr(opts.Name)
	}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.Question[0].Qclass = qclass
	m.RecursionDesired = opts.Recursion == nil || *opts.Recursion
	m.SetEdns0(1232, false)
	return m, nil
}

// checkTransport refuses transports the origin cannot carry.
func (opts DNSOptions) checkTransport(o Origin, transport string) error {
	switch transport {
	case "udp":
		if o.viaHost() {
			return fmt.Errorf("transport udp is impossible via host %s: SSH forwards TCP only (direct-tcpip); use transport tcp or tls", o.label())
		}
	case "tcp", "tls":
	default:
		return fmt.Errorf("transport %q: expected udp, tcp or tls", transport)
	}
	return nil
}

// servers are the host:port addresses to query, in order.
func (opts DNSOptions) servers(ctx context.Context, o Origin, transport string) ([]string, error) {
	port := "53"
	if transport == "tls" {
		port = "853"
	}
	if opts.Server != "" {
		return []string{withPort(opts.Server, port)}, nil
	}
	path := cmpOr(opts.ResolvConf, "/etc/resolv.conf")
	data, err := o.readFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("no server given and %s on %s unreadable: %w", path, o.label(), err)
	}
	conf, err := dns.ClientConfigFromReader(bytes.NewReader(data))
	if err != nil || len(conf.Servers) == 0 {
		return nil, fmt.Errorf("no server given and no nameserver in %s on %s", path, o.label())
	}
	out := make([]string, len(conf.Servers))
	for i, s := range conf.Servers {
		out[i] = withPort(s, port)
	}
	return out, nil
}

// readFile reads a file on the origin: the controller's file system, or
// the host's through its connection.
func (o Origin) readFile(ctx context.Context, path string) ([]byte, error) {
	if !o.viaHost() {
		return os.ReadFile(path)
	}
	var buf bytes.Buffer
	err := o.Host.Get(ctx, path, &buf)
	return buf.Bytes(), err
}

// withPort adds port to a server given without one.
func withPort(server, port string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(strings.Trim(server, "[]"), port)
}

// exchange sends msg to server and reads the response, retrying over TCP
// when a UDP response comes back truncated.
func (opts DNSOptions) exchange(ctx context.Context, o Origin, server string, res *DNSResult, msg *dns.Msg) (*dns.Msg, error) {
	resp, rtt, err := opts.exchangeOver(ctx, o, server, res.Transport, msg)
	res.Duration += Duration(rtt)
	if err == nil && resp.Truncated && res.Transport == "udp" {
		res.Truncated, res.Transport = true, "tcp"
		resp, rtt, err = opts.exchangeOver(ctx, o, server, "tcp", msg)
		res.Duration += Duration(rtt)
	}
	if err != nil && (ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) {
		return nil, fmt.Errorf("no answer from %s over %s: timed out", server, res.Transport)
	}
	if err != nil {
		return nil, fmt.Errorf("no answer from %s over %s: %w", server, res.Transport, err)
	}
	return resp, nil
}

// exchangeOver runs one query over one transport.
func (opts DNSOptions) exchangeOver(ctx context.Context, o Origin, server, transport string, msg *dns.Msg) (*dns.Msg, time.Duration, error) {
	start := time.Now()
	conn, err := opts.dial(ctx, o, server, transport)
	if err != nil {
		return nil, time.Since(start), err
	}
	defer conn.Close()
	client := &dns.Client{Timeout: DefaultTimeout}
	if deadline, ok := ctx.Deadline(); ok {
		client.Timeout = time.Until(deadline)
	}
	resp, _, err := client.ExchangeWithConnContext(ctx, msg, &dns.Conn{Conn: conn})
	return resp, time.Since(start), err
}

// dial opens the connection a query travels over.
func (opts DNSOptions) dial(ctx context.Context, o Origin, server, transport string) (net.Conn, error) {
	if transport == "udp" {
		network := map[IPVersion]string{IPv4: "udp4", IPv6: "udp6"}[opts.IPVersion]
		var nd net.Dialer
		// Not guarded: the DNS client must see a net.PacketConn to use
		// datagrams, and UDP sockets obey the deadlines it sets.
		return nd.DialContext(ctx, cmpOr(network, "udp"), server)
	}
	raw, _, err := o.dialTCP(ctx, server, opts.IPVersion)
	if err != nil {
		return nil, err
	}
	conn := guard(ctx, raw)
	if transport == "tcp" {
		return conn, nil
	}
	return opts.startDoT(ctx, conn, server)
}

// startDoT runs the TLS handshake of DNS over TLS and verifies the server.
func (opts DNSOptions) startDoT(ctx context.Context, conn net.Conn, server string) (net.Conn, error) {
	cfg, err := opts.clientConfig(hostOf(server))
	if err != nil {
		conn.Close()
		return nil, err
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	now := time.Now()
	st := inspect(tc.ConnectionState(), cfg.RootCAs, cfg.ServerName, now)
	status, reason := classify(&st, now, Thresholds{}, true)
	if err := opts.judge(&st, status, reason, Thresholds{}); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// fill copies a response into the result.
func (res *DNSResult) fill(m *dns.Msg) {
	res.Rcode = dns.RcodeToString[m.Rcode]
	res.Authoritative = m.Authoritative
	res.Truncated = res.Truncated || m.Truncated
	res.Answer, res.Authority, res.Additional = records(m.Answer), records(m.Ns), records(m.Extra)
}

// records describes the resource records of a section, leaving out the
// EDNS pseudo-record.
func records(rrs []dns.RR) []Record {
	out := []Record{}
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, Record{
			Name: h.Name, Type: dns.TypeToString[h.Rrtype], Class: dns.ClassToString[h.Class],
			TTL: h.Ttl, Value: rrValue(rr), line: rr.String(),
		})
	}
	return out
}

// rrValue is the data of a record as text; TXT strings are joined unquoted.
func rrValue(rr dns.RR) string {
	if t, ok := rr.(*dns.TXT); ok {
		return strings.Join(t.Txt, "")
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// check applies valid_rcodes and the section checks.
func (opts DNSOptions) check(res *DNSResult) error {
	valid := opts.ValidRcodes
	if len(valid) == 0 {
		valid = []string{"NOERROR"}
	}
	if !slices.ContainsFunc(valid, func(v string) bool { return strings.EqualFold(v, res.Rcode) }) {
		return fmt.Errorf("rcode %s not in valid_rcodes %s", res.Rcode, strings.Join(valid, ","))
	}
	sections := []struct {
		name  string
		check *SectionCheck
		rrs   []Record
	}{{"answer", opts.Answer, res.Answer}, {"authority", opts.Authority, res.Authority}, {"additional", opts.Additional, res.Additional}}
	for _, s := range sections {
		if s.check == nil {
			continue
		}
		if err := s.check.apply(s.rrs); err != nil {
			return fmt.Errorf("%s section: %w", s.name, err)
		}
	}
	return nil
}

// apply checks one section's records.
func (c *SectionCheck) apply(rrs []Record) error {
	if c.Count != nil && len(rrs) != *c.Count {
		return fmt.Errorf("%d records, expected %d", len(rrs), *c.Count)
	}
	for _, want := range c.Contains {
		if !slices.ContainsFunc(rrs, func(r Record) bool { return sameValue(r.Value, want) }) {
			return fmt.Errorf("no record with value %q (values: %s)", want, values(rrs))
		}
	}
	for _, pat := range c.Matches {
		re, err := regexp.Compile(pat)
		if err != nil {
			return fmt.Errorf("matches: %w", err)
		}
		if !slices.ContainsFunc(rrs, func(r Record) bool { return re.MatchString(r.line) }) {
			return fmt.Errorf("no record matches %q (values: %s)", pat, values(rrs))
		}
	}
	for _, pat := range c.NotMatches {
		re, err := regexp.Compile(pat)
		if err != nil {
			return fmt.Errorf("not_matches: %w", err)
		}
		if i := slices.IndexFunc(rrs, func(r Record) bool { return re.MatchString(r.line) }); i >= 0 {
			return fmt.Errorf("record %q matches not_matches %q", oneLine(rrs[i].line), pat)
		}
	}
	return nil
}

// sameValue compares record values without case or trailing dot.
func sameValue(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// values lists the values of records for messages.
func values(rrs []Record) string {
	if len(rrs) == 0 {
		return "none"
	}
	vs := make([]string, len(rrs))
	for i, r := range rrs {
		vs[i] = r.Value
	}
	return strings.Join(vs, ", ")
}

// cmpOr is s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
