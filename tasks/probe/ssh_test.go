package probe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	sshtr "github.com/drover/drover/transport/ssh"
)

// TestProbesViaSSHHost runs every probe through a real OpenSSH host
// (direct-tcpip), and checks in the sshd log that the host, not the
// controller, opened each connection, to the name as given when the host
// resolves it.
func TestProbesViaSSHHost(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1, LogLevel: "DEBUG1"})
	h := lab.Hosts[0]
	conn, err := sshtr.Dial(context.Background(), sshtr.Config{
		Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	host := ViaHost(h.Name, conn)

	p := newPKI(t)
	bannerAddr := serveTCP(t, func(c net.Conn, br *bufio.Reader) {
		fmt.Fprint(c, "220 only-the-host.test ready\r\n")
		_, _ = io.Copy(io.Discard, br)
	})
	tlsAddr := serveTLS(t, p.leaf(t, leafSpec{names: []string{"svc.test"}, until: testNow.Add(20 * day)}), nil)
	web := httptest.NewServer(testHTTPHandler())
	t.Cleanup(web.Close)
	dnsAddr, err := serveDNS(t, "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	resolvConf := filepath.Join(h.Dir, "resolv.conf")
	writeFile(t, resolvConf, "nameserver 127.0.0.155\n")

	port := func(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }
	cases := []struct {
		name    string
		run     func(ctx context.Context) error
		wantErr string
		target  string // what sshd must have been asked to connect to
	}{
		{name: "tcp banner, name resolved on the host", target: "localhost port " + port(bannerAddr), run: func(ctx context.Context) error {
			res, err := TCP(ctx, host, TCPOptions{Target: "localhost:" + port(bannerAddr), Dialogue: []Step{{Expect: `^220 (\S+)`}}})
			if err == nil && res.Banner != "220 only-the-host.test ready" {
				err = fmt.Errorf("banner %q", res.Banner)
			}
			return err
		}},
		{name: "tcp ip_version 4 resolves with getent on the host", target: "127.0.0.1 port " + port(bannerAddr), run: func(ctx context.Context) error {
			res, err := TCP(ctx, host, TCPOptions{Target: "localhost:" + port(bannerAddr), IPVersion: IPv4, ReadBanner: true})
			if err == nil && res.Address != bannerAddr {
				err = fmt.Errorf("dialled %q", res.Address)
			}
			return err
		}},
		{name: "tls", target: "127.0.0.1 port " + port(tlsAddr), run: func(ctx context.Context) error {
			res, err := TLS(ctx, host, TLSOptions{Target: tlsAddr, TLSClient: TLSClient{ServerName: "svc.test", RootCAs: p.roots},
				Thresholds: Thresholds{WarnDays: 30}, Now: testNow})
			if err == nil && (res.Status != StatusWarn || res.DaysLeft != 20) {
				err = fmt.Errorf("status %s, %d days left", res.Status, res.DaysLeft)
			}
			return err
		}},
		{name: "http with redirects", target: "127.0.0.1 port " + port(strings.TrimPrefix(web.URL, "http://")), run: func(ctx context.Context) error {
			res, err := HTTP(ctx, host, HTTPOptions{URL: web.URL + "/redirect/2", BodyMatches: []string{"hello"}})
			if err == nil && res.Redirects != 2 {
				err = fmt.Errorf("%d redirects", res.Redirects)
			}
			return err
		}},
		{name: "dns over tcp", target: "127.0.0.1 port " + port(dnsAddr), run: func(ctx context.Context) error {
			_, err := DNS(ctx, host, DNSOptions{Name: "example.test", Server: dnsAddr, Transport: "tcp", Answer: &SectionCheck{Contains: []string{"192.0.2.1"}}})
			return err
		}},
		{name: "dns default server from the host's resolv.conf", target: "127.0.0.155 port 53", run: func(ctx context.Context) error {
			_, err := DNS(ctx, host, DNSOptions{Name: "example.test", Transport: "tcp", ResolvConf: resolvConf})
			return err
		}, wantErr: "no answer from 127.0.0.155:53 over tcp"},
		{name: "dns over udp is refused", run: func(ctx context.Context) error {
			_, err := DNS(ctx, host, DNSOptions{Name: "example.test", Server: dnsAddr})
			return err
		}, wantErr: "transport udp is impossible via host " + h.Name},
		{name: "refused on the host side", run: func(ctx context.Context) error {
			_, err := TCP(ctx, host, TCPOptions{Target: closedPort(t)})
			return err
		}, wantErr: "from " + h.Name + `: ssh: rejected: connect failed ("Connection refused")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			wantErr(t, tc.run(ctx), tc.wantErr)
			if tc.target != "" && !strings.Contains(h.Log(), "target "+tc.target) {
				t.Errorf("sshd did not log a direct-tcpip request to %q:\n%s", tc.target, tail(h.Log(), 15))
			}
		})
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
