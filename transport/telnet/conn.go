// Package telnet implements transport.Conn over telnet, for network devices
// and old hosts that speak nothing else: a small RFC 854 client with RFC 1143
// option negotiation, a login through configurable prompts, and commands run
// at the shell prompt with their exit status recovered by a marker.
package telnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/expect"
)

// Conn is a logged-in telnet session to one host. Commands run one at a
// time; concurrent Runs wait for each other.
type Conn struct {
	cfg  Config
	nc   net.Conn
	st   *stream
	sess *expect.Session

	mu     sync.Mutex // one command at a time
	broken error      // why the session cannot be used any more
}

var _ transport.Conn = (*Conn)(nil)

// Dial connects to cfg's host and logs in. A refused connection, a timeout
// or a refused login is a *transport.UnreachableError; a bad Config is a
// plain error.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: cfg.ConnectTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &transport.UnreachableError{Host: cfg.Name, Err: fmt.Errorf("telnet %s: %w", addr, err)}
	}
	st, err := newStream(nc, cfg.Term, cfg.Cols, cfg.Rows)
	if err != nil {
		nc.Close()
		return nil, &transport.UnreachableError{Host: cfg.Name, Err: fmt.Errorf("telnet %s: %w", addr, err)}
	}
	c := &Conn{cfg: cfg, nc: nc, st: st}
	c.sess = expect.NewSession(st, st, expect.Options{StripEscapes: true, Secrets: []string{cfg.Password, cfg.EnablePassword}})
	if err := c.login(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close ends the session.
func (c *Conn) Close() error {
	c.sess.Close()
	err := c.nc.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// unreachable wraps err as the host's failure.
func (c *Conn) unreachable(format string, args ...any) error {
	return &transport.UnreachableError{Host: c.cfg.Name, Err: fmt.Errorf(format, args...)}
}
