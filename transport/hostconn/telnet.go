package hostconn

import (
	"context"
	"sync"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/telnet"
)

// telnetPool keeps one telnet session per host for a run; concurrent first
// calls for a host log in once.
type telnetPool struct {
	mu    sync.Mutex
	conns map[string]*telnetEntry
}

type telnetEntry struct {
	ready chan struct{}
	conn  *telnet.Conn
	err   error
}

func (p *telnetPool) get(ctx context.Context, name string, vars map[string]any) (transport.Conn, error) {
	p.mu.Lock()
	if p.conns == nil {
		p.conns = map[string]*telnetEntry{}
	}
	e, ok := p.conns[name]
	if !ok || isFailed(e) {
		e = &telnetEntry{ready: make(chan struct{})}
		p.conns[name] = e
		p.mu.Unlock()
		e.conn, e.err = dialTelnet(ctx, name, vars)
		close(e.ready)
	} else {
		p.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.conn, nil
}

// isFailed reports whether a finished entry holds a failed login, which
// the next caller retries.
func isFailed(e *telnetEntry) bool {
	select {
	case <-e.ready:
		return e.err != nil
	default:
		return false
	}
}

func dialTelnet(ctx context.Context, name string, vars map[string]any) (*telnet.Conn, error) {
	cfg, err := telnet.ConfigFromVars(name, vars)
	if err != nil {
		return nil, &transport.UnreachableError{Host: name, Err: err}
	}
	c, err := telnet.Dial(ctx, cfg)
	if err != nil && !transport.IsUnreachable(err) && ctx.Err() == nil {
		return nil, &transport.UnreachableError{Host: name, Err: err}
	}
	return c, err
}

func (p *telnetPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.conns {
		select {
		case <-e.ready:
			if e.conn != nil {
				_ = e.conn.Close()
			}
		default:
		}
	}
	p.conns = nil
}
