package jinja

import (
	"errors"

	"github.com/drover/drover/internal/vault"
)

// Vaulted is an inline !vault value kept encrypted, as Ansible keeps an
// AnsibleVaultEncryptedUnicode until it is used: the playbook loader makes
// one when the run has no vault password; the unvault filter opens it and
// rendering it fails. Plain is set once the text is known (the vault
// filter with wrap_object).
type Vaulted struct {
	Ciphertext string
	Plain      *string
}

// errNoVaultSecrets is the error of rendering a Vaulted without its text.
func errNoVaultSecrets() error {
	return runtimeErrorf("Attempting to decrypt but no vault secrets found")
}

func registerVaultFilters(e *Env) {
	e.addFilter("vault", &filterDef{fn: fVault})
	e.addFilter("unvault", &filterDef{fn: fUnvault})
}

// fVault is Ansible's vault filter: data encrypted with secret under vault
// id vaultid (filter_default), with salt when given; wrap_object gives the
// encrypted object instead of its text.
func fVault(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("do_vault", "secret", "salt", "vaultid", "wrap_object")
	if err != nil {
		return nil, err
	}
	if _, ok := b[0].(string); !ok {
		return nil, typeErrorf("Secret passed is required to be a string, instead we got: %s", pyClass(b[0]))
	}
	data, ok := v.(string)
	if !ok {
		return nil, typeErrorf("Can only vault strings, instead we got: %s", pyClass(v))
	}
	id := "filter_default"
	if b[2] != missing && b[2] != nil {
		id = str(b[2])
	}
	var salt []byte
	if b[1] != missing && b[1] != nil {
		salt = []byte(str(b[1]))
	}
	out, err := vault.EncryptSalted([]byte(data), vault.Secret{ID: id, Password: []byte(b[0].(string))}, salt)
	if err != nil {
		return nil, runtimeErrorf("Unable to encrypt: %v", err)
	}
	if wrap, _ := truth(b[3]); wrap && b[3] != missing {
		return Vaulted{Ciphertext: string(out), Plain: &data}, nil
	}
	return string(out), nil
}

// fUnvault is Ansible's unvault filter: the text of a vault string or
// encrypted object, decrypted with secret; any other string as it is.
func fUnvault(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("do_unvault", "secret", "vaultid")
	if err != nil {
		return nil, err
	}
	secret, ok := b[0].(string)
	if !ok {
		return nil, typeErrorf("Secret passed is required to be as string, instead we got: %s", pyClass(b[0]))
	}
	var text string
	switch x := v.(type) {
	case Vaulted:
		text = x.Ciphertext
	case string:
		text = x
	default:
		return nil, typeErrorf("Vault should be in the form of a string, instead we got: %s", pyClass(v))
	}
	if !vault.IsEncrypted([]byte(text)) {
		return text, nil
	}
	plain, err := vault.NewKeyring(vault.Secret{ID: vault.DefaultID, Password: []byte(secret)}).Decrypt([]byte(text))
	if err != nil {
		if errors.Is(err, vault.ErrHMAC) {
			return nil, runtimeErrorf("Unable to decrypt: Decryption failed (no vault secrets were found that could decrypt)")
		}
		return nil, runtimeErrorf("Unable to decrypt: %v", err)
	}
	return string(plain), nil
}

// pyClass is Python's repr of v's type ("<class 'int'>").
func pyClass(v any) string { return "<class '" + typeName(v) + "'>" }
