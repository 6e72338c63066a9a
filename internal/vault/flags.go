package vault

import "github.com/spf13/pflag"

// AddFlags registers Ansible's vault password flags on fs, filling s:
// --vault-id (repeatable), --vault-password-file (alias --vault-pass-file,
// repeatable) and --ask-vault-pass (alias --ask-vault-password). Commands
// that read vault data (play, run, inventory, vault) share them this way.
func (s *Sources) AddFlags(fs *pflag.FlagSet) {
	fs.Var((*appendValue)(&s.IDs), "vault-id", "vault identity `label@source` to use; source is a password file, a script or \"prompt\" (repeatable)")
	files := (*appendValue)(&s.PasswordFiles)
	fs.Var(files, "vault-password-file", "vault password `file`, or an executable printing the password (repeatable)")
	fs.Var(files, "vault-pass-file", "alias of --vault-password-file")
	_ = fs.MarkHidden("vault-pass-file")
	fs.BoolVar(&s.AskPass, "ask-vault-pass", false, "ask for the vault password on the terminal")
	fs.BoolVar(&s.AskPass, "ask-vault-password", false, "alias of --ask-vault-pass")
	_ = fs.MarkHidden("ask-vault-password")
}

// AddEncryptFlag registers --encrypt-vault-id on fs, filling s.EncryptID.
func (s *Sources) AddEncryptFlag(fs *pflag.FlagSet) {
	fs.StringVar(&s.EncryptID, "encrypt-vault-id", "", "the vault `id` to encrypt with (required when several vault ids are given)")
}

// appendValue is a repeatable string flag; unlike pflag's string arrays,
// two flag names can share one and every use appends.
type appendValue []string

func (v *appendValue) String() string { return "" }

func (v *appendValue) Set(s string) error {
	*v = append(*v, s)
	return nil
}

func (v *appendValue) Type() string { return "string" }
