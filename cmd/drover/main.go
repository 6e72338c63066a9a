// Command drover runs commands, playbooks and probes across a fleet of hosts.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/yamlx"
)

func main() { os.Exit(mainArgs(dispatchArgs(os.Args))) }

// ansiblePlaybook is the name under which drover answers as ansible-playbook.
const ansiblePlaybook = "ansible-playbook"

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
		fmt.Fprintln(os.Stderr, errorLine(args, err))
	}
	return exitcode.Code(err)
}

// errorLine is how a run's error prints: "drover: " and the error; when
// drover play prints ansible-playbook's output (scripts read that), as
// ansible-playbook starts it: "ERROR! " and the message, with the place in
// a file after it.
func errorLine(args []string, err error) string {
	if !ansibleOutput(args) {
		return "drover: " + err.Error()
	}
	var ye *yamlx.Error
	if errors.As(err, &ye) && ye.Error() == err.Error() && ye.File != "" {
		where := ye.File
		if ye.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", ye.File, ye.Line, ye.Column)
		}
		return "ERROR! " + ye.Msg + "\n\nin " + where + "\n" + strings.TrimRight(ye.Snippet, "\n")
	}
	return "ERROR! " + err.Error()
}

// ansibleOutput reports whether args ask for ansible-playbook's output.
func ansibleOutput(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--ansible-output" {
			return true
		}
	}
	return false
}
