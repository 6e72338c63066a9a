package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name:     "raw",
		NoFiles:  true,
		Args:     []Arg{{Name: "executable", Type: Path}},
		FreeForm: FreeFormCommand,
		Run:      runRaw,
	})
}

// runRaw sends the command line as it is to the host's login shell (or to
// executable -c), in one exec. Raw never runs in check mode.
func runRaw(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true}, nil
	}
	line := c.Args.Str(RawParams)
	if strings.TrimSpace(line) == "" {
		return Failf("no command given"), nil
	}
	tc := transport.Command{Shell: line}
	if exe := c.Args.Str("executable"); exe != "" {
		tc = transport.Command{Argv: []string{exe, "-c", line}}
	}
	tc.PTY = c.tty()
	res, err := c.Run(ctx, tc)
	if err != nil {
		if transport.IsUnreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		return Failf("%v", err), nil
	}
	r := &Result{Changed: true}
	setOutput(r, string(res.Stdout), string(res.Stderr))
	r.Set("rc", res.ExitCode)
	if res.ExitCode != 0 {
		r.Failed = true
		r.Msg = "non-zero return code"
	}
	return r, nil
}
