package playbooks

import (
	"context"
	"strings"
)

// takeStep asks, for --step, whether to run a task, as ansible-playbook
// does: "Perform task: TASK: NAME (N)o/(y)es/(c)ontinue: " (with "on HOST"
// under the free strategy). y runs it, c runs it and every task after it
// without asking, anything else skips it. It returns true without asking
// when step mode is off or was ended by c.
func (r *run) takeStep(ctx context.Context, name, host string) bool {
	r.stepMu.Lock()
	defer r.stepMu.Unlock()
	if !r.opts.Step || r.stepDone || r.opts.Prompt == nil {
		return true
	}
	msg := "Perform task: TASK: " + name + " "
	if host != "" {
		msg += "on " + host + " "
	}
	ans, err := r.opts.Prompt(ctx, msg+"(N)o/(y)es/(c)ontinue: ", true)
	if err != nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(ans)) {
	case "y", "yes":
		return true
	case "c", "continue":
		r.stepDone = true
		return true
	}
	return false
}

// stepHost names the host in the --step question under the free strategy,
// where each host runs its tasks on its own.
func (ps *playState) stepHost(hosts []*hostRun) string {
	if ps.strategy == "free" && len(hosts) == 1 {
		return hosts[0].h.name
	}
	return ""
}
