package pymodule

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
)

// stopGrace is how long an agent may take to finish and clean up at the
// end of a run before it is killed.
const stopGrace = 10 * time.Second

// agentPool is a run's agents, one per connection and interpreter,
// stopped when the run ends.
type agentPool struct {
	mu    sync.Mutex
	slots map[agentKey]*agentSlot
}

type agentKey struct {
	conn   transport.Conn
	interp string
}

// agentSlot holds one agent; its lock makes concurrent first tasks start
// one agent, not several.
type agentSlot struct {
	mu sync.Mutex
	a  *agent
}

type poolKey struct{}

// pool returns the session's agents, registering their stop at the end of
// the session.
func pool(s *tasks.Session) *agentPool {
	registered := false
	p := s.Value(poolKey{}, func() any {
		registered = true
		return &agentPool{slots: map[agentKey]*agentSlot{}}
	}).(*agentPool)
	if registered {
		s.OnEnd(p.stopAll)
	}
	return p
}

// get returns the running agent for conn and interp, starting it when
// there is none (or it ended).
func (p *agentPool) get(ctx context.Context, conn transport.Conn, interp []string, remoteTmp string) (*agent, error) {
	key := agentKey{conn: conn, interp: strings.Join(interp, "\x00")}
	p.mu.Lock()
	slot, ok := p.slots[key]
	if !ok {
		slot = &agentSlot{}
		p.slots[key] = slot
	}
	p.mu.Unlock()
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.a != nil && slot.a.alive() {
		return slot.a, nil
	}
	a, err := startAgent(ctx, conn, interp, remoteTmp, nil, false)
	if err != nil {
		return nil, err
	}
	slot.a = a
	return a, nil
}

// stopAll stops every agent at once and waits for them.
func (p *agentPool) stopAll(context.Context) {
	p.mu.Lock()
	var live []*agent
	for _, s := range p.slots {
		s.mu.Lock()
		if s.a != nil {
			live = append(live, s.a)
		}
		s.mu.Unlock()
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, a := range live {
		wg.Go(func() { a.stop(stopGrace) })
	}
	wg.Wait()
}
