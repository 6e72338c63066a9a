package tasks

import (
	"context"
	"math"
	"time"

	"github.com/drover/drover/internal/pyfmt"
)

func init() {
	Register(&Spec{
		Name: "pause",
		Args: []Arg{
			{Name: "minutes", Type: Float},
			{Name: "seconds", Type: Float},
			{Name: "prompt", Type: Str},
			{Name: "echo", Type: Bool, Default: true},
		},
		MutuallyExclusive: [][]string{{"minutes", "seconds"}},
		Controller:        true,
		BypassHostLoop:    true,
		Run:               runPause,
	})
}

// runPause waits the given time, or asks at the terminal when no time is
// given (and continues at once when there is no terminal).
func runPause(ctx context.Context, c *Call) (*Result, error) {
	start := time.Now()
	r := &Result{Values: map[string]any{"echo": c.Args.Bool("echo"), "rc": 0, "stderr": "", "user_input": ""}}
	secs := c.Args.Float("seconds") + 60*c.Args.Float("minutes")
	switch {
	case c.Args.Has("seconds") || c.Args.Has("minutes"):
		t := time.NewTimer(time.Duration(secs * float64(time.Second)))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		r.Values["stdout"] = pausedFor(time.Since(start), c.Args.Has("minutes"))
	case c.Prompt != nil:
		prompt := c.Args.Str("prompt")
		if prompt == "" {
			prompt = "Press enter to continue, Ctrl+C to interrupt"
		}
		in, err := c.Prompt(ctx, "[pause]\n"+prompt+":\n", c.Args.Bool("echo"))
		if err != nil {
			return nil, err
		}
		r.Values["user_input"] = in
		r.Values["stdout"] = pausedFor(time.Since(start), true)
	default:
		r.Warnings = append(r.Warnings, "Not waiting for response to prompt as stdin is not interactive")
		r.Values["stdout"] = "Paused for 0.0 minutes"
	}
	stop := time.Now()
	r.Values["start"], r.Values["stop"] = ansibleTime(start), ansibleTime(stop)
	r.Values["delta"] = int(stop.Sub(start).Seconds())
	return r, nil
}

// pausedFor says how long the pause took, as Ansible does: the time that
// passed, in minutes or seconds, rounded to two decimals.
func pausedFor(d time.Duration, minutes bool) string {
	n, unit := d.Seconds(), "seconds"
	if minutes {
		n, unit = d.Minutes(), "minutes"
	}
	return "Paused for " + pyfmt.Float(math.Round(n*100)/100) + " " + unit
}
