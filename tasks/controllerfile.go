package tasks

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// vaultHeader starts a file encrypted with ansible-vault.
const vaultHeader = "$ANSIBLE_VAULT;"

// ReadControllerFile reads a source file on the controller. With decrypt,
// vault-encrypted content is decrypted in memory (never written to disk)
// through Call.Vault, and vaulted reports that it was; without decrypt,
// or for a file that is not vault data, the bytes are returned as they
// are. Errors name the file and never hold plaintext.
func (c *Call) ReadControllerFile(path string, decrypt bool) (data []byte, vaulted bool, err error) {
	data, err = os.ReadFile(path)
	if err != nil || !decrypt || !isVaultData(data) {
		return data, false, err
	}
	plain, err := c.decryptVault(path, data)
	return plain, err == nil, err
}

// isVaultFile reports whether the controller file at path starts with the
// ansible-vault header.
func isVaultFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(vaultHeader))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	return isVaultData(head[:n]), nil
}

func isVaultData(b []byte) bool { return bytes.HasPrefix(b, []byte(vaultHeader)) }

// decryptVault decrypts a vaulted controller file with the run's vault
// passwords.
func (c *Call) decryptVault(path string, data []byte) ([]byte, error) {
	if c.Vault == nil {
		return nil, fmt.Errorf("%s: vault: no vault password given to decrypt this file (use --vault-id, --vault-password-file or --ask-vault-pass)", path)
	}
	return c.Vault(path, data)
}

// readSource reads a module's controller source with ReadControllerFile;
// a failure is the module's result: "could not find src=..." when the
// file cannot be read, the vault error when it cannot be decrypted.
func readSource(c *Call, path string, decrypt bool) ([]byte, bool, *Result) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, Failf("could not find src=%s, %v", path, err)
	}
	if !decrypt || !isVaultData(data) {
		return data, false, nil
	}
	plain, err := c.decryptVault(path, data)
	if err != nil {
		return nil, false, Failf("%v", err)
	}
	return plain, true, nil
}
