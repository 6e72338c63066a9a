package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Vault id sources that prompt instead of naming a file.
const (
	promptSource       = "prompt"
	promptAskVaultPass = "prompt_ask_vault_pass" // what --ask-vault-pass becomes
)

// Environment variables read by Sources.Keyring, as Ansible reads them.
const (
	EnvPasswordFile    = "ANSIBLE_VAULT_PASSWORD_FILE"    // one more --vault-password-file
	EnvIdentityList    = "ANSIBLE_VAULT_IDENTITY_LIST"    // comma-separated --vault-id values, tried first
	EnvIDMatch         = "ANSIBLE_VAULT_ID_MATCH"         // true: only the secret of the data's vault id is tried
	EnvEncryptIdentity = "ANSIBLE_VAULT_ENCRYPT_IDENTITY" // default of --encrypt-vault-id
)

// PromptFunc asks the user for a password without echoing it.
type PromptFunc func(prompt string) ([]byte, error)

// Sources are the places vault passwords come from: the flags shared by
// every command that reads vault data, and the environment.
type Sources struct {
	IDs           []string // --vault-id: "label@source" or "source"; source is a file, a script or "prompt"
	PasswordFiles []string // --vault-password-file: a file or an executable script
	AskPass       bool     // --ask-vault-pass
	EncryptID     string   // --encrypt-vault-id, for commands that encrypt

	AutoPrompt  bool // prompt when no source at all is given (ansible-vault does, playbooks do not)
	NewPassword bool // prompts ask for a new password, twice
	NoEnv       bool // ignore the ANSIBLE_VAULT_* environment

	Getenv func(string) string // nil: os.Getenv
	Prompt PromptFunc          // nil: TerminalPrompt
	Stdin  io.Reader           // given to password scripts; nil: os.Stdin
	Stderr io.Writer           // warnings and password scripts' stderr; nil: os.Stderr
}

// Keyring loads every source, in Ansible's order: ANSIBLE_VAULT_IDENTITY_LIST,
// --vault-id, --vault-password-file, ANSIBLE_VAULT_PASSWORD_FILE, then the
// prompt of --ask-vault-pass. Like Ansible, a file or script that fails is
// a warning while some other source works, and the error otherwise; a
// prompt that fails is always an error. A password file may itself be
// vault-encrypted with a password loaded before it.
func (s *Sources) Keyring(ctx context.Context) (*Keyring, error) {
	kr := NewKeyring()
	if strings.EqualFold(s.getenv(EnvIDMatch), "true") || s.getenv(EnvIDMatch) == "1" {
		kr.SetMatchID(true)
	}
	var lastErr error
	for _, slug := range s.slugs() {
		label, src := splitVaultID(slug)
		if src == promptSource || src == promptAskVaultPass {
			if label == "" {
				label = DefaultID
			}
			pw, err := s.ask(label, src == promptAskVaultPass)
			if err != nil {
				return nil, err
			}
			kr.Add(Secret{ID: label, Password: pw})
			continue
		}
		pw, err := s.loadFile(ctx, label, src, kr)
		if err != nil {
			fmt.Fprintf(s.stderr(), "drover: warning: vault password source %s: %v\n", src, err)
			lastErr = err
			continue
		}
		kr.Add(Secret{ID: label, Password: pw})
	}
	if kr.Len() == 0 && lastErr != nil {
		return nil, lastErr
	}
	return kr, nil
}

// EncryptVaultID is the vault id to encrypt with: --encrypt-vault-id, else
// ANSIBLE_VAULT_ENCRYPT_IDENTITY, else empty (the only secret).
func (s *Sources) EncryptVaultID() string {
	if s.EncryptID != "" {
		return s.EncryptID
	}
	return s.getenv(EnvEncryptIdentity)
}

// Given reports whether any source was named by flag or environment.
func (s *Sources) Given() bool {
	return len(s.IDs) > 0 || len(s.PasswordFiles) > 0 || s.AskPass ||
		s.getenv(EnvIdentityList) != "" || s.getenv(EnvPasswordFile) != ""
}

// Validate checks the vault ids for the ';' Ansible forbids in them.
func (s *Sources) Validate() error {
	for _, id := range s.IDs {
		if strings.Contains(id, ";") {
			return fmt.Errorf("%q is not a valid vault id: the character ';' is not allowed in vault ids", id)
		}
	}
	return nil
}

// slugs lists every source as "label@source".
func (s *Sources) slugs() []string {
	var out []string
	for v := range strings.SplitSeq(s.getenv(EnvIdentityList), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	out = append(out, s.IDs...)
	files := append([]string{}, s.PasswordFiles...)
	if f := s.getenv(EnvPasswordFile); f != "" {
		files = append(files, f)
	}
	for _, f := range files {
		out = append(out, DefaultID+"@"+f)
	}
	if s.AskPass || (len(out) == 0 && s.AutoPrompt) {
		out = append(out, DefaultID+"@"+promptAskVaultPass)
	}
	return out
}

// splitVaultID splits "label@source"; without '@' the whole is the source.
func splitVaultID(slug string) (label, source string) {
	label, source, ok := strings.Cut(slug, "@")
	if !ok {
		return "", slug
	}
	return label, source
}

// ask prompts for a password as Ansible words it; a new password is asked
// twice and both answers must match.
func (s *Sources) ask(label string, askVaultPass bool) ([]byte, error) {
	var prompts []string
	switch {
	case askVaultPass && s.NewPassword:
		prompts = []string{"New Vault password: ", "Confirm New Vault password: "}
	case askVaultPass:
		prompts = []string{"Vault password: "}
	case s.NewPassword:
		prompts = []string{"New vault password (" + label + "): ", "Confirm new vault password (" + label + "): "}
	default:
		prompts = []string{"Vault password (" + label + "): "}
	}
	prompt := s.Prompt
	if prompt == nil {
		prompt = TerminalPrompt
	}
	var first []byte
	for i, p := range prompts {
		pw, err := prompt(p)
		if err != nil {
			return nil, fmt.Errorf("vault password prompt (%s): %w", label, err)
		}
		pw = bytes.TrimSpace(pw)
		if len(pw) == 0 {
			return nil, fmt.Errorf("vault password prompt (%s): empty password", label)
		}
		if i == 0 {
			first = pw
		} else if !bytes.Equal(first, pw) {
			return nil, fmt.Errorf("vault password prompt (%s): passwords do not match", label)
		}
	}
	return first, nil
}

// loadFile reads a password from a file, or runs it when it is executable.
func (s *Sources) loadFile(ctx context.Context, label, path string, kr *Keyring) ([]byte, error) {
	path = expandHome(path)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // a relative script is run from where it is, never looked up in $PATH
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("vault password file %s: %w", path, pathErr(err))
	}
	if fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return s.runScript(ctx, label, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read vault password file %s: %w", path, pathErr(err))
	}
	data = bytes.TrimSpace(data)
	if IsEncrypted(data) {
		if data, _, err = kr.DecryptNamed(path, data); err != nil {
			return nil, err
		}
	}
	data = bytes.Trim(data, "\r\n")
	if len(data) == 0 {
		return nil, fmt.Errorf("invalid vault password was provided from file (%s): empty", path)
	}
	return data, nil
}

// runScript runs a password script and takes its standard output, CR and
// LF trimmed from both ends, as the password. A script whose name ends in
// "-client" (before any extension) is a client script: it gets
// "--vault-id LABEL" and exit status 2 means it knows no such id.
func (s *Sources) runScript(ctx context.Context, label, path string) ([]byte, error) {
	client := strings.HasSuffix(strings.TrimSuffix(path, filepath.Ext(path)), "-client")
	var args []string
	if client && label != "" {
		args = []string{"--vault-id", label}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = s.Stdin
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	var stderr bytes.Buffer
	cmd.Stderr = s.stderr()
	if client {
		cmd.Stderr = &stderr
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, scriptError(path, label, client, err, stderr.String())
	}
	pw := bytes.Trim(out, "\r\n")
	if len(pw) == 0 {
		return nil, fmt.Errorf("invalid vault password was provided from script (%s): empty output", path)
	}
	return pw, nil
}

// scriptError describes a password script that failed.
func scriptError(path, label string, client bool, err error, stderr string) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("problem running vault password script %s (%v); if this is not a script, remove the executable bit from the file", path, err)
	}
	detail := strings.TrimSpace(stderr)
	if detail != "" {
		detail = ": " + detail
	}
	if client && exit.ExitCode() == 2 {
		return fmt.Errorf("vault password client script %s did not find a secret for vault-id=%s%s", path, label, detail)
	}
	return fmt.Errorf("vault password script %s returned non-zero (%s)%s", path, strconv.Itoa(exit.ExitCode()), detail)
}

// pathErr drops the path from an *fs.PathError, whose path the message
// already names.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// expandHome expands a leading "~/" to the home directory.
func expandHome(path string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, path[1:])
		}
	}
	return path
}

func (s *Sources) getenv(key string) string {
	if s.NoEnv {
		return ""
	}
	if s.Getenv != nil {
		return s.Getenv(key)
	}
	return os.Getenv(key)
}

func (s *Sources) stderr() io.Writer {
	if s.Stderr != nil {
		return s.Stderr
	}
	return os.Stderr
}
