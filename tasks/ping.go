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
// it before calling, so no process runs on the host, but for Python
// interpreter discovery, which Ansible's ping (a Python module) reports
// the first time.
func runPing(ctx context.Context, c *Call) (*Result, error) {
	_, d, err := PythonInterpreter(ctx, c, c.InterpreterPython)
	if err != nil {
		return nil, err
	}
	if c.Args.Str("data") == "crash" {
		return Failf("boom").ReportDiscovery(d), nil
	}
	return OK().Set("ping", c.Args.Str("data")).ReportDiscovery(d), nil
}
