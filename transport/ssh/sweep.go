package ssh

import (
	"context"

	"github.com/drover/drover/transport/internal/sftpfs"
)

// sweep removes the temporary files that Puts to c's account could not
// remove when their connection ended. When c itself has died (the account
// was never reached again in the run), it connects to the account once
// more for that, so that a run leaves none behind on a host it can still
// reach; each step is bounded by the connect timeout.
func (p *Pool) sweep(c *Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*c.cfg.ConnectTimeout)
	defer cancel()
	if !c.Alive() && sftpfs.HasLeftovers(c.Account()) {
		d := p.d // jump hosts of its own, closed with it: the pool is closing
		d.shared = false
		d.jump = func(ctx context.Context, jc Config, depth int) (*Conn, error) { return d.dial(ctx, jc, depth) }
		fresh, err := d.dialResolved(ctx, c.cfg, c.cfg, 0)
		if err != nil {
			return
		}
		defer fresh.Close()
		c = fresh
	}
	c.RemoveLeftovers(ctx)
}
