// Package vault reads and writes Ansible Vault data (format 1.1 and 1.2,
// cipher AES256) and builds the set of vault passwords a run may use.
//
// The format, byte for byte as ansible-core writes it:
//
//	$ANSIBLE_VAULT;1.1;AES256            (or $ANSIBLE_VAULT;1.2;AES256;LABEL)
//	hex( hex(salt) "\n" hex(hmac) "\n" hex(ciphertext) ), in lines of 80 columns
//
// The key material is PBKDF2-HMAC-SHA256 of the password and the 32-byte
// salt, 10000 iterations, 80 bytes: the AES-256 key, the HMAC-SHA256 key and
// the 16-byte CTR counter block. The plaintext is PKCS#7-padded to the AES
// block size, encrypted with AES-256-CTR, and the HMAC covers the ciphertext.
//
// Key derivation is the cost of vault data (10000 PBKDF2 rounds per file,
// each file with its own salt). Keys are derived once per (password, salt)
// per process, and DecryptAll opens many items in parallel.
//
// Wiring a command that reads vault data:
//
//	var src vault.Sources
//	src.AddFlags(cmd.Flags())           // --vault-id, --vault-password-file, --ask-vault-pass
//	...
//	kr, err := src.Keyring(ctx)         // also reads ANSIBLE_VAULT_PASSWORD_FILE
//	kr.SetRedactor(redactor)            // decrypted values and passwords are masked in output
//	plain, err := kr.DecryptVars(path, data)         // a whole vaulted vars file
//	value, err := kr.DecryptInline("file.yml:3:7", text) // an inline !vault value
//	src, err := kr.DecryptText(path, data)            // a vaulted copy/template/script source
//	results, err := kr.DecryptAll(ctx, items)        // many at once, in parallel
//
// Errors are *Error values naming the file ("group_vars/all.yml: vault:
// HMAC verification failed (wrong password?)"), matched with errors.Is
// against ErrHMAC, ErrFormat and the other Err values; they never hold
// plaintext. Callers end with exit status 4 (bad input) on them.
package vault
