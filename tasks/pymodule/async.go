package pymodule

import (
	"context"
	"errors"

	"github.com/drover/drover/tasks"
)

// startAsync starts a Python module detached on the host for async with
// poll: 0, through an agent of its own that hands its run directory to
// the job (see agent.py, op async); the job writes its status and result
// to ~/.ansible_async/JID, which async_status reads.
func (f *Finder) startAsync(ctx context.Context, m *Module, c *tasks.Call, jid string, limit int) (*tasks.Result, error) {
	if c.Conn == nil {
		return nil, errors.New("module " + m.FQCN + " has no connection to the host")
	}
	p, err := f.payloadFor(m)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	if p.style != styleNew {
		return tasks.Failf("drover runs async with poll: 0 for Python modules using module_utils only (%s)", m.FQCN), nil
	}
	ip, err := f.moduleInterpreter(ctx, c, p)
	if err != nil {
		return nil, err
	}
	a, err := startAgent(ctx, c.Conn, ip.argv, f.remoteTmp(c), c.Environment, true)
	if err != nil {
		var se *startError
		if errors.As(err, &se) {
			return noPython(se, ip), nil
		}
		return nil, err
	}
	root, err := a.ensure(ctx, p, f.bytecode)
	if err != nil {
		return nil, err
	}
	args := f.moduleArgs(c)
	args["_ansible_tmpdir"] = a.hello.Tmp + "/"
	body, err := marshalArgs(args)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	head := map[string]any{"op": "async", "jid": jid, "limit": limit, "py": m.pyName, "root": root, "env": c.Environment}
	rep, err := a.call(ctx, head, body)
	if err != nil {
		return nil, err
	}
	r := tasks.Changed().Set("ansible_job_id", jid).Set("results_file", rep.ResultsFile).Set("started", 1).Set("finished", 0)
	return f.annotate(r, ip), nil
}
