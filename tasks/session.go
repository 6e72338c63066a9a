package tasks

import (
	"context"
	"sync"
)

// Session is what the tasks of one run share: state a module keeps for the
// whole run (code already sent to a host, a helper process left running
// there) and the work to do when the run ends (removing what it left on
// the hosts). The engine makes one per run and ends it before closing the
// connections, also after failures and on Ctrl-C.
type Session struct {
	mu     sync.Mutex
	values map[any]any
	ends   []func(context.Context)
}

// NewSession returns an empty session.
func NewSession() *Session { return &Session{values: map[any]any{}} }

// Value returns the session's value for key, made by init on first use.
func (s *Session) Value(key any, init func() any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	if !ok {
		v = init()
		s.values[key] = v
	}
	return v
}

// OnEnd registers f to run when the session ends; f gets a context that
// is not the (possibly cancelled) run's.
func (s *Session) OnEnd(f func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ends = append(s.ends, f)
}

// End runs the registered end functions, all at once, and waits for them.
// It runs them only once.
func (s *Session) End(ctx context.Context) {
	s.mu.Lock()
	ends := s.ends
	s.ends = nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range ends {
		wg.Go(func() { f(ctx) })
	}
	wg.Wait()
}
