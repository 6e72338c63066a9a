// Command drover runs commands, playbooks and probes across a fleet of hosts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/drover/drover/internal/exitcode"
)

func main() { os.Exit(mainArgs(dispatchArgs(os.Args))) }

// ansiblePlaybook is the name under which drover answers as ansible-playbook.
const ansiblePlaybook = "ansible-playbook"

// calledAsAnsible reports whether this process answers as ansible-playbook.
func calledAsAnsible() bool { return filepath.Base(os.Args[0]) == ansiblePlaybook }

// dispatchArgs returns drover's arguments for the command line argv: called
// as ansible-playbook (through a link or copy of that name), drover is
// drover play with ansible-playbook's output (the scripts written for it
// read that), so such scripts run drover when the link is first on PATH.
func dispatchArgs(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	if filepath.Base(argv[0]) == ansiblePlaybook {
		return append([]string{"play", "--ansible-output"}, argv[1:]...)
	}
	return argv[1:]
}

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
