package tasks

import "context"

func init() {
	Register(&Spec{
		Name:    "ping",
		Args:    []Arg{{Name: "data", Type: Str, Default: "pong"}},
		NoFiles: true,
		Run:     runPing,
	})
}

// runPing answers once the connection to the host is up: the engine opened
// it before calling, so no process runs on the host.
func runPing(_ context.Context, c *Call) (*Result, error) {
	if c.Args.Str("data") == "crash" {
		return Failf("boom"), nil
	}
	return OK().Set("ping", c.Args.Str("data")), nil
}
