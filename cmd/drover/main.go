// Command drover runs commands, playbooks and probes across a fleet of hosts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/drover/drover/internal/exitcode"
)

func main() { os.Exit(mainArgs(os.Args[1:])) }

// mainArgs runs drover with args under a context that Ctrl-C (or SIGTERM)
// cancels, prints the error if any, and returns the exit status.
func mainArgs(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer startProfiles()()
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !exitcode.Silent(err) {
		fmt.Fprintln(os.Stderr, "drover: "+err.Error())
	}
	return exitcode.Code(err)
}
