package main

import (
	"github.com/spf13/cobra"

	"github.com/drover/drover/internal/exitcode"
)

// subcommands holds the constructors of every subcommand; each subcommand's
// file adds its own in an init function.
var subcommands []func() *cobra.Command

func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "drover",
		Short:         "Run commands, playbooks and probes across a fleet of hosts",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetGlobalNormalizationFunc(normalizeFlag)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return exitcode.New(exitcode.Usage, err)
	})
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

// usageArgs wraps a cobra positional-argument check so that its failure ends
// drover with the usage exit status.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return exitcode.New(exitcode.Usage, err)
		}
		return nil
	}
}
