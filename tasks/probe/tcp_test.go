package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serveTCP runs a plain TCP server on 127.0.0.1:0 whose connections are
// served by handle; it returns the address.
func serveTCP(t testing.TB, handle func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		handle(c, bufio.NewReader(c))
	})
	return ln.Addr().String()
}

// line reads one line without its ending; empty at end of input.
func line(br *bufio.Reader) string {
	s, _ := br.ReadString('\n')
	return strings.TrimRight(s, "\r\n")
}

// secure finishes a STARTTLS emulator: the TLS handshake, then one line
// over TLS naming the protocol, then draining until the client leaves.
func secure(c net.Conn, cfg *tls.Config, proto string) {
	tc := tls.Server(c, cfg)
	if tc.Handshake() != nil {
		return
	}
	fmt.Fprintf(tc, "SECURE %s\r\n", proto)
	_, _ = io.Copy(io.Discard, tc)
}

// smtpServer emulates an SMTP server's STARTTLS; offer says whether EHLO
// lists STARTTLS.
func smtpServer(cfg *tls.Config, offer bool) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "220-mail.test ESMTP Test\r\n220 ready\r\n")
		if !strings.HasPrefix(line(br), "EHLO ") {
			fmt.Fprint(c, "500 EHLO first\r\n")
			return
		}
		fmt.Fprint(c, "250-mail.test greets you\r\n250-PIPELINING\r\n")
		if offer {
			fmt.Fprint(c, "250-STARTTLS\r\n")
		}
		fmt.Fprint(c, "250 8BITMIME\r\n")
		if line(br) != "STARTTLS" {
			fmt.Fprint(c, "502 not implemented\r\n")
			return
		}
		fmt.Fprint(c, "220 go ahead\r\n")
		secure(c, cfg, "smtp")
	}
}

// imapServer emulates an IMAP server's STARTTLS.
func imapServer(cfg *tls.Config) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1 STARTTLS] imap.test ready\r\n")
		tag, cmd, _ := strings.Cut(line(br), " ")
		if cmd != "STARTTLS" {
			fmt.Fprintf(c, "%s BAD unknown\r\n", tag)
			return
		}
		fmt.Fprintf(c, "%s OK Begin TLS negotiation now\r\n", tag)
		secure(c, cfg, "imap")
	}
}

// pop3Server emulates a POP3 server's STLS.
func pop3Server(cfg *tls.Config) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "+OK POP3 pop.test ready\r\n")
		if line(br) != "STLS" {
			fmt.Fprint(c, "-ERR unknown\r\n")
			return
		}
		fmt.Fprint(c, "+OK Begin TLS\r\n")
		secure(c, cfg, "pop3")
	}
}

// ftpServer emulates an FTP server's AUTH TLS.
func ftpServer(cfg *tls.Config) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "220-ftp.test FTP server\r\n welcome text\r\n220 ready\r\n")
		if line(br) != "AUTH TLS" {
			fmt.Fprint(c, "500 unknown\r\n")
			return
		}
		fmt.Fprint(c, "234 AUTH TLS successful\r\n")
		secure(c, cfg, "ftp")
	}
}

// postgresServer emulates PostgreSQL's SSLRequest; answer is 'S' or 'N'.
func postgresServer(cfg *tls.Config, answer byte) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		req := make([]byte, 8)
		if _, err := io.ReadFull(br, req); err != nil || !bytes.Equal(req, postgresSSLRequest) {
			return
		}
		_, _ = c.Write([]byte{answer})
		if answer == 'S' {
			secure(c, cfg, "postgres")
		}
	}
}

func TestTCPProbe(t *testing.T) {
	p := newPKI(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{p.leaf(t, leafSpec{names: []string{"svc.test"}})}}
	untrusted := &tls.Config{Certificates: []tls.Certificate{p.leaf(t, leafSpec{names: []string{"svc.test"}, selfSigned: true})}}
	tlsClient := TLSClient{ServerName: "svc.test", RootCAs: p.roots}
	afterTLS := []Step{{Expect: `^SECURE (?P<proto>\w+)$`}}

	banner := serveTCP(t, func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "SSH-2.0-OpenSSH_9.2 Test\r\n")
		_, _ = io.Copy(io.Discard, br)
	})
	dialog := serveTCP(t, func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "NOTICE starting\r\nHELLO session=42 user=alice\r\n")
		if line(br) != "LOGIN alice 42 $" {
			fmt.Fprint(c, "ERR bad login\r\n")
			return
		}
		fmt.Fprint(c, "OK logged in\r\n")
		if b := make([]byte, 3); !(readFull(br, b) && bytes.Equal(b, []byte{1, 2, 3})) {
			return
		}
		_, _ = c.Write([]byte{0xca, 0xfe, 0xba, 0xbe})
		_, _ = io.Copy(io.Discard, br)
	})
	silent := serveTCP(t, func(c net.Conn, br *bufio.Reader) { _, _ = io.Copy(io.Discard, br) })
	closing := serveTCP(t, func(c net.Conn, br *bufio.Reader) { fmt.Fprint(c, "BYE\r\n") })
	injecting := serveTCP(t, func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "+OK ready\r\n")
		line(br)
		fmt.Fprint(c, "+OK Begin TLS\r\nINJECTED\r\n")
		_, _ = io.Copy(io.Discard, br)
	})
	implicit := serveTCP(t, func(c net.Conn, br *bufio.Reader) { secure(c, cfg, "implicit") })

	cases := []struct {
		name    string
		opts    TCPOptions
		wantErr string
		check   func(*testing.T, TCPResult)
	}{
		{name: "connect only", opts: TCPOptions{Target: silent}, check: func(t *testing.T, r TCPResult) {
			eq(t, "address", r.Address, silent)
			eq(t, "banner", r.Banner, "")
		}},
		{name: "read banner", opts: TCPOptions{Target: banner, ReadBanner: true}, check: func(t *testing.T, r TCPResult) {
			eq(t, "banner", r.Banner, "SSH-2.0-OpenSSH_9.2 Test")
		}},
		{name: "dialogue with captures and bytes", opts: TCPOptions{Target: dialog, Dialogue: []Step{
			{Expect: `^HELLO session=(?P<session>\d+) user=(\w+)$`, Send: "LOGIN $2 ${session} $$"},
			{Expect: `^OK`, SendBytes: "01 02 03"},
			{ExpectBytes: "ca:fe:ba:be"},
		}}, check: func(t *testing.T, r TCPResult) {
			eq(t, "banner", r.Banner, "NOTICE starting")
			eq(t, "matches", len(r.Matches), 2)
			eq(t, "first match", r.Matches[0].Line, "HELLO session=42 user=alice")
			eq(t, "groups", strings.Join(r.Matches[0].Groups, ","), "42,alice")
			eq(t, "capture", r.Captures["session"], "42")
		}},
		{name: "expect never matched before close", opts: TCPOptions{Target: closing, Dialogue: []Step{{Expect: "^HELLO"}}},
			wantErr: `step 1: expect "^HELLO": connection closed by server (last line "BYE")`},
		{name: "expect times out", opts: TCPOptions{Target: silent, Timeout: 200 * time.Millisecond, Dialogue: []Step{{Expect: "x"}}},
			wantErr: "timed out"},
		{name: "connection refused", opts: TCPOptions{Target: closedPort(t)}, wantErr: "connection refused"},
		{name: "bad regexp", opts: TCPOptions{Target: silent, Dialogue: []Step{{Expect: "("}}},
			wantErr: "dialogue step 1: error parsing regexp"},
		{name: "bad hex", opts: TCPOptions{Target: silent, Dialogue: []Step{{SendBytes: "zz"}}},
			wantErr: `dialogue step 1: "zz" is not hex bytes`},
		{name: "empty step", opts: TCPOptions{Target: silent, Dialogue: []Step{{}}}, wantErr: "dialogue step 1: empty step"},
		{name: "implicit TLS", opts: TCPOptions{Target: implicit, TLS: true, TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) {
				eq(t, "verified", r.TLS.ChainVerified, true)
				eq(t, "captured", r.Captures["proto"], "implicit")
			}},
		{name: "implicit TLS untrusted", opts: TCPOptions{Target: serveTCP(t, func(c net.Conn, _ *bufio.Reader) { secure(c, untrusted, "x") }),
			TLS: true, TLSClient: tlsClient}, wantErr: "UNTRUSTED: x509: certificate signed by unknown authority"},
		{name: "smtp STARTTLS", opts: TCPOptions{Target: serveTCP(t, smtpServer(cfg, true)), StartTLS: "smtp", TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) {
				eq(t, "banner", r.Banner, "220-mail.test ESMTP Test\n220 ready")
				eq(t, "captured", r.Captures["proto"], "smtp")
				eq(t, "name matches", r.TLS.NameMatches, true)
			}},
		{name: "smtp without STARTTLS", opts: TCPOptions{Target: serveTCP(t, smtpServer(cfg, false)), StartTLS: "smtp", TLSClient: tlsClient},
			wantErr: "smtp STARTTLS: server does not offer STARTTLS"},
		{name: "imap STARTTLS", opts: TCPOptions{Target: serveTCP(t, imapServer(cfg)), StartTLS: "imap", TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) { eq(t, "captured", r.Captures["proto"], "imap") }},
		{name: "pop3 STARTTLS", opts: TCPOptions{Target: serveTCP(t, pop3Server(cfg)), StartTLS: "pop3", TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) {
				eq(t, "captured", r.Captures["proto"], "pop3")
				eq(t, "banner", r.Banner, "+OK POP3 pop.test ready")
			}},
		{name: "ftp AUTH TLS", opts: TCPOptions{Target: serveTCP(t, ftpServer(cfg)), StartTLS: "ftp", TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) { eq(t, "captured", r.Captures["proto"], "ftp") }},
		{name: "postgres SSLRequest", opts: TCPOptions{Target: serveTCP(t, postgresServer(cfg, 'S')), StartTLS: "postgres", TLSClient: tlsClient, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) { eq(t, "captured", r.Captures["proto"], "postgres") }},
		{name: "postgres refuses SSL", opts: TCPOptions{Target: serveTCP(t, postgresServer(cfg, 'N')), StartTLS: "postgres", TLSClient: tlsClient},
			wantErr: "postgres STARTTLS: server does not accept SSL (answered N)"},
		{name: "data injected before the handshake", opts: TCPOptions{Target: injecting, StartTLS: "pop3", TLSClient: tlsClient},
			wantErr: "pop3 STARTTLS: server sent data before the TLS handshake"},
		{name: "STARTTLS with untrusted certificate", opts: TCPOptions{Target: serveTCP(t, imapServer(untrusted)), StartTLS: "imap", TLSClient: tlsClient},
			wantErr: "UNTRUSTED"},
		{name: "STARTTLS insecure", opts: TCPOptions{Target: serveTCP(t, imapServer(untrusted)), StartTLS: "imap",
			TLSClient: TLSClient{ServerName: "svc.test", Insecure: true}, Dialogue: afterTLS},
			check: func(t *testing.T, r TCPResult) { eq(t, "verified", r.TLS.ChainVerified, false) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := TCP(context.Background(), Controller(), tc.opts)
			wantErr(t, err, tc.wantErr)
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestTLSProbeSTARTTLS(t *testing.T) {
	p := newPKI(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{p.leaf(t, leafSpec{names: []string{"mail.test"}, until: testNow.Add(20 * day)})}}
	res, err := TLS(context.Background(), Controller(), TLSOptions{
		Target: serveTCP(t, smtpServer(cfg, true)), StartTLS: "smtp",
		TLSClient: TLSClient{ServerName: "mail.test", RootCAs: p.roots}, Thresholds: Thresholds{WarnDays: 30}, Now: testNow,
	})
	wantErr(t, err, "")
	eq(t, "status", res.Status, StatusWarn)
	eq(t, "banner", res.Banner, "220-mail.test ESMTP Test\n220 ready")
}

// readFull reads exactly len(b) bytes.
func readFull(r io.Reader, b []byte) bool {
	_, err := io.ReadFull(r, b)
	return err == nil
}
