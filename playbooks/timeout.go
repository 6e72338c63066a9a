package playbooks

import (
	"context"
	"time"

	"github.com/drover/drover/tasks"
)

// runTimed runs one attempt of the module under the task's timeout
// keyword (else the configuration's task_timeout): after that many seconds
// its context ends, which ends what it runs on the host as an interrupt
// does, and the attempt fails with Ansible's message; the other hosts carry
// on.
func (ps *playState) runTimed(ctx context.Context, t *Task, s *scope, call *tasks.Call) (*tasks.Result, error) {
	secs, err := ps.kwInt(t, s, "timeout", ps.run.opts.TaskTimeout)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	if secs <= 0 {
		return ps.runModule(ctx, t, s, call)
	}
	timed, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second)
	defer cancel()
	res, err := ps.runModule(timed, t, s, call)
	if ctx.Err() == nil && timed.Err() != nil {
		return tasks.Failf("The %s action failed to execute in the expected time frame (%d) and was terminated", actionName(t), secs), nil
	}
	return res, err
}

// actionName is the module's name as the task wrote it.
func actionName(t *Task) string {
	if t.ActionAs != "" {
		return t.ActionAs
	}
	return t.Action
}
