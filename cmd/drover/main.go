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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil && !exitcode.Silent(err) {
		fmt.Fprintln(os.Stderr, "drover: "+err.Error())
	}
	os.Exit(exitcode.Code(err))
}
