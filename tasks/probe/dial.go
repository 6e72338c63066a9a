// Package probe checks endpoints over TCP, DNS, TLS and HTTP, either from the
// controller or from a managed host through its transport connection
// ("via: host"), and builds the fleet certificate report.
//
// Every probe is a function taking a context (its deadline bounds the whole
// probe), an Origin (where connections start) and options; it returns a typed
// result, filled as far as the probe got, and an error whose message is one
// line giving the reason the probe failed.
//
// Name resolution: from the controller, names are resolved by the
// controller's resolver. Through a host, the name is handed unresolved to the
// host's SSH server (direct-tcpip), which resolves it with the host's resolver
// and tries each address in turn, so the probe sees the host's view of DNS.
// When a single address family is asked for through a host, the name is
// resolved on the host with `getent ahostsv4|ahostsv6` and the addresses are
// dialled in order.
package probe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// DefaultTimeout bounds a probe whose options give no timeout and whose
// context has no deadline.
const DefaultTimeout = 10 * time.Second

// DialFunc opens a stream connection to addr ("host:port") on network "tcp",
// "tcp4" or "tcp6".
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// IPVersion selects the address family a probe connects over.
type IPVersion string

// Address families: IPAuto tries every address of a name in the resolver's
// order, falling back to the next when one fails.
const (
	IPAuto IPVersion = "auto"
	IPv4   IPVersion = "4"
	IPv6   IPVersion = "6"
)

// ParseIPVersion reads an ip_version value: "", "auto", "4", "6", "ipv4",
// "ipv6", "ip4" or "ip6".
func ParseIPVersion(s string) (IPVersion, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto", "any":
		return IPAuto, nil
	case "4", "ipv4", "ip4":
		return IPv4, nil
	case "6", "ipv6", "ip6":
		return IPv6, nil
	}
	return "", fmt.Errorf("ip_version %q: expected 4, 6 or auto", s)
}

// Origin is where a probe's connections start: the controller (the zero
// value) or a managed host reached through its transport connection.
type Origin struct {
	// Host is the connection probes are dialled through; nil means the
	// controller.
	Host transport.Conn
	// Name names the host in error messages.
	Name string
	// Dial replaces the controller's net.Dialer when Host is nil (for
	// example to bind a source address).
	Dial DialFunc
}

// Controller is the origin of probes run from the machine drover runs on.
func Controller() Origin { return Origin{} }

// ViaHost is the origin of probes dialled through the host at the other end
// of conn; name labels it in messages.
func ViaHost(name string, conn transport.Conn) Origin { return Origin{Host: conn, Name: name} }

// viaHost reports whether connections start on a managed host.
func (o Origin) viaHost() bool { return o.Host != nil }

// dialed describes how one TCP connection was made.
type dialed struct {
	resolve time.Duration // name resolution, zero when the host resolved it
	connect time.Duration // TCP connect (including the host's resolution via SSH)
	addr    string        // the address dialled
}

// dialTCP connects to addr ("host:port") over the address family v.
func (o Origin) dialTCP(ctx context.Context, addr string, v IPVersion) (net.Conn, dialed, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, dialed{}, fmt.Errorf("target %q: expected host:port", addr)
	}
	if ip, perr := netip.ParseAddr(host); perr == nil {
		if !familyOK(ip, v) {
			return nil, dialed{}, fmt.Errorf("%s is not an IPv%s address", host, v)
		}
		return o.dialAddrs(ctx, []netip.Addr{ip}, port, dialed{})
	}
	if o.viaHost() && (v == IPAuto || v == "") {
		start := time.Now()
		c, err := o.Host.Dial(ctx, "tcp", addr)
		d := dialed{connect: time.Since(start), addr: addr}
		if err != nil {
			return nil, d, o.hostErr(addr, err)
		}
		return c, d, nil
	}
	start := time.Now()
	ips, err := o.resolve(ctx, host, v)
	d := dialed{resolve: time.Since(start)}
	if err != nil {
		return nil, d, err
	}
	return o.dialAddrs(ctx, ips, port, d)
}

// dialAddrs tries each address in turn, giving each an equal share of the
// time left, and returns the first connection made.
func (o Origin) dialAddrs(ctx context.Context, ips []netip.Addr, port string, d dialed) (net.Conn, dialed, error) {
	start := time.Now()
	var errs []string
	for i, ip := range ips {
		addr := net.JoinHostPort(ip.String(), port)
		actx, cancel := shareDeadline(ctx, len(ips)-i)
		c, err := o.dialOne(actx, ip, addr)
		cancel()
		if err == nil {
			d.connect, d.addr = time.Since(start), addr
			return c, d, nil
		}
		errs = append(errs, err.Error())
		if ctx.Err() != nil {
			break
		}
	}
	d.connect = time.Since(start)
	if o.viaHost() && len(errs) == 1 {
		return nil, d, o.hostErr(net.JoinHostPort(ips[0].String(), port), errors.New(errs[0]))
	}
	return nil, d, fmt.Errorf("connect from %s: %s", o.label(), strings.Join(errs, "; "))
}

// hostErr names the host and address in an error of a dial through the
// host, unless the transport's message already does.
func (o Origin) hostErr(addr string, err error) error {
	if msg := err.Error(); strings.Contains(msg, addr) && strings.Contains(msg, o.label()) {
		return err
	}
	return fmt.Errorf("connect to %s from %s: %w", addr, o.label(), err)
}

// dialOne opens one TCP connection to the literal address addr.
func (o Origin) dialOne(ctx context.Context, ip netip.Addr, addr string) (net.Conn, error) {
	network := "tcp4"
	if ip.Is6() && !ip.Is4In6() {
		network = "tcp6"
	}
	switch {
	case o.viaHost():
		return o.Host.Dial(ctx, "tcp", addr)
	case o.Dial != nil:
		return o.Dial(ctx, network, addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// shareDeadline gives one of n remaining attempts its share of ctx's time.
func shareDeadline(ctx context.Context, n int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || n <= 1 {
		return context.WithCancel(ctx)
	}
	share := time.Until(deadline) / time.Duration(n)
	if share < 2*time.Second && time.Until(deadline) > 2*time.Second {
		share = 2 * time.Second
	}
	return context.WithTimeout(ctx, share)
}

// resolve looks host up on the origin, keeping only addresses of family v.
func (o Origin) resolve(ctx context.Context, host string, v IPVersion) ([]netip.Addr, error) {
	var ips []netip.Addr
	var err error
	if o.viaHost() {
		ips, err = o.resolveOnHost(ctx, host, v)
	} else {
		network := map[IPVersion]string{IPv4: "ip4", IPv6: "ip6"}[v]
		if network == "" {
			network = "ip"
		}
		ips, err = net.DefaultResolver.LookupNetIP(ctx, network, host)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s on %s: %w", host, o.label(), err)
	}
	var kept []netip.Addr
	for _, ip := range ips {
		if familyOK(ip.Unmap(), v) {
			kept = append(kept, ip.Unmap())
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("resolve %s on %s: no IPv%s address", host, o.label(), v)
	}
	return kept, nil
}

// resolveOnHost runs getent on the host to resolve host in one family.
func (o Origin) resolveOnHost(ctx context.Context, host string, v IPVersion) ([]netip.Addr, error) {
	db := "ahostsv4"
	if v == IPv6 {
		db = "ahostsv6"
	}
	res, err := o.Host.Run(ctx, transport.Command{Argv: []string{"getent", db, host}})
	if err != nil {
		return nil, err
	}
	switch res.ExitCode {
	case 0:
	case 2:
		return nil, errors.New("no such host")
	case 127:
		return nil, errors.New("getent is not installed on the host (needed for ip_version 4 or 6 via host)")
	default:
		return nil, fmt.Errorf("getent %s exited %d: %s", db, res.ExitCode, firstLine(string(res.Stderr)))
	}
	return parseGetent(res.Stdout), nil
}

// parseGetent reads the distinct addresses of `getent ahosts*` output.
func parseGetent(out []byte) []netip.Addr {
	var ips []netip.Addr
	seen := map[netip.Addr]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil || seen[ip] {
			continue
		}
		seen[ip] = true
		ips = append(ips, ip)
	}
	return ips
}

// familyOK reports whether ip belongs to family v.
func familyOK(ip netip.Addr, v IPVersion) bool {
	switch v {
	case IPv4:
		return ip.Unmap().Is4()
	case IPv6:
		return ip.Is6() && !ip.Is4In6()
	}
	return true
}

// label names the origin in messages.
func (o Origin) label() string {
	switch {
	case !o.viaHost():
		return "controller"
	case o.Name != "":
		return o.Name
	}
	return "host"
}

// withTimeout bounds ctx by d, or by DefaultTimeout when d is zero and ctx
// has no deadline.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// guard makes c obey ctx: its deadline is set from ctx where the connection
// supports deadlines, and it is closed when ctx ends, which unblocks reads on
// connections that do not (SSH channels).
func guard(ctx context.Context, c net.Conn) net.Conn {
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return &guardedConn{Conn: c, stop: stop}
}

// guardedConn is a connection closed when its context ends.
type guardedConn struct {
	net.Conn
	stop func() bool
}

// Close stops watching the context and closes the connection.
func (g *guardedConn) Close() error {
	g.stop()
	return g.Conn.Close()
}
