package playbooks

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// hostOrders are the values of the play keyword order.
var hostOrders = []string{"inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"}

// orderHosts applies the play's order keyword to its hosts (in inventory
// order): reversed, sorted by name, reverse sorted or shuffled, as
// Ansible's inventory.get_hosts does.
func (r *run) orderHosts(ps *playState, hosts []string) ([]string, error) {
	order := ps.play.Order
	if order == "" {
		return hosts, nil
	}
	v, err := r.env.Template(order, ps.playScope())
	if err != nil {
		return nil, fmt.Errorf("%s: order: %v", ps.play.Pos, err)
	}
	order, _ = tasks.ToStr(jinja.ToPlain(v))
	out := append([]string(nil), hosts...)
	switch order {
	case "inventory":
	case "reverse_inventory":
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case "sorted":
		sort.Strings(out)
	case "reverse_sorted":
		sort.Sort(sort.Reverse(sort.StringSlice(out)))
	case "shuffle":
		rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	default:
		return nil, fmt.Errorf("%s: Invalid 'order' specified for inventory hosts: %s", ps.play.Pos, order)
	}
	return out, nil
}

// throttle returns the semaphore that limits how many hosts run t at once
// (the throttle keyword of the task, its blocks, role or play), shared by
// every host of the batch; nil when there is no limit below forks.
func (ps *playState) throttle(t *Task, hosts []*hostRun) chan struct{} {
	if _, set := t.kw("throttle"); !set || len(hosts) == 0 {
		return nil
	}
	n, err := ps.kwInt(t, ps.scope(hosts[0], t), "throttle", 0)
	if err != nil {
		ps.run.out.Warn(fmt.Sprintf("%s: Failed to convert the throttle value to an integer: %v", t.Pos, err))
		return nil
	}
	if n <= 0 || n >= ps.run.opts.Forks {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.throttles == nil {
		ps.throttles = map[*Task]chan struct{}{}
	}
	sem, ok := ps.throttles[t]
	if !ok {
		sem = make(chan struct{}, n)
		ps.throttles[t] = sem
	}
	return sem
}
