package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
)

// TestAdmissionAdapts feeds the gate handshake times and checks how its
// limit moves: slow start while handshakes stay fast, a cut by a third on
// a slow one (once per round), one more per round after that, and the
// floor and ceiling.
func TestAdmissionAdapts(t *testing.T) {
	const timeout = 8 * time.Second // target: 1s
	fast, slow := 100*time.Millisecond, 3*time.Second
	cases := []struct {
		name  string
		feed  func(a *admission)
		limit float64
	}{
		{"starts at four per CPU", func(a *admission) {}, 8},
		{"slow start: one more per fast handshake", func(a *admission) {
			for range 5 {
				a.observe(time.Now(), fast, timeout)
			}
		}, 13},
		{"a slow handshake cuts by a third", func(a *admission) {
			a.observe(time.Now(), fast, timeout)
			a.observe(time.Now(), slow, timeout)
		}, 6},
		{"one cut per round: handshakes admitted before the cut do not cut again", func(a *admission) {
			before := time.Now()
			a.observe(time.Now(), fast, timeout)
			a.observe(time.Now(), fast, timeout)
			a.observe(before.Add(time.Nanosecond), slow, timeout)
			a.observe(before, slow, timeout)
		}, 20.0 / 3},
		{"after the cut: one more per round", func(a *admission) {
			a.observe(time.Now(), fast, timeout)
			a.observe(time.Now(), slow, timeout)
			for range 16 {
				a.observe(time.Now(), fast, timeout)
			}
		}, 8.25},
		{"never below two per CPU", func(a *admission) {
			a.observe(time.Now(), fast, timeout)
			for range 10 {
				a.observe(time.Now(), slow, timeout)
			}
		}, 4},
		{"never above 128 per CPU", func(a *admission) {
			for range 1000 {
				a.observe(time.Now(), fast, timeout)
			}
		}, 256},
		{"far hosts: four times the fastest is still fast", func(a *admission) {
			a.observe(time.Now(), 2*time.Second, timeout)
			a.observe(time.Now(), 3*time.Second, timeout)
		}, 10},
	}
	for _, c := range cases {
		a := newAdmission(2)
		c.feed(a)
		if got := a.limit; got < c.limit-0.3 || got > c.limit+0.3 {
			t.Errorf("%s: limit %.2f, want about %.2f", c.name, got, c.limit)
		}
	}
}

// TestAdmissionOrder checks that waiters are admitted first come first
// served, that one giving up leaves no place taken, and that a stalled
// handshake gives its place to the next, once.
func TestAdmissionOrder(t *testing.T) {
	a := newAdmission(1)
	a.limit = 2
	held := []*ticket{acquireNow(t, a), acquireNow(t, a)}
	order := make(chan int, 2)
	var wg sync.WaitGroup
	wait := func(i int) {
		wg.Go(func() {
			tk := acquireNow(t, a)
			order <- i
			tk.done(false)
		})
	}
	wait(0)
	waitQueued(a, 1)
	cancelled, cancel := context.WithCancel(context.Background())
	wg.Go(func() {
		if _, err := a.acquire(cancelled, time.Second); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter: %v", err)
		}
	})
	waitQueued(a, 2)
	cancel()
	waitQueued(a, 1)
	wait(2)
	waitQueued(a, 2)
	held[0].stall() // its host is silent: the first waiter goes in
	if first := <-order; first != 0 {
		t.Errorf("admitted waiter %d first, want 0", first)
	}
	held[0].done(false) // it gave its place already
	held[1].done(false)
	if second := <-order; second != 2 {
		t.Errorf("admitted waiter %d second, want 2", second)
	}
	wg.Wait()
	if a.active != 0 || len(a.waiting) != 0 {
		t.Errorf("gate left with %d active and %d waiting", a.active, len(a.waiting))
	}
}

func acquireNow(t *testing.T, a *admission) *ticket {
	tk, err := a.acquire(context.Background(), time.Second)
	if err != nil {
		t.Error(err)
		return &ticket{a: a}
	}
	return tk
}

// waitQueued waits until n handshakes wait at the gate.
func waitQueued(a *admission, n int) {
	for {
		a.mu.Lock()
		got := len(a.waiting)
		a.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// busyController stands for a controller with one CPU that other work
// keeps busy: every message a connection receives waits for that CPU and
// takes it for a while before the handshake sees it. (The server's
// version line is read a byte at a time; it counts as one message.)
type busyController struct {
	cpu  sync.Mutex
	work time.Duration
}

func (b *busyController) through(c net.Conn) net.Conn { return &busyConn{Conn: c, b: b} }

type busyConn struct {
	net.Conn
	b *busyController
}

func (c *busyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 1 || n == 1 && p[0] == '\n' {
		c.b.cpu.Lock()
		time.Sleep(c.b.work)
		c.b.cpu.Unlock()
	}
	return n, err
}

// TestBusyControllerReachesEveryHost dials many connections to real sshd
// hosts at once through a controller so busy that the handshakes, all
// together, take several times the connect timeout, with a silent host
// among them. Every real host must be reached, and the silent one must be
// reported timed out before the last real one is connected: its timeout
// measured its own silence, not drover's queue.
func TestBusyControllerReachesEveryHost(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3, OwnUsers: true})
	const timeout, perHost = time.Second, 3
	d := &dialer{gate: newAdmission(1), keys: newSignerCache(), parsed: newParseCache(),
		through: (&busyController{work: 25 * time.Millisecond}).through}
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(lab.Hosts)*perHost+1)
	silent := labConfig(lab, lab.Hosts[0], timeout)
	silent.Host = "silent"
	silent.HostName, silent.Port = splitPeer(t, testlab.SilentPeer(t))
	dialOne := func(name string, cfg Config) {
		c, err := d.dial(context.Background(), cfg, 0)
		if err == nil {
			c.Close()
		}
		results <- result{name, err}
	}
	go dialOne("silent", silent)
	waitActive(d.gate, 1)
	for _, h := range lab.Hosts {
		for i := range perHost {
			go dialOne(fmt.Sprintf("%s#%d", h.Name, i), labConfig(lab, h, timeout))
		}
	}
	var order []string
	for range cap(results) {
		r := <-results
		order = append(order, r.name)
		switch {
		case r.name == "silent":
			if !transport.IsUnreachable(r.err) || !strings.Contains(r.err.Error(), "timed out during key exchange after 1s") {
				t.Errorf("silent host: %v, want unreachable, timed out during the handshake", r.err)
			}
		case r.err != nil:
			t.Errorf("%s: %v", r.name, r.err)
		}
	}
	if order[len(order)-1] == "silent" {
		t.Errorf("the silent host was reported last (%v): its timeout counted the wait for the others", order)
	}
}

func labConfig(lab *testlab.Lab, h *testlab.Host, timeout time.Duration) Config {
	return Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User, ConnectTimeout: timeout,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none"}
}

func splitPeer(t *testing.T, addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil {
		t.Fatalf("peer address %q", addr)
	}
	return host, p
}

// waitActive waits until n handshakes hold a place at the gate.
func waitActive(a *admission, n int) {
	for {
		a.mu.Lock()
		got := a.active
		a.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
