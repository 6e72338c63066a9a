package tasks

import "context"

func init() {
	Register(&Spec{
		Name:     "shell",
		NoFiles:  true,
		Args:     commandArgs,
		FreeForm: FreeFormCommand,
		Run:      func(ctx context.Context, c *Call) (*Result, error) { return runCommand(ctx, c, true) },
	})
}
