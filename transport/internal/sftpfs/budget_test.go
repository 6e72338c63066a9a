package sftpfs

import (
	"context"
	"errors"
	"testing"
	"time"
)

// budgetStep takes (n > 0) or gives back (n < 0) an amount for who; a
// taker with cancel gives up waiting.
type budgetStep struct {
	who    string
	n      int64
	cancel bool
}

// TestBudget takes and gives amounts of a budget of 10 in the order each
// case lists and checks who holds an amount at the end: a taker waits
// while the amount is not free, waiters are served first come first served
// (a small amount does not pass a large one waiting before it), and one
// that gives up waiting takes nothing and lets the next ones through.
func TestBudget(t *testing.T) {
	cases := []struct {
		name  string
		steps []budgetStep
		hold  []string // takers holding their amount at the end (the others wait or gave up)
		free  int64
	}{
		{"within the total", []budgetStep{{"a", 4, false}, {"b", 6, false}}, []string{"a", "b"}, 0},
		{"waits until given back", []budgetStep{{"a", 8, false}, {"b", 4, false}, {"a", -8, false}}, []string{"b"}, 6},
		{"first come first served", []budgetStep{{"a", 8, false}, {"b", 5, false}, {"c", 1, false}}, []string{"a"}, 2},
		{"served in order once free", []budgetStep{{"a", 8, false}, {"b", 5, false}, {"c", 1, false}, {"a", -8, false}}, []string{"b", "c"}, 4},
		{"giving up lets the next through", []budgetStep{{"a", 8, false}, {"b", 5, true}, {"c", 1, false}}, []string{"a", "c"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBudget(10)
			done := map[string]chan error{}
			for _, s := range c.steps {
				if s.n < 0 {
					if err := <-done[s.who]; err != nil {
						t.Fatalf("%s: %v", s.who, err)
					}
					b.give(-s.n)
					delete(done, s.who)
					continue
				}
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				done[s.who] = startTake(ctx, b, s.n)
				if s.cancel {
					cancel()
					if err := <-done[s.who]; !errors.Is(err, context.Canceled) {
						t.Fatalf("%s gave up: %v, want context.Canceled", s.who, err)
					}
				}
			}
			for _, who := range c.hold {
				if err := <-done[who]; err != nil {
					t.Errorf("%s: %v", who, err)
				}
				delete(done, who)
			}
			// Every grant happened in a give above, before the holders
			// returned: the others are still waiting or gave up.
			for who, ch := range done {
				if len(ch) > 0 {
					t.Errorf("%s holds an amount, want it waiting or gone", who)
				}
			}
			if b.free != c.free {
				t.Errorf("free %d, want %d", b.free, c.free)
			}
		})
	}
}

// startTake takes n from b in a goroutine of its own and returns once the
// taker holds it or waits in line, so that takers queue in the order
// started; the channel gets take's result.
func startTake(ctx context.Context, b *budget, n int64) chan error {
	b.mu.Lock()
	waiting := len(b.waiting)
	b.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- b.take(ctx, n) }()
	for {
		b.mu.Lock()
		queued := len(b.waiting) > waiting
		b.mu.Unlock()
		if queued || len(done) > 0 {
			return done
		}
		time.Sleep(time.Millisecond)
	}
}
