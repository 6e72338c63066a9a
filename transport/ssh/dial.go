package ssh

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/transport"
)

// maxJumpDepth bounds ProxyJump chains (and loops through ssh_config).
const maxJumpDepth = 8

// Dial connects and authenticates to the host cfg describes. Jump hosts it
// goes through belong to the returned Conn and close with it. Failures to
// reach the host are *transport.UnreachableError.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	d := &dialer{gate: newDefaultAdmission(), keys: newSignerCache(), parsed: newParseCache()}
	d.jump = func(ctx context.Context, jc Config, depth int) (*Conn, error) { return d.dial(ctx, jc, depth) }
	return d.dial(ctx, cfg, 0)
}

// dialer makes connections; a Pool shares one so that keys are decrypted
// and ssh_config and known_hosts parsed once, and jump hosts are reused.
type dialer struct {
	gate   *admission
	keys   *signerCache
	parsed *parseCache
	// jump returns a connection to a jump host; shared reports whether
	// others use it too (then the Conn behind it must not close it).
	jump   func(ctx context.Context, cfg Config, depth int) (*Conn, error)
	shared bool
	// through, when set, wraps each new connection's byte stream (tests
	// use it to stand for a controller too busy to keep up).
	through func(net.Conn) net.Conn
}

func (d *dialer) dial(ctx context.Context, cfg Config, depth int) (*Conn, error) {
	rc, err := cfg.resolve(d.parsed)
	if err != nil {
		return nil, err
	}
	return d.dialResolved(ctx, cfg, rc, depth)
}

// dialResolved dials cfg, whose resolved form is rc.
func (d *dialer) dialResolved(ctx context.Context, cfg, rc Config, depth int) (*Conn, error) {
	if depth > maxJumpDepth {
		return nil, unreachable(cfg.Host, errors.New("ProxyJump chain is longer than 8 hops (a loop in ssh_config?)"))
	}
	hops, err := parseJumps(rc.ProxyJump)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Host, err)
	}
	var via *Conn
	if len(hops) > 0 {
		if via, err = d.jump(ctx, jumpConfig(cfg, hops), depth+1); err != nil {
			return nil, unreachable(cfg.Host, fmt.Errorf("via jump host %s: %w", hops[len(hops)-1], err))
		}
	}
	c, err := d.connect(ctx, &rc, via)
	if err != nil {
		if via != nil && !d.shared {
			via.Close()
		}
		return nil, unreachable(cfg.Host, err)
	}
	if via != nil && !d.shared {
		c.owned = via
	}
	return c, nil
}

// unreachable wraps err, unless it already is an UnreachableError.
func unreachable(host string, err error) error {
	if transport.IsUnreachable(err) {
		var u *transport.UnreachableError
		errors.As(err, &u)
		if u.Host == host {
			return err
		}
	}
	return &transport.UnreachableError{Host: host, Err: err}
}

// connect opens the TCP connection (directly or through via) and runs the
// SSH handshake. It waits first for the dialer's admission gate; from
// then on the connect timeout bounds the TCP connect and then each
// silence of the host (see silenceConn), never the wait at the gate.
func (d *dialer) connect(ctx context.Context, rc *Config, via *Conn) (*Conn, error) {
	// Keys are loaded (and passphrases asked) before the clock starts.
	end := trace.Start(ctx, rc.Host, "keys", "")
	changed := &keyChanged{}
	cb, algos, err := hostKeyCheck(rc, d.parsed, changed)
	if err != nil {
		return nil, err
	}
	a, err := authFor(rc, d.keys, changed)
	end(err)
	if err != nil {
		return nil, err
	}
	defer a.close()
	end = trace.Start(ctx, rc.Host, "admission", "")
	t, err := d.gate.acquire(ctx, rc.ConnectTimeout)
	end(err)
	if err != nil {
		return nil, err
	}
	c, err := d.open(ctx, rc, via, t, cb, algos, a)
	t.done(err == nil)
	return c, err
}

// open runs the part of connect that is timed: TCP connect, then the
// handshake over a silenceConn.
func (d *dialer) open(ctx context.Context, rc *Config, via *Conn, t *ticket, cb ssh.HostKeyCallback, algos []string, a *auth) (*Conn, error) {
	route := routeOf(rc, via)
	stage := &stageTracker{name: stageTCP, route: route}
	if hasProxyCommand(rc.ProxyCommand) {
		stage.name = stageProxy
	}
	stallAfter := d.gate.stallAfter(rc.ConnectTimeout)
	end := trace.Start(ctx, rc.Host, "tcp-connect", rc.Addr()+route)
	tctx, cancel := context.WithTimeout(ctx, rc.ConnectTimeout)
	stall := time.AfterFunc(stallAfter, t.stall)
	raw, err := d.openTCP(tctx, rc, via)
	stall.Stop()
	timedOut := errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	end(err)
	if err != nil {
		return nil, stage.explain(ctx, rc, timedOut, err)
	}
	stage.set(stageKex)
	stream := raw
	if d.through != nil {
		stream = d.through(raw)
	}
	sc := watchSilence(stream, rc.ConnectTimeout, stallAfter, t.stall)
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	end = trace.Start(ctx, rc.Host, "handshake", rc.Addr())
	proxy, _ := raw.(*proxyConn)
	c, err := handshake(sc, proxy, rc, stage, cb, algos, a)
	end(err)
	stopped, settled := stop(), sc.settle()
	if err == nil && (!stopped || !settled) {
		c.Close()
		err = cmp.Or(ctx.Err(), errors.New("the host went silent"))
	}
	if err != nil {
		raw.Close()
		return nil, explainProxy(raw, stage.explain(ctx, rc, sc.timedOut(), err))
	}
	return c, nil
}

// routeOf says how rc's host is reached, for messages: "" when directly.
func routeOf(rc *Config, via *Conn) string {
	switch {
	case via != nil:
		return " via jump host " + via.cfg.Host
	case hasProxyCommand(rc.ProxyCommand):
		return " via ProxyCommand"
	}
	return ""
}

// explainProxy adds what a closed proxy command left to err; other
// connections leave err as it is.
func explainProxy(raw net.Conn, err error) error {
	if p, ok := raw.(*proxyConn); ok {
		return p.explain(err)
	}
	return err
}

// openTCP opens the byte stream the SSH connection runs over: a TCP
// connection, a direct-tcpip channel through a jump host, or the pipes of
// a proxy command.
func (d *dialer) openTCP(ctx context.Context, rc *Config, via *Conn) (net.Conn, error) {
	if via != nil {
		return via.client.DialContext(ctx, "tcp", rc.Addr())
	}
	if hasProxyCommand(rc.ProxyCommand) {
		return startProxy(ctx, rc)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", rc.Addr())
}

// handshake verifies the host key and authenticates over raw (which runs
// over proxy, when not nil).
func handshake(raw net.Conn, proxy *proxyConn, rc *Config, stage *stageTracker, cb ssh.HostKeyCallback, algos []string, a *auth) (*Conn, error) {
	var hostKeyErr error
	ccfg := &ssh.ClientConfig{
		User: rc.User, Auth: a.methods, HostKeyAlgorithms: algos,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			hostKeyErr = cb(host, remote, key)
			if hostKeyErr == nil {
				stage.set(stageAuth)
			}
			return hostKeyErr
		},
	}
	conn, chans, reqs, err := ssh.NewClientConn(raw, rc.Addr(), ccfg)
	switch {
	case hostKeyErr != nil:
		return nil, hostKeyErr
	case err != nil && strings.Contains(err.Error(), "unable to authenticate"):
		return nil, a.failure(rc.User)
	case err != nil:
		return nil, err
	}
	return newConn(*rc, conn, chans, reqs, proxy), nil
}

// stageTracker remembers how far a connection got, for timeout messages.
type stageTracker struct {
	mu    sync.Mutex
	name  stage
	route string // how the host is reached, when not directly
}

func (s *stageTracker) set(name stage) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

// explain turns a failure into a message that names its cause, worded
// the same for every host (see stage); timedOut says whether the host was
// silent for the connect timeout (a TCP connect can also end with a
// timeout of its own before its context says so).
func (s *stageTracker) explain(ctx context.Context, rc *Config, timedOut bool, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if timedOut || ctx.Err() == nil && isTimeout(err) {
		return fmt.Errorf("timed out %s after %s%s", s.name.timedOut, rc.ConnectTimeout, s.route)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s%s: %w", s.name.label, s.route, ctx.Err())
	}
	var hk *HostKeyError
	if errors.As(err, &hk) || strings.HasPrefix(err.Error(), "authentication failed") {
		return err
	}
	return fmt.Errorf("%s%s: %w", s.name.label, s.route, withoutAddress(err))
}

// parseJumps splits a ProxyJump value into hops; "none" or "" is no hop.
func parseJumps(v string) ([]string, error) {
	if v == "" || strings.EqualFold(v, "none") {
		return nil, nil
	}
	hops := strings.Split(v, ",")
	for i, h := range hops {
		hops[i] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "ssh://"))
		if hops[i] == "" {
			return nil, fmt.Errorf("ProxyJump %q has an empty hop", v)
		}
	}
	return hops, nil
}

// parseHop reads "[user@]host[:port]" (IPv6 hosts in brackets).
func parseHop(hop string) (user, host string, port int, err error) {
	if i := strings.LastIndex(hop, "@"); i >= 0 {
		user, hop = hop[:i], hop[i+1:]
	}
	host = hop
	if strings.HasPrefix(hop, "[") || strings.Count(hop, ":") == 1 {
		h, p, serr := net.SplitHostPort(hop)
		if serr != nil {
			return "", "", 0, fmt.Errorf("jump host %q: %w", hop, serr)
		}
		host = h
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", "", 0, fmt.Errorf("jump host %q: bad port", hop)
		}
	}
	return user, host, port, nil
}

// jumpConfig is the Config of the last hop of hops, reached through the
// hops before it. It is resolved through ssh_config like any host, and
// inherits the target's explicit key, known_hosts and timeout settings
// (not its port, user or password).
func jumpConfig(target Config, hops []string) Config {
	user, host, port, err := parseHop(hops[len(hops)-1])
	if err != nil {
		host = hops[len(hops)-1]
	}
	jc := Config{
		Host: host, User: user, Port: port,
		IdentityFiles: target.IdentityFiles, IdentitiesOnly: target.IdentitiesOnly,
		Passphrase: target.Passphrase, ConnectTimeout: target.ConnectTimeout,
		KnownHostsFiles: target.KnownHostsFiles, GlobalKnownHostsFiles: target.GlobalKnownHostsFiles,
		HostKeyPolicy: target.HostKeyPolicy, HashKnownHosts: target.HashKnownHosts,
		ServerAliveInterval: target.ServerAliveInterval, ServerAliveCountMax: target.ServerAliveCountMax,
		ConfigFile: target.ConfigFile, IdentityAgent: target.IdentityAgent,
	}
	if len(hops) > 1 {
		jc.ProxyJump = strings.Join(hops[:len(hops)-1], ",")
	}
	return jc
}
