package become

import (
	"sync"

	"github.com/drover/drover/transport"
)

// Cache hands out one wrapped connection per connection and become
// settings, so that a run becoming the same user on a host many times
// reuses one file session. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	conns map[cacheKey]transport.Conn
}

// cacheKey is what makes two wraps the same.
type cacheKey struct {
	conn                                 transport.Conn
	method, user, password, exe, flagStr string
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{conns: map[cacheKey]transport.Conn{}} }

// Wrap returns the connection Wrap(conn, opts) made earlier for the same
// conn and settings, or makes it.
func (c *Cache) Wrap(conn transport.Conn, opts Options) (transport.Conn, error) {
	if opts.Method == "" {
		opts.Method = "sudo"
	}
	if opts.User == "" {
		opts.User = "root"
	}
	k := cacheKey{conn: conn, method: opts.Method, user: opts.User, password: opts.Password, exe: opts.Exe, flagStr: opts.Flags}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.conns[k]; ok {
		return w, nil
	}
	w, err := Wrap(conn, opts)
	if err != nil {
		return nil, err
	}
	c.conns[k] = w
	return w, nil
}

// Close closes every connection the cache made (not the wrapped ones) and
// empties it.
func (c *Cache) Close() error {
	c.mu.Lock()
	conns := c.conns
	c.conns = map[cacheKey]transport.Conn{}
	c.mu.Unlock()
	for _, w := range conns {
		w.Close()
	}
	return nil
}
