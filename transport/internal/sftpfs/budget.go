package sftpfs

import (
	"context"
	"sync"
)

// sending bounds the file content that Puts of all connections (of every
// transport) hold in memory at once. Each byte sent is held several times on its way (read
// buffer, SFTP request, SSH packet, encryption), and a run copying a file
// to a thousand hosts at once would otherwise hold all those copies
// together. 4 MiB in flight keeps a gigabit link busy at 30 ms round
// trips; a single Put has at most 2 MiB in flight (maxInFlight requests).
var sending = newBudget(4 << 20)

// budget is a weighted semaphore: callers take and give back amounts of a
// fixed total, first come first served.
type budget struct {
	mu      sync.Mutex
	free    int64
	waiting []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(total int64) *budget { return &budget{free: total} }

// take waits until n is free and takes it; it fails only when ctx ends
// first. n must not exceed the total.
func (b *budget) take(ctx context.Context, n int64) error {
	b.mu.Lock()
	if len(b.waiting) == 0 && n <= b.free {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiting = append(b.waiting, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.waiting {
		if x == w {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			b.grant()
			return ctx.Err()
		}
	}
	b.free += n // granted while giving up
	b.grant()
	return ctx.Err()
}

// give returns n taken before.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.grant()
	b.mu.Unlock()
}

// grant wakes the waiters, in order, that the free amount covers; b.mu is
// held.
func (b *budget) grant() {
	for len(b.waiting) > 0 && b.waiting[0].n <= b.free {
		w := b.waiting[0]
		b.waiting[0] = nil
		b.waiting = b.waiting[1:]
		b.free -= w.n
		close(w.ready)
	}
}
