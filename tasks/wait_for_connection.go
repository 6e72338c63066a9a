package tasks

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name:           "wait_for_connection",
		AnyArgs:        true,
		ConnectsItself: true,
		NoFiles:        true,
		Run:            runWaitForConnection,
	})
}

// runWaitForConnection waits delay seconds, then until a command runs on
// the host over a new connection, retrying every sleep seconds for up to
// timeout seconds; each attempt (connecting and running) gets
// connect_timeout seconds. Later tasks use the connection it made.
func runWaitForConnection(ctx context.Context, c *Call) (*Result, error) {
	if bad := invalidOptions(c, "connect_timeout", "delay", "sleep", "timeout"); bad != nil {
		return bad, nil
	}
	o, err := intOptions(c.Args, map[string]int{"connect_timeout": 5, "delay": 0, "sleep": 1, "timeout": 600})
	if err != nil {
		return nil, err
	}
	if c.Check {
		return &Result{Skipped: true}, nil
	}
	start := time.Now()
	if err := sleepCtx(ctx, time.Duration(o["delay"])*time.Second); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Duration(o["timeout"]) * time.Second)
	var last error
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if last = pingHost(ctx, c, attempt > 0, time.Duration(o["connect_timeout"])*time.Second); last == nil {
			return OK().Set("elapsed", int(time.Since(start).Seconds())), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := sleepCtx(ctx, time.Duration(o["sleep"])*time.Second); err != nil {
			return nil, err
		}
	}
	return Failf("timed out waiting for ping module test: %v", connError(last)).Set("elapsed", int(time.Since(start).Seconds())), nil
}

// pingHost connects (afresh with fresh) and runs a command that must
// answer, within limit.
func pingHost(ctx context.Context, c *Call, fresh bool, limit time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, err := c.Connect(actx, fresh)
	if err != nil {
		return err
	}
	c.Conn = conn
	res, err := c.Run(actx, transport.Command{Shell: "echo pong"})
	switch {
	case err != nil:
		return err
	case strings.TrimSpace(string(res.Stdout)) != "pong":
		return errors.New("ping test failed")
	}
	return nil
}

// connError is the reason an unreachable host gave, without drover's
// wrapping.
func connError(err error) error {
	var u *transport.UnreachableError
	if errors.As(err, &u) && u.Err != nil {
		return u.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("connection timed out")
	}
	return err
}
