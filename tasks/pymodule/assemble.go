package pymodule

import "github.com/drover/drover/tasks"

// assembleAction does what Ansible's assemble action does before it runs
// the module with remote_src (the default): it requires src and dest and
// takes decrypt away. With remote_src false Ansible assembles the
// fragments on the controller, which drover does not: it fails saying so.
func assembleAction(c *tasks.Call) *tasks.Result {
	if !c.Args.Has("src") || !c.Args.Has("dest") {
		return tasks.Failf("src and dest are required")
	}
	if c.Args.Has("remote_src") {
		if remote, err := tasks.ToBool(c.Args["remote_src"]); err == nil && !remote {
			return tasks.Failf("drover runs assemble with remote_src: true only (fragments already on the host)")
		}
	}
	args := tasks.Args{}
	for k, v := range c.Args {
		if k != "decrypt" {
			args[k] = v
		}
	}
	c.Args = args
	return nil
}
