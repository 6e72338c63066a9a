package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/drover/drover/internal/termin"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/trace"
	"github.com/drover/drover/internal/vault"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/transport/hostconn"
	"github.com/drover/drover/transport/ssh"
)

// connFlags are the inventory and connection flags shared by every command
// that reaches hosts.
type connFlags struct {
	inventories     []string
	user            string
	privateKey      string
	timeout         int
	hostKeyChecking string
	// hostKeyOffConfigured: the configuration (not the flag) turned host
	// key checking off; the user chose it for good, so no warning per run.
	hostKeyOffConfigured bool
	askPass              bool
	passwordFile         string
	sshCommonArgs        string
	sshExtraArgs         string
	vault                vault.Sources
	// cfg is Ansible's configuration, read by applyConfig; nil before.
	cfg *ansiblecfg.Config

	// red holds the command's secrets: the password asked with -k, vault
	// passwords and values, the hosts' passwords. See secrets.
	red *redact.Redactor
}

// secrets returns the command's redactor, made on first use.
func (c *connFlags) secrets() *redact.Redactor {
	if c.red == nil {
		c.red = redact.New()
		trace.SetRedact(c.red.String)
	}
	return c.red
}

// patternMismatch is the configured host_pattern_mismatch (warning, error
// or ignore).
func (c *connFlags) patternMismatch() string {
	if c.cfg == nil || c.cfg.HostPatternMismatch == "" {
		return "warning"
	}
	return c.cfg.HostPatternMismatch
}

// unparsedPolicy sets what a missing inventory source does from the
// configuration (inventory_any_unparsed_is_failed,
// inventory_unparsed_is_failed, inventory_unparsed_warning). drover fails
// closed on a source it cannot read unless the configuration says
// otherwise; called as ansible-playbook it keeps Ansible's default (a
// warning, then the implicit localhost).
func (c *connFlags) unparsedPolicy(o inventory.Options) inventory.Options {
	o.AnyUnparsedFails = !calledAsAnsible()
	if c.cfg != nil {
		if c.cfg.IsSet("INVENTORY_ANY_UNPARSED_IS_FAILED") {
			o.AnyUnparsedFails = c.cfg.InventoryAnyUnparsedFailed
		}
		o.NoneParsedFails = c.cfg.InventoryUnparsedFailed
		o.QuietNoneParsed = !c.cfg.InventoryUnparsedWarning
		o.TransformGroupChars = c.cfg.TransformInvalidGroupChars
	}
	return o
}

// selectHosts loads the inventories, decrypting vault data with the vault
// flags' passwords, and returns the hosts pattern selects (narrowed by
// limit); the hosts' passwords and the vault values are registered as
// secrets.
func (c *connFlags) selectHosts(ctx context.Context, pattern, limit string) ([]*inventory.Host, error) {
	kr, err := openVault(ctx, &c.vault, c.secrets())
	if err != nil {
		return nil, err
	}
	hosts, err := selectHosts(ctx, c.inventories, pattern, limit, c.patternMismatch(), c.unparsedPolicy(inventory.Options{Decrypt: vaultFunc(kr)}))
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		registerHostSecrets(c.secrets(), h.Vars)
	}
	return hosts, nil
}

func (c *connFlags) register(f *pflag.FlagSet) {
	f.StringArrayVarP(&c.inventories, "inventory", "i", nil, "inventory file, directory, script or comma list (repeatable)")
	f.StringVarP(&c.user, "user", "u", "", "connect as this user (inventory ansible_user wins)")
	f.StringVar(&c.privateKey, "private-key", "", "private key file (inventory ansible_ssh_private_key_file wins)")
	f.IntVarP(&c.timeout, "timeout", "T", 10, "connect timeout in seconds")
	f.StringVar(&c.hostKeyChecking, "host-key-checking", "", "strict (default), accept-new or off")
	f.BoolVarP(&c.askPass, "ask-pass", "k", false, "ask for the SSH password")
	f.StringVar(&c.passwordFile, "connection-password-file", "", "read the SSH password from this file (- for standard input; run it if executable)")
	f.StringVar(&c.sshCommonArgs, "ssh-common-args", "", "ssh arguments for hosts without ansible_ssh_common_args (e.g. -o ProxyJump=bastion)")
	f.StringVar(&c.sshExtraArgs, "ssh-extra-args", "", "ssh arguments for hosts without ansible_ssh_extra_args")
	for _, name := range []string{"scp-extra-args", "sftp-extra-args"} {
		refuse(f, name, "", "drover copies files over its own SSH connection, never with scp or sftp")
	}
	c.vault.AddFlags(f)
}

// opener validates the flags and returns the connection opener they describe.
func (c *connFlags) opener(ctx context.Context) (*hostconn.Opener, error) {
	if c.timeout <= 0 {
		return nil, exitcode.Errorf(exitcode.Usage, "--timeout must be positive, not %d", c.timeout)
	}
	opts := hostconn.Options{
		User:            c.user,
		PrivateKey:      c.privateKey,
		Timeout:         time.Duration(c.timeout) * time.Second,
		HostKeyChecking: c.hostKeyChecking,
		SSHCommonArgs:   c.sshCommonArgs,
		SSHExtraArgs:    c.sshExtraArgs,
		Warn:            warnf,
	}
	if p, err := ssh.ParsePolicy(c.hostKeyChecking); err == nil && p == ssh.Off && !c.hostKeyOffConfigured {
		warnf("--host-key-checking off: host keys are not checked, so a host impersonating another gets its commands and files (a changed key still disables password login)")
	}
	if c.cfg != nil {
		opts.Port = c.cfg.RemotePort
		if c.sshCommonArgs == "" {
			opts.SSHCommonArgs = c.cfg.SSHCommonArgs
		}
		if c.sshExtraArgs == "" {
			opts.SSHExtraArgs = c.cfg.SSHExtraArgs
		}
	}
	pw, err := c.password(ctx)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	c.secrets().Add(pw)
	opts.Password = pw
	o, err := hostconn.New(opts)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	return o, nil
}

// password is the SSH password of -k or --connection-password-file; ""
// when neither was given.
func (c *connFlags) password(ctx context.Context) (string, error) {
	switch {
	case c.askPass && c.passwordFile != "":
		return "", errors.New("-k/--ask-pass and --connection-password-file cannot be used together")
	case c.askPass:
		return askSecret("SSH password: ")
	case c.passwordFile != "":
		return readPasswordFile(ctx, "--connection-password-file", c.passwordFile)
	}
	return "", nil
}

// warnf prints a warning about connections on standard error.
func warnf(msg string) { fmt.Fprintln(os.Stderr, "[WARNING]: "+msg) }

// askSecret reads a line from the terminal without echoing it.
func askSecret(prompt string) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fmt.Errorf("cannot ask %q: standard input is not a terminal", prompt)
	}
	return termin.ReadHidden(os.Stdin, os.Stderr, prompt)
}
