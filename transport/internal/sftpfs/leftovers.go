package sftpfs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"

	"github.com/drover/drover/transport"
)

// leftovers are the temporary files of Puts whose connection (or SFTP
// session) ended before they could be removed, per account (Hooks.Account),
// for as long as this process runs: the next file operation on that
// account, over any connection, removes them first.
var leftovers = struct {
	sync.Mutex
	paths   map[string][]string
	pending atomic.Int64
}{paths: map[string][]string{}}

// leaveBehind notes tmp, which could not be removed, for account.
func leaveBehind(account, tmp string) {
	leftovers.Lock()
	defer leftovers.Unlock()
	leftovers.paths[account] = append(leftovers.paths[account], tmp)
	leftovers.pending.Add(1)
}

// takeLeftovers hands over what is noted for account and forgets it.
func takeLeftovers(account string) []string {
	if leftovers.pending.Load() == 0 {
		return nil
	}
	leftovers.Lock()
	defer leftovers.Unlock()
	paths := leftovers.paths[account]
	delete(leftovers.paths, account)
	leftovers.pending.Add(-int64(len(paths)))
	return paths
}

// HasLeftovers reports whether temporary files of account's Puts wait to
// be removed.
func HasLeftovers(account string) bool {
	if leftovers.pending.Load() == 0 {
		return false
	}
	leftovers.Lock()
	defer leftovers.Unlock()
	return len(leftovers.paths[account]) > 0
}

// discard removes the temporary file of a Put that failed with err, or
// notes it for later when the connection cannot remove it now.
func (f *FS) discard(cl *sftp.Client, tmp string, err error) {
	if !transport.IsUnreachable(err) {
		rerr := cl.Remove(tmp)
		var st *sftp.StatusError
		if rerr == nil || errors.As(rerr, &st) {
			return
		}
	}
	leaveBehind(f.h.Account, tmp)
}

// RemoveLeftovers removes the temporary files that Puts on this account
// could not remove when their connection ended, waiting for it no longer
// than ctx allows. It starts the SFTP client only when there are some.
func (f *FS) RemoveLeftovers(ctx context.Context) {
	if leftovers.pending.Load() == 0 {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if cl, err := f.h.Client(ctx); err == nil {
			f.removeLeftovers(cl)
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// removeLeftovers removes with cl what is noted for f's account; what
// cannot be removed for a lost connection is noted again.
func (f *FS) removeLeftovers(cl *sftp.Client) {
	for _, p := range takeLeftovers(f.h.Account) {
		f.discard(cl, p, nil)
	}
}

// client is the SFTP client of f's Hooks, with the account's leftovers
// removed first.
func (f *FS) client(ctx context.Context) (*sftp.Client, error) {
	cl, err := f.h.Client(ctx)
	if err == nil {
		f.removeLeftovers(cl)
	}
	return cl, err
}
