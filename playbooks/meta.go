package playbooks

import (
	"context"
	"strings"
)

// runMeta carries out a meta: task, reporting what it did on each host to
// outputs that show meta tasks.
func (ps *playState) runMeta(ctx context.Context, t *Task, hosts []*hostRun) {
	action := strings.TrimSpace(includeFile(t.Args))
	rep := ps.metaReporter(t, hosts, action)
	switch action {
	case "flush_handlers":
		var flush []*hostRun
		for _, hr := range hosts {
			if rep.host(hr, ps.metaWhen(t, hr)) {
				flush = append(flush, hr)
			}
		}
		if t.Handler && len(flush) > 0 {
			ps.stopRun(t, "flush_handlers cannot be used as a handler")
			return
		}
		ps.flushHandlers(ctx, flush)
		return
	case "end_play", "end_batch":
		if rep.host(hosts[0], ps.metaWhen(t, hosts[0])) {
			ps.ended = true
			if action == "end_play" {
				ps.run.endPlay(ps.play)
			}
		}
		return
	}
	for _, hr := range hosts {
		if !rep.host(hr, action == "noop" || ps.metaWhen(t, hr)) {
			continue
		}
		switch action {
		case "end_host":
			hr.ended = true
		case "clear_host_errors":
			for _, x := range ps.batch {
				x.failed = false
				x.cleared++
				ps.run.stats.forgive(x.h.name)
			}
		case "clear_facts":
			hr.h.mu.Lock()
			hr.h.facts, hr.h.cleanFacts = map[string]any{}, nil
			hr.h.mu.Unlock()
			ps.run.cacheFacts(hr.h)
		}
	}
}

func (ps *playState) metaWhen(t *Task, hr *hostRun) bool {
	ok, _, err := ps.evalWhen(t, ps.scope(hr, t))
	return err == nil && ok
}

// MetaReporter is implemented by outputs that show meta tasks (Ansible's
// default callback): Meta is called for each host a meta task ran on, with
// what it did, or why it did nothing and its skipped result when its
// condition was false (skipped is nil otherwise). Meta tasks are not
// counted in the recap.
type MetaReporter interface {
	Meta(t *TaskInfo, host, msg string, skipped *HostResult)
}

// metaMessages are what a meta action says it did on a host, and what it
// adds when its condition was false; {host} is the host's name.
var metaMessages = map[string][2]string{
	"noop":              {"noop", ""},
	"flush_handlers":    {"triggered running handlers for {host}", ", not running handlers for {host}"},
	"end_play":          {"ending play", ", continuing play"},
	"end_batch":         {"ending batch", ", continuing current batch"},
	"end_host":          {"ending play for {host}", ", continuing execution for {host}"},
	"clear_host_errors": {"cleared host errors", ", not clearing host error state for {host}"},
	"clear_facts":       {"facts cleared", ", not clearing facts and fact cache for {host}"},
	"refresh_inventory": {"inventory successfully refreshed", ""},
	"reset_connection":  {"reset connection", ""},
}

// metaReport reports one meta task to a MetaReporter; its zero value
// reports nothing.
type metaReport struct {
	out    MetaReporter
	info   *TaskInfo
	action string
}

// metaReporter returns the report of meta task t for the run's output.
func (ps *playState) metaReporter(t *Task, hosts []*hostRun, action string) metaReport {
	out, ok := ps.run.out.(MetaReporter)
	if !ok || action == "role_complete" {
		return metaReport{}
	}
	return metaReport{out: out, info: ps.taskInfo(t, hosts), action: action}
}

// host reports what the meta task did on hr (ran tells whether its
// condition held) and returns ran.
func (m metaReport) host(hr *hostRun, ran bool) bool {
	if m.out == nil {
		return ran
	}
	msgs := metaMessages[m.action]
	if ran {
		m.out.Meta(m.info, hr.h.name, strings.ReplaceAll(msgs[0], "{host}", hr.h.name), nil)
		return true
	}
	msg := strings.ReplaceAll(m.action+" conditional evaluated to False"+msgs[1], "{host}", hr.h.name)
	skipped := &HostResult{Host: hr.h.name, Status: statusSkipped, Result: map[string]any{"msg": m.action, "skip_reason": msg}}
	m.out.Meta(m.info, hr.h.name, msg, skipped)
	return false
}
