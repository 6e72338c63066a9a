package ssh

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// admission decides how many connections are opened (TCP connect, key
// exchange, authentication) at once, so that each one keeps progressing
// instead of all of them crawling together: a controller with a thousand
// hosts to reach and two cores must not start a thousand handshakes and
// let each wait for the others.
//
// The limit adapts like a TCP congestion window to how long handshakes
// take, against a target: an eighth of the connect timeout, or four times
// the fastest handshake when the hosts are far away. It starts at a
// few per CPU and grows by one for each handshake that took at most half
// the target (doubling per round until the first cut, then one per
// round); it shrinks by a third, at most once per round, when one takes
// longer than the target, which means handshakes queue for the
// controller's CPU or the hosts'. So the handshakes in progress go as fast
// as the controller (and the hosts) allow, each well within its timeout,
// whatever the number of hosts. A handshake whose host stays silent gives
// its place to the next one (see ticket.stall), so that dead hosts do not
// hold the gate. Waiters are admitted in the order they came.
type admission struct {
	mu      sync.Mutex
	limit   float64
	floor   float64
	ceiling float64
	active  int             // admitted handshakes that hold a place
	waiting []chan struct{} // first come, first admitted
	growing bool            // before the first cut: +1 per fast handshake
	cutAt   time.Time       // handshakes admitted before this do not cut again
	fastest time.Duration   // the shortest handshake so far
}

// newAdmission returns the gate of a controller with cpus CPUs.
func newAdmission(cpus int) *admission {
	n := float64(max(cpus, 1))
	return &admission{limit: 4 * n, floor: 2 * n, ceiling: 128 * n, growing: true}
}

// newDefaultAdmission sizes the gate for the CPUs this process may use.
func newDefaultAdmission() *admission { return newAdmission(runtime.GOMAXPROCS(0)) }

// ticket is one admitted handshake.
type ticket struct {
	a        *admission
	admitted time.Time
	timeout  time.Duration // the host's connect timeout
	mu       sync.Mutex
	held     bool // counted in a.active
}

// acquire waits for a place; the time spent waiting is drover's, not the
// host's. It fails only when ctx ends first.
func (a *admission) acquire(ctx context.Context, timeout time.Duration) (*ticket, error) {
	a.mu.Lock()
	if len(a.waiting) == 0 && float64(a.active) < a.limit {
		a.active++
		a.mu.Unlock()
		return a.ticket(timeout), nil
	}
	ch := make(chan struct{})
	a.waiting = append(a.waiting, ch)
	a.mu.Unlock()
	select {
	case <-ch:
		return a.ticket(timeout), nil
	case <-ctx.Done():
	}
	a.mu.Lock()
	queued := a.dequeue(ch)
	a.mu.Unlock()
	if !queued { // admitted while giving up: pass the place on
		a.release()
	}
	return nil, ctx.Err()
}

func (a *admission) ticket(timeout time.Duration) *ticket {
	return &ticket{a: a, admitted: time.Now(), timeout: timeout, held: true}
}

// dequeue removes ch from the waiters; false when it was admitted already.
func (a *admission) dequeue(ch chan struct{}) bool {
	for i, w := range a.waiting {
		if w == ch {
			a.waiting = append(a.waiting[:i], a.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// release frees a place and admits waiters into the places free.
func (a *admission) release() {
	a.mu.Lock()
	a.active--
	a.admit()
	a.mu.Unlock()
}

// admit lets waiters in while there is room; a.mu is held.
func (a *admission) admit() {
	for len(a.waiting) > 0 && float64(a.active) < a.limit {
		close(a.waiting[0])
		a.waiting[0] = nil
		a.waiting = a.waiting[1:]
		a.active++
	}
}

// observe adapts the limit to a handshake admitted at start that took d
// and had timeout to make progress.
func (a *admission) observe(start time.Time, d, timeout time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fastest == 0 || d < a.fastest {
		a.fastest = d
	}
	target := a.target(timeout)
	switch {
	case d <= target/2 && a.growing:
		a.limit++
	case d <= target:
		a.limit += 1 / a.limit
	case start.After(a.cutAt):
		a.limit *= 2.0 / 3
		a.growing = false
		a.cutAt = time.Now()
	}
	a.limit = min(max(a.limit, a.floor), a.ceiling)
	a.admit()
}

// stallAfter is how long a handshake may wait on its host before it gives
// its place to the next one: as long as a whole handshake should take.
func (a *admission) stallAfter(timeout time.Duration) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.target(timeout)
}

// target is how long a handshake should take at most; a.mu is held.
func (a *admission) target(timeout time.Duration) time.Duration {
	return max(timeout/8, 4*a.fastest)
}

// stall gives t's place to the next handshake: its host has been silent
// for a while, so it is not what the controller is busy with.
func (t *ticket) stall() {
	if t.drop() {
		t.a.release()
	}
}

// done ends the handshake; ok says whether it succeeded. Only those that
// succeeded without stalling tell how fast handshakes go: the others
// measured their host.
func (t *ticket) done(ok bool) {
	held := t.drop()
	if held {
		t.a.release()
	}
	if ok && held {
		t.a.observe(t.admitted, time.Since(t.admitted), t.timeout)
	}
}

// drop reports whether t still held its place, and gives it up.
func (t *ticket) drop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	held := t.held
	t.held = false
	return held
}
