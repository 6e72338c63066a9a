package probe

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/drover/drover/transport/local"
)

func TestParseIPVersion(t *testing.T) {
	cases := []struct {
		in      string
		want    IPVersion
		wantErr string
	}{
		{"", IPAuto, ""}, {"auto", IPAuto, ""}, {"4", IPv4, ""}, {"IPv4", IPv4, ""}, {"ip6", IPv6, ""}, {"6", IPv6, ""},
		{"5", "", `ip_version "5": expected 4, 6 or auto`},
	}
	for _, tc := range cases {
		got, err := ParseIPVersion(tc.in)
		wantErr(t, err, tc.wantErr)
		eq(t, "ip_version "+tc.in, got, tc.want)
	}
}

func TestDial(t *testing.T) {
	v4 := serveTCP(t, func(c net.Conn, br *bufio.Reader) { _, _ = io.Copy(io.Discard, br) })
	_, port, _ := net.SplitHostPort(v4)
	v6 := ""
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		t.Cleanup(func() { ln.Close() })
		go acceptLoop(ln, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
		v6 = ln.Addr().String()
	}
	viaLocal := ViaHost("local", local.New())
	cases := []struct {
		name     string
		origin   Origin
		addr     string
		v        IPVersion
		wantAddr string
		wantErr  string
		needs    string // "ipv6" or "getent"
	}{
		{name: "controller, name, IPv4", addr: "localhost:" + port, v: IPv4, wantAddr: v4},
		{name: "controller, name, auto", addr: "localhost:" + port, v: IPAuto, wantAddr: v4},
		{name: "controller, literal of the wrong family", addr: v4, v: IPv6, wantErr: "127.0.0.1 is not an IPv6 address"},
		{name: "controller, IPv6 literal", addr: v6, v: IPv6, wantAddr: v6, needs: "ipv6"},
		{name: "controller, unknown name", addr: "no-such-host.invalid:80", v: IPv4, wantErr: "resolve no-such-host.invalid on controller"},
		{name: "host, name passed through", origin: viaLocal, addr: "localhost:" + port, v: IPAuto, wantAddr: "localhost:" + port},
		{name: "host, name resolved on the host", origin: viaLocal, addr: "localhost:" + port, v: IPv4, wantAddr: v4, needs: "getent"},
		{name: "host, no address in the family", origin: viaLocal, addr: "127.0.0.1.nip.invalid:" + port, v: IPv6,
			wantErr: "resolve 127.0.0.1.nip.invalid on local: no such host", needs: "getent"},
		{name: "host, refused", origin: viaLocal, addr: closedPort(t), v: IPAuto, wantErr: "from local: dial tcp 127.0.0.1:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needs == "ipv6" && v6 == "" {
				t.Skip("no IPv6 loopback")
			}
			if _, err := exec.LookPath("getent"); tc.needs == "getent" && err != nil {
				t.Skip("getent not installed")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, d, err := tc.origin.dialTCP(ctx, tc.addr, tc.v)
			wantErr(t, err, tc.wantErr)
			if err == nil {
				c.Close()
				eq(t, "address dialled", d.addr, tc.wantAddr)
			}
		})
	}
}

// TestDialFallback tries the next address when one refuses.
func TestDialFallback(t *testing.T) {
	addr := serveTCP(t, func(c net.Conn, br *bufio.Reader) { _, _ = io.Copy(io.Discard, br) })
	_, port, _ := net.SplitHostPort(addr)
	ips := []netip.Addr{netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.1")}
	c, d, err := Controller().dialAddrs(context.Background(), ips, port, dialed{})
	wantErr(t, err, "")
	c.Close()
	eq(t, "address dialled", d.addr, addr)

	_, _, err = Controller().dialAddrs(context.Background(), ips[:1], port, dialed{})
	wantErr(t, err, "connect from controller: dial tcp4 127.0.0.3:"+port)
}

func TestParseGetent(t *testing.T) {
	out := "192.0.2.1       STREAM host.test\n192.0.2.1       DGRAM\n192.0.2.1       RAW\n2001:db8::1 STREAM\n\nbogus\n"
	got := parseGetent([]byte(out))
	eq(t, "addresses", len(got), 2)
	eq(t, "first", got[0], netip.MustParseAddr("192.0.2.1"))
	eq(t, "second", got[1], netip.MustParseAddr("2001:db8::1"))
}
