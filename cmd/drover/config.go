package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/vault"
	"github.com/drover/drover/playbooks"
)

// loadConfig reads Ansible's configuration for one run of a command: the
// ansible.cfg Ansible would read and the ANSIBLE_* variables over it. A bad
// file or value ends drover with status 5, as it ends ansible-playbook.
func loadConfig(stderr io.Writer) (*ansiblecfg.Config, error) {
	cfg, err := ansiblecfg.Load(ansiblecfg.Options{})
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	printWarnings(stderr, cfg.Warnings)
	return cfg, nil
}

// applyConfig loads the configuration and gives the connection flags not
// given on the command line their configured values.
func (c *connFlags) applyConfig(fs *pflag.FlagSet) error {
	cfg, err := loadConfig(os.Stderr)
	if err != nil {
		return err
	}
	c.cfg = cfg
	if !fs.Changed("inventory") {
		if c.inventories, err = configInventory(os.Stderr, cfg); err != nil {
			return err
		}
	}
	if !fs.Changed("user") {
		c.user = cfg.RemoteUser
	}
	if !fs.Changed("private-key") {
		c.privateKey = cfg.PrivateKeyFile
	}
	if !fs.Changed("timeout") {
		c.timeout = cfg.Timeout
	}
	if !fs.Changed("host-key-checking") && !cfg.HostKeyChecking {
		c.hostKeyChecking = "off"
		c.hostKeyOffConfigured = true
	}
	if !fs.Changed("ask-pass") {
		c.askPass = cfg.AskPass
	}
	vaultConfig(&c.vault, fs, cfg)
	return nil
}

// configInventory is the configuration's inventory (inventory,
// ANSIBLE_INVENTORY) for a command given no -i: the sources that exist. A
// configured source that does not is a warning, as in Ansible, or an error
// under inventory_unparsed_is_failed / inventory_any_unparsed_is_failed.
func configInventory(stderr io.Writer, cfg *ansiblecfg.Config) ([]string, error) {
	var out []string
	for _, p := range cfg.Inventory {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
			continue
		}
		if !cfg.IsSet("DEFAULT_HOST_LIST") {
			continue
		}
		if cfg.InventoryAnyUnparsedFailed {
			return nil, exitcode.Errorf(exitcode.BadInput, "inventory source %s (from the configuration): no such file or directory", p)
		}
		printWarnings(stderr, []string{"Unable to parse " + p + " as an inventory source"})
	}
	if len(out) == 0 && cfg.IsSet("DEFAULT_HOST_LIST") && cfg.InventoryUnparsedFailed {
		return nil, exitcode.Errorf(exitcode.BadInput, "no inventory was parsed: none of the configured sources %s exists",
			strings.Join(cfg.Inventory, ", "))
	}
	return out, nil
}

// vaultConfig makes the vault password sources follow the configuration:
// vault_password_file, vault_identity_list, vault_id_match and
// vault_encrypt_identity stand where the ANSIBLE_VAULT_* variables do (they
// are those settings' variables), and ask_vault_pass stands for
// --ask-vault-pass when it is not given.
func vaultConfig(s *vault.Sources, fs *pflag.FlagSet, cfg *ansiblecfg.Config) {
	if !fs.Changed("ask-vault-pass") && !fs.Changed("ask-vault-password") {
		s.AskPass = cfg.AskVaultPass
	}
	if s.NoEnv || s.Getenv != nil {
		return
	}
	settings := map[string]string{vault.EnvPasswordFile: "DEFAULT_VAULT_PASSWORD_FILE",
		vault.EnvIdentityList: "DEFAULT_VAULT_IDENTITY_LIST", vault.EnvIDMatch: "DEFAULT_VAULT_ID_MATCH",
		vault.EnvEncryptIdentity: "DEFAULT_VAULT_ENCRYPT_IDENTITY"}
	s.Getenv = func(name string) string {
		setting, ok := settings[name]
		if v, set := os.LookupEnv(name); !ok || set && v == "" {
			return v // an empty variable turns the source off (Ansible would use the current directory)
		}
		v, _ := cfg.Get(setting)
		switch x := v.V.(type) {
		case []string:
			return strings.Join(x, ",")
		case nil:
			return ""
		default:
			return fmt.Sprint(x)
		}
	}
}

// loadOptions are the playbook loader's options: vault and configuration.
func loadOptions(cfg *ansiblecfg.Config, vaultFn func([]byte, string) ([]byte, error)) playbooks.LoadOptions {
	o := playbooks.LoadOptions{Vault: vaultFn}
	o.ApplyConfig(cfg)
	return o
}

// engineConfig sets the run options that come from the configuration only;
// an unusable fact cache ends drover with status 5.
func engineConfig(opts *playbooks.Options, cfg *ansiblecfg.Config) error {
	if err := opts.ApplyConfig(cfg); err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	return nil
}
