package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/suggest"
)

// subcommands holds the constructors of every subcommand; each subcommand's
// file adds its own in an init function.
var subcommands []func() *cobra.Command

func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "drover",
		Short:         "Run commands, playbooks and probes across a fleet of hosts",
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          runRoot,
	}
	root.SetGlobalNormalizationFunc(normalizeFlag)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

// runRoot is drover without a subcommand: its help, or a usage error naming
// the unknown subcommand with the nearest known one.
func runRoot(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath()) + subcommandHint(cmd, args[0])
	return exitcode.New(exitcode.Usage, fmt.Errorf("%s; run 'drover --help' for the commands", msg))
}

// subcommandHint is ` (did you mean "X"?)` for the subcommand of cmd
// nearest to given, or "".
func subcommandHint(cmd *cobra.Command, given string) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return suggest.Hint(given, names)
}

// unknownFlag finds the flag named in pflag's "unknown flag: --x" and
// "unknown shorthand flag: 'x' in -x" errors.
var unknownFlag = regexp.MustCompile(`^unknown flag: --([^=\s]+)|^unknown shorthand flag: '(.)'`)

// flagError makes a flag parsing error a usage error, with the nearest
// flag of the command for an unknown one.
func flagError(cmd *cobra.Command, err error) error {
	m := unknownFlag.FindStringSubmatch(err.Error())
	if m == nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if hint := flagHint(cmd, m[1]); hint != "" {
		err = fmt.Errorf("%w (did you mean %s?)", err, hint)
	}
	return exitcode.New(exitcode.Usage, err)
}

// flagHint is the flag of cmd nearest to the long name given, as "--name",
// or "" when none is near.
func flagHint(cmd *cobra.Command, given string) string {
	if given == "" {
		return ""
	}
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	for _, n := range names {
		if strings.HasPrefix(n, given) && len(given) >= 3 {
			return "--" + n
		}
	}
	if c, ok := suggest.Closest(given, names); ok {
		return "--" + c
	}
	return ""
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
