package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/drover/drover/transport/local"
)

// testZone is the data the test DNS server answers from, keyed by
// "name type".
var testZone = map[string][]string{
	"example.test. A":             {"example.test. 300 IN A 192.0.2.1", "example.test. 300 IN A 192.0.2.2"},
	"example.test. AAAA":          {"example.test. 300 IN AAAA 2001:db8::1"},
	"www.example.test. CNAME":     {"www.example.test. 60 IN CNAME example.test."},
	"example.test. MX":            {"example.test. 300 IN MX 10 mail.example.test."},
	"example.test. NS":            {"example.test. 3600 IN NS ns1.example.test."},
	"example.test. TXT":           {`example.test. 300 IN TXT "v=spf1 " "-all"`},
	"example.test. SOA":           {"example.test. 3600 IN SOA ns1.example.test. admin.example.test. 2024010101 7200 3600 1209600 300"},
	"example.test. CAA":           {`example.test. 300 IN CAA 0 issue "ca.test"`},
	"_sip._tcp.example.test. SRV": {"_sip._tcp.example.test. 300 IN SRV 10 5 5060 sip.example.test."},
	"1.2.0.192.in-addr.arpa. PTR": {"1.2.0.192.in-addr.arpa. 300 IN PTR example.test."},
}

// dnsHandler answers from testZone; nx.example.test is NXDOMAIN,
// fail.example.test SERVFAIL, rd.example.test tells the RD flag, and
// big.example.test has more TXT data than a UDP answer holds.
func dnsHandler(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	switch q.Name {
	case "nx.example.test.":
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{mustRR(testZone["example.test. SOA"][0])}
	case "fail.example.test.":
		m.Rcode = dns.RcodeServerFailure
	case "rd.example.test.":
		rd := "rd=0"
		if req.RecursionDesired {
			rd = "rd=1"
		}
		m.Answer = []dns.RR{mustRR(`rd.example.test. 0 IN TXT "` + rd + `"`)}
	case "big.example.test.":
		for i := range 60 {
			m.Answer = append(m.Answer, mustRR(`big.example.test. 0 IN TXT "`+strings.Repeat(string(rune('a'+i%26)), 60)+`"`))
		}
	default:
		for _, rr := range testZone[q.Name+" "+dns.TypeToString[q.Qtype]] {
			m.Answer = append(m.Answer, mustRR(rr))
		}
		if q.Qtype == dns.TypeNS {
			m.Extra = []dns.RR{mustRR("ns1.example.test. 3600 IN A 192.0.2.53")}
		}
	}
	if w.LocalAddr().Network() == "udp" {
		size := 512
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

// serveDNS runs the test DNS server over UDP and TCP on one port of ip
// (port 0 picks a free one); it returns host:port. bindErr is returned
// instead when the address cannot be bound.
func serveDNS(t testing.TB, ip string, port int) (string, error) {
	t.Helper()
	for range 20 {
		tcp, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			return "", err
		}
		udp, err := net.ListenPacket("udp", tcp.Addr().String())
		if err != nil {
			tcp.Close()
			if port != 0 {
				return "", err
			}
			continue
		}
		startDNS(t, &dns.Server{Listener: tcp, Handler: dns.HandlerFunc(dnsHandler)})
		startDNS(t, &dns.Server{PacketConn: udp, Handler: dns.HandlerFunc(dnsHandler)})
		return tcp.Addr().String(), nil
	}
	t.Fatal("no port free for both UDP and TCP")
	return "", nil
}

// startDNS serves srv until the test ends.
func startDNS(t testing.TB, srv *dns.Server) {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
}

// serveDoT runs the test DNS server over TLS on 127.0.0.1:0.
func serveDoT(t testing.TB, cert tls.Certificate) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	startDNS(t, &dns.Server{Listener: ln, Net: "tcp-tls", Handler: dns.HandlerFunc(dnsHandler)})
	return ln.Addr().String()
}

// silentUDP is a UDP server that reads queries and never answers.
func silentUDP(t testing.TB) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); errors.Is(err, net.ErrClosed) {
				return
			}
		}
	}()
	return pc.LocalAddr().String()
}

func TestDNSProbe(t *testing.T) {
	server, err := serveDNS(t, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	dot := serveDoT(t, p.leaf(t, leafSpec{names: []string{"dns.test"}}))
	one, two, no := 1, 2, false
	cases := []struct {
		name    string
		opts    DNSOptions
		wantErr string
		check   func(*testing.T, DNSResult)
	}{
		{name: "A over udp", opts: DNSOptions{Name: "example.test", Answer: &SectionCheck{
			Contains: []string{"192.0.2.2"}, Matches: []string{`^example\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1$`}, Count: &two,
		}}, check: func(t *testing.T, r DNSResult) {
			eq(t, "rcode", r.Rcode, "NOERROR")
			eq(t, "transport", r.Transport, "udp")
			eq(t, "authoritative", r.Authoritative, true)
			eq(t, "record", r.Answer[0], Record{Name: "example.test.", Type: "A", Class: "IN", TTL: 300, Value: "192.0.2.1", line: r.Answer[0].line})
			eq(t, "additional (EDNS left out)", len(r.Additional), 0)
		}},
		{name: "AAAA over tcp", opts: DNSOptions{Name: "example.test", Type: "aaaa", Transport: "tcp", Answer: &SectionCheck{Contains: []string{"2001:db8::1"}}},
			check: func(t *testing.T, r DNSResult) { eq(t, "transport", r.Transport, "tcp") }},
		{name: "CNAME", opts: DNSOptions{Name: "www.example.test.", Type: "CNAME", Answer: &SectionCheck{Contains: []string{"EXAMPLE.test"}}}},
		{name: "MX", opts: DNSOptions{Name: "example.test", Type: "MX", Answer: &SectionCheck{Contains: []string{"10 mail.example.test."}}}},
		{name: "NS with glue", opts: DNSOptions{Name: "example.test", Type: "NS",
			Answer: &SectionCheck{Contains: []string{"ns1.example.test"}}, Additional: &SectionCheck{Contains: []string{"192.0.2.53"}, Count: &one}}},
		{name: "TXT strings joined", opts: DNSOptions{Name: "example.test", Type: "TXT", Answer: &SectionCheck{Contains: []string{"v=spf1 -all"}}}},
		{name: "SOA", opts: DNSOptions{Name: "example.test", Type: "SOA", Answer: &SectionCheck{Matches: []string{`admin\.example\.test\. 2024010101`}}}},
		{name: "SRV", opts: DNSOptions{Name: "_sip._tcp.example.test", Type: "SRV", Answer: &SectionCheck{Contains: []string{"10 5 5060 sip.example.test."}}}},
		{name: "CAA", opts: DNSOptions{Name: "example.test", Type: "CAA", Answer: &SectionCheck{Contains: []string{`0 issue "ca.test"`}}}},
		{name: "PTR from an address", opts: DNSOptions{Name: "192.0.2.1", Type: "PTR", Answer: &SectionCheck{Contains: []string{"example.test."}}}},
		{name: "NXDOMAIN fails by default", opts: DNSOptions{Name: "nx.example.test"},
			wantErr: "rcode NXDOMAIN not in valid_rcodes NOERROR"},
		{name: "NXDOMAIN accepted", opts: DNSOptions{Name: "nx.example.test", ValidRcodes: []string{"nxdomain"},
			Answer: &SectionCheck{Count: new(int)}, Authority: &SectionCheck{Matches: []string{`\tSOA\t`}}},
			check: func(t *testing.T, r DNSResult) { eq(t, "authority", len(r.Authority), 1) }},
		{name: "SERVFAIL", opts: DNSOptions{Name: "fail.example.test", Transport: "tcp"},
			wantErr: "rcode SERVFAIL not in valid_rcodes NOERROR", check: func(t *testing.T, r DNSResult) { eq(t, "rcode", r.Rcode, "SERVFAIL") }},
		{name: "recursion desired by default", opts: DNSOptions{Name: "rd.example.test", Type: "TXT", Answer: &SectionCheck{Contains: []string{"rd=1"}}}},
		{name: "recursion off", opts: DNSOptions{Name: "rd.example.test", Type: "TXT", Recursion: &no, Answer: &SectionCheck{Contains: []string{"rd=0"}}}},
		{name: "truncated udp answer retried over tcp", opts: DNSOptions{Name: "big.example.test", Type: "TXT"},
			check: func(t *testing.T, r DNSResult) {
				eq(t, "truncated", r.Truncated, true)
				eq(t, "transport", r.Transport, "tcp")
				eq(t, "answers", len(r.Answer), 60)
			}},
		{name: "count fails", opts: DNSOptions{Name: "example.test", Answer: &SectionCheck{Count: &one}},
			wantErr: "answer section: 2 records, expected 1"},
		{name: "contains fails", opts: DNSOptions{Name: "example.test", Answer: &SectionCheck{Contains: []string{"192.0.2.9"}}},
			wantErr: `answer section: no record with value "192.0.2.9" (values: 192.0.2.1, 192.0.2.2)`},
		{name: "matches fails", opts: DNSOptions{Name: "example.test", Answer: &SectionCheck{Matches: []string{`198\.51`}}},
			wantErr: `answer section: no record matches "198\\.51"`},
		{name: "not_matches fails", opts: DNSOptions{Name: "example.test", Answer: &SectionCheck{NotMatches: []string{`192\.0\.2\.2$`}}},
			wantErr: `answer section: record "example.test. 300 IN A 192.0.2.2" matches not_matches`},
		{name: "server that never answers", opts: DNSOptions{Name: "example.test", Server: silentUDP(t), Timeout: 300 * time.Millisecond},
			wantErr: "over udp: timed out"},
		{name: "tcp refused", opts: DNSOptions{Name: "example.test", Server: closedPort(t), Transport: "tcp"},
			wantErr: "connection refused"},
		{name: "DNS over TLS", opts: DNSOptions{Name: "example.test", Server: dot, Transport: "tls",
			TLSClient: TLSClient{ServerName: "dns.test", RootCAs: p.roots}, Answer: &SectionCheck{Count: &two}}},
		{name: "DNS over TLS untrusted", opts: DNSOptions{Name: "example.test", Server: dot, Transport: "tls",
			TLSClient: TLSClient{ServerName: "dns.test"}}, wantErr: "UNTRUSTED"},
		{name: "unknown type", opts: DNSOptions{Name: "example.test", Type: "BOGUS"}, wantErr: `type "BOGUS": expected A, AAAA`},
		{name: "unknown transport", opts: DNSOptions{Name: "example.test", Transport: "quic"}, wantErr: `transport "quic": expected udp, tcp or tls`},
		{name: "no name", opts: DNSOptions{}, wantErr: "name is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Server == "" {
				tc.opts.Server = server
			}
			res, err := DNS(context.Background(), Controller(), tc.opts)
			wantErr(t, err, tc.wantErr)
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// TestDNSProbeViaHost runs DNS probes through a transport connection (the
// local transport: the same code path as SSH, without UDP), reading the
// host's resolver configuration through it.
func TestDNSProbeViaHost(t *testing.T) {
	server, err := serveDNS(t, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	host := ViaHost("web1", local.New())
	_, err = DNS(context.Background(), host, DNSOptions{Name: "example.test", Server: server})
	wantErr(t, err, "transport udp is impossible via host web1: SSH forwards TCP only (direct-tcpip); use transport tcp or tls")

	res, err := DNS(context.Background(), host, DNSOptions{Name: "example.test", Server: server, Transport: "tcp"})
	wantErr(t, err, "")
	eq(t, "answers", len(res.Answer), 2)

	conf := filepath.Join(t.TempDir(), "resolv.conf")
	writeFile(t, conf, "search example.test\n")
	_, err = DNS(context.Background(), host, DNSOptions{Name: "example.test", Transport: "tcp", ResolvConf: conf})
	wantErr(t, err, "no server given and no nameserver in "+conf+" on web1")
}

// TestDNSProbeDefaultResolver reads the nameservers from a resolv.conf and
// falls back from a dead one to the next. The servers listen on port 53 of
// loopback addresses, which needs root.
func TestDNSProbeDefaultResolver(t *testing.T) {
	server, err := serveDNS(t, "127.0.0.153", 53)
	if errors.Is(err, syscall.EACCES) && os.Getenv("CI") != "true" {
		t.Skip("binding port 53 needs root:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	writeFile(t, conf, "# test\nnameserver 127.0.0.154\nnameserver "+hostOf(server)+"\noptions ndots:1\n")
	for _, o := range []Origin{Controller(), ViaHost("local", local.New())} {
		res, err := DNS(context.Background(), o, DNSOptions{Name: "example.test", Transport: "tcp", ResolvConf: conf})
		wantErr(t, err, "")
		eq(t, "server", res.Server, server)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
