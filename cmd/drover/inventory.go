package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/vault"
	"github.com/drover/drover/inventory"
)

func init() { register(newInventoryCmd) }

// inventoryOpts are the flags of drover inventory.
type inventoryOpts struct {
	sources   []string
	list      bool
	host      string
	graph     bool
	vars      bool
	listHosts string
	limit     string
	yaml      bool
	output    string
	vault     vault.Sources
}

func newInventoryCmd() *cobra.Command {
	o := &inventoryOpts{}
	cmd := &cobra.Command{
		Use:   "inventory [-i INVENTORY]... (--list | --host NAME | --graph [GROUP] [--vars] | --list-hosts PATTERN [-l LIMIT])",
		Short: "Show an inventory as Ansible resolves it (ansible-inventory's output)",
		Long: `Show an inventory the way ansible-inventory does: --list prints every group
and host with _meta.hostvars, --host the variables of one host, --graph the
group tree, --list-hosts the hosts a pattern selects (as ansible --list-hosts).
JSON is indented by 4 with sorted keys, byte for byte like ansible-inventory,
so that scripts written around it keep working; -y prints YAML instead.`,
		Example: `  drover inventory -i hosts.yml --list
  drover inventory -i inventory/ --graph web --vars
  drover inventory -i hosts.ini --list-hosts 'web:&prod:!web03' -l @retry.txt`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.applyConfig(cmd.Flags(), cmd.ErrOrStderr()); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.sources, "inventory", "i", nil, "inventory file, directory, script or comma list (repeatable)")
	f.BoolVar(&o.list, "list", false, "print all groups and hosts with their variables")
	f.StringVar(&o.host, "host", "", "print the variables of one host")
	f.BoolVar(&o.graph, "graph", false, "draw the group tree (from GROUP, default all)")
	f.BoolVar(&o.vars, "vars", false, "with --graph: show variables")
	f.StringVar(&o.listHosts, "list-hosts", "", "print the hosts PATTERN selects")
	f.StringVarP(&o.limit, "limit", "l", "", "with --list-hosts: further limit to this pattern (@FILE reads a list)")
	f.BoolVarP(&o.yaml, "yaml", "y", false, "print YAML instead of JSON")
	f.StringVar(&o.output, "output", "", "write the result to this file instead of stdout")
	o.vault.AddFlags(f)
	return cmd
}

// applyConfig reads the configuration: its inventory when no -i is given,
// and its vault password settings.
func (o *inventoryOpts) applyConfig(fs *pflag.FlagSet, stderr io.Writer) error {
	cfg, err := loadConfig(stderr)
	if err != nil {
		return err
	}
	if !fs.Changed("inventory") {
		if o.sources, err = configInventory(stderr, cfg); err != nil {
			return err
		}
	}
	vaultConfig(&o.vault, fs, cfg)
	return nil
}

// action checks that exactly one of --list, --host, --graph, --list-hosts
// was given.
func (o *inventoryOpts) action(args []string) error {
	n := 0
	for _, set := range []bool{o.list, o.host != "", o.graph, o.listHosts != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return exitcode.Errorf(exitcode.Usage, "no action selected: use one of --list, --host, --graph or --list-hosts")
	case n > 1:
		return exitcode.Errorf(exitcode.Usage, "conflicting options: only one of --list, --host, --graph or --list-hosts can be used at a time")
	case len(args) > 0 && !o.graph:
		return exitcode.Errorf(exitcode.Usage, "unexpected argument %q: only --graph takes a GROUP", args[0])
	case o.limit != "" && o.listHosts == "":
		return exitcode.Errorf(exitcode.Usage, "--limit applies to --list-hosts only")
	case o.vars && !o.graph:
		return exitcode.Errorf(exitcode.Usage, "--vars applies to --graph only")
	}
	return nil
}

func (o *inventoryOpts) run(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	if err := o.action(args); err != nil {
		return err
	}
	opts, err := o.loadOptions(ctx)
	if err != nil {
		return err
	}
	inv, err := inventory.Load(ctx, o.sources, opts)
	if err != nil {
		return exitcode.New(exitcode.BadInput, err)
	}
	for _, w := range inv.Warnings() {
		fmt.Fprintln(stderr, "[WARNING]: "+w)
	}
	out, err := o.render(inv, stderr, args)
	if err != nil {
		return err
	}
	if o.output != "" {
		return writeFileAtomic(o.output, []byte(out))
	}
	_, err = io.WriteString(stdout, out)
	return err
}

// loadOptions sets up vault decryption for vaulted files when a password
// source was given; inline !vault and !unsafe values are shown as
// ansible-inventory shows them (inventory.ExportOptions), never decrypted.
func (o *inventoryOpts) loadOptions(ctx context.Context) (inventory.Options, error) {
	opts := inventory.ExportOptions()
	opts.AnyUnparsedFails = true // fail closed: a source named and not read is an error
	kr, err := o.vault.Keyring(ctx)
	if err != nil {
		return opts, exitcode.New(exitcode.Usage, err)
	}
	if kr != nil && kr.Len() > 0 {
		opts.Decrypt = func(ciphertext []byte, _ string) ([]byte, error) { return kr.Decrypt(ciphertext) }
	}
	return opts, nil
}

func (o *inventoryOpts) render(inv *inventory.Inventory, stderr io.Writer, args []string) (string, error) {
	switch {
	case o.list:
		if o.yaml {
			return pyfmt.YAML(inv.ListYAML()), nil
		}
		return pyfmt.JSON(inv.List(), 4) + "\n", nil
	case o.host != "":
		return o.renderHost(inv, stderr)
	case o.graph:
		group := "all"
		if len(args) > 0 {
			group = args[0]
		}
		g, err := inv.Graph(group, o.vars)
		if err != nil {
			return "", exitcode.New(exitcode.Usage, err)
		}
		return g + "\n", nil
	}
	return o.renderListHosts(inv, stderr)
}

func (o *inventoryOpts) renderHost(inv *inventory.Inventory, stderr io.Writer) (string, error) {
	hosts, warnings, err := inv.Select(o.host)
	printWarnings(stderr, warnings)
	if err != nil {
		return "", exitcode.New(exitcode.BadInput, err)
	}
	if len(hosts) != 1 {
		return "", exitcode.Errorf(exitcode.Usage, "you must pass a single valid host to --host parameter; %q matches %d hosts", o.host, len(hosts))
	}
	vars := inv.ExportVars(hosts[0])
	if o.yaml {
		return pyfmt.YAML(vars), nil
	}
	return pyfmt.JSON(vars, 4) + "\n", nil
}

// renderListHosts prints the hosts a pattern selects in the format of
// `ansible PATTERN --list-hosts`.
func (o *inventoryOpts) renderListHosts(inv *inventory.Inventory, stderr io.Writer) (string, error) {
	hosts, warnings, err := inv.Select(o.listHosts)
	if err == nil && o.limit != "" {
		var more []string
		hosts, more, err = inv.Limit(hosts, o.limit)
		warnings = append(warnings, more...)
	}
	printWarnings(stderr, warnings)
	if err != nil {
		return "", exitcode.New(exitcode.BadInput, err)
	}
	if len(hosts) == 0 {
		printWarnings(stderr, []string{"No hosts matched, nothing to do"})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  hosts (%d):\n", len(hosts))
	for _, h := range hosts {
		fmt.Fprintf(&b, "    %s\n", h.Name)
	}
	return b.String(), nil
}

func printWarnings(w io.Writer, warnings []string) {
	for _, msg := range warnings {
		fmt.Fprintln(w, "[WARNING]: "+msg)
	}
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
