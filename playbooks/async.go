package playbooks

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path"
	"time"

	"github.com/drover/drover/tasks"
)

// defaultPoll is Ansible's poll interval when a task sets async without
// poll (DEFAULT_POLL_INTERVAL).
const defaultPoll = 15

// noAsync are the actions whose Ansible action plugin refuses async ("async
// is not supported for this task.").
var noAsync = map[string]bool{"add_host": true, "assemble": true, "assert": true, "async_status": true,
	"copy": true, "debug": true, "fail": true, "fetch": true, "gather_facts": true, "group_by": true,
	"include_vars": true, "pause": true, "raw": true, "script": true, "set_fact": true, "set_stats": true,
	"template": true, "unarchive": true, "validate_argument_spec": true, "wait_for_connection": true}

// runModule runs the task's module once, honouring async and poll as
// Ansible does: with poll > 0 the module must finish within the async time
// (checked every poll seconds, so within async rounded up to a multiple of
// poll), and its result gains ansible_job_id, started, finished and
// results_file; with poll: 0 a command or shell task is started detached on
// the host and the task returns at once (see tasks.StartAsync and the
// async_status module).
func (ps *playState) runModule(ctx context.Context, t *Task, s *scope, call *tasks.Call) (*tasks.Result, error) {
	if _, set := t.Kw["async"]; !set {
		return t.Spec.Run(ctx, call)
	}
	limit, err := ps.kwInt(t, s, "async", 0)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	if limit <= 0 {
		return t.Spec.Run(ctx, call)
	}
	poll, err := ps.kwInt(t, s, "poll", defaultPoll)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	switch {
	case noAsync[t.Action]:
		return tasks.Failf("async is not supported for this task."), nil
	case call.Check:
		return tasks.Failf("check mode and async cannot be used on same task."), nil
	}
	jid := tasks.NewJobID(rand.Int64(), os.Getpid())
	if poll <= 0 {
		if t.Spec.StartAsync != nil {
			return t.Spec.StartAsync(ctx, call, jid, limit)
		}
		if t.Action != "command" && t.Action != "shell" {
			return tasks.Failf("drover runs async tasks with poll: 0 for command and shell only (%s)", t.Action), nil
		}
		return tasks.StartAsync(ctx, call, jid, limit)
	}
	return ps.runPolled(ctx, t, call, jid, limit, poll)
}

// runPolled runs the module with the async time limit.
func (ps *playState) runPolled(ctx context.Context, t *Task, call *tasks.Call, jid string, limit, poll int) (*tasks.Result, error) {
	rounds := (limit + poll - 1) / poll
	cctx, cancel := context.WithTimeout(ctx, time.Duration(rounds*poll)*time.Second)
	defer cancel()
	res, err := t.Spec.Run(cctx, call)
	file := path.Join(tasks.AsyncDir, jid)
	if call.Conn != nil {
		if full, xerr := tasks.ExpandUser(ctx, call.Conn, file); xerr == nil {
			file = full
		}
	}
	if ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		async := map[string]any{"ansible_job_id": jid, "finished": 0, "started": 1, "results_file": file,
			"stdout": "", "stdout_lines": []any{}, "stderr": "", "stderr_lines": []any{}}
		return tasks.Failf("async task did not complete within the requested time - %ds", limit).Set("async_result", async), nil
	}
	if err != nil {
		return nil, err
	}
	return res.Set("ansible_job_id", jid).Set("started", 1).Set("finished", 1).Set("results_file", file), nil
}
