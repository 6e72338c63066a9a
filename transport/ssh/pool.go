package ssh

import (
	"context"
	"sync"
)

// Pool keeps exactly one connection per host for a whole run: every
// command and file transfer to a host shares it, and so does every host
// reached through the same jump host. It is safe for concurrent use;
// concurrent first calls for a host dial once.
type Pool struct {
	// Defaults are applied to every Config given to Get (fields the Config
	// leaves unset), e.g. a passphrase callback or a known_hosts policy.
	Defaults Config

	d     dialer
	mu    sync.Mutex
	conns map[string]*poolEntry
	dials int
}

type poolEntry struct {
	ready chan struct{}
	conn  *Conn
	err   error
}

// PoolStats counts what a Pool did.
type PoolStats struct {
	Dials int // connections attempted (including jump hosts)
	Open  int // connections currently open
}

// NewPool returns an empty pool.
func NewPool() *Pool {
	p := &Pool{conns: map[string]*poolEntry{}}
	p.d = dialer{gate: newDefaultAdmission(), keys: newSignerCache(), parsed: newParseCache(), shared: true, jump: p.get}
	return p
}

// Get returns the pool's connection for cfg, dialling it if there is none
// or the previous one died; a new connection first removes the temporary
// files that Puts of an earlier one to the same account could not.
func (p *Pool) Get(ctx context.Context, cfg Config) (*Conn, error) {
	return p.get(ctx, p.withDefaults(cfg), 0)
}

func (p *Pool) get(ctx context.Context, cfg Config, depth int) (*Conn, error) {
	rc, err := cfg.resolve(p.d.parsed)
	if err != nil {
		return nil, err
	}
	key := rc.key()
	p.mu.Lock()
	e := p.conns[key]
	if e != nil {
		select {
		case <-e.ready:
			if e.err != nil || !e.conn.Alive() {
				e = nil
			}
		default:
		}
	}
	if e == nil {
		e = &poolEntry{ready: make(chan struct{})}
		p.conns[key] = e
		p.dials++
		p.mu.Unlock()
		e.conn, e.err = p.d.dialResolved(ctx, cfg, rc, depth)
		if e.err == nil {
			e.conn.RemoveLeftovers(ctx)
		}
		close(e.ready)
		return e.conn, e.err
	}
	p.mu.Unlock()
	select {
	case <-e.ready:
		return e.conn, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// withDefaults fills cfg's unset fields from p.Defaults.
func (p *Pool) withDefaults(cfg Config) Config {
	d := p.Defaults
	if cfg.Passphrase == nil {
		cfg.Passphrase = d.Passphrase
	}
	if cfg.Warn == nil {
		cfg.Warn = d.Warn
	}
	if cfg.HostKeyPolicy == PolicyUnset {
		cfg.HostKeyPolicy = d.HostKeyPolicy
	}
	if len(cfg.KnownHostsFiles) == 0 {
		cfg.KnownHostsFiles = d.KnownHostsFiles
	}
	if len(cfg.IdentityFiles) == 0 {
		cfg.IdentityFiles = d.IdentityFiles
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = d.ConnectTimeout
	}
	if cfg.ConfigFile == "" {
		cfg.ConfigFile = d.ConfigFile
	}
	if cfg.User == "" {
		cfg.User = d.User
	}
	return cfg
}

// Stats reports the pool's dial count and open connections.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := PoolStats{Dials: p.dials}
	for _, e := range p.conns {
		select {
		case <-e.ready:
			if e.err == nil && e.conn.Alive() {
				s.Open++
			}
		default:
		}
	}
	return s
}

// Close closes every connection of the pool, each after removing the
// temporary files that Puts to its account could not (see sweep).
func (p *Pool) Close() error {
	p.mu.Lock()
	entries := p.conns
	p.conns = map[string]*poolEntry{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Go(func() {
			<-e.ready
			if e.conn != nil {
				p.sweep(e.conn)
				e.conn.Close()
			}
		})
	}
	wg.Wait()
	return nil
}
