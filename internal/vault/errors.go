package vault

import "errors"

// Errors a decryption or encryption can end with, matched with errors.Is.
// None of them carries plaintext.
var (
	// ErrHMAC means no password tried matched the data's HMAC: a wrong
	// password, or data changed after it was encrypted.
	ErrHMAC = errors.New("HMAC verification failed (wrong password?)")
	// ErrFormat means the data is not well-formed vault data.
	ErrFormat = errors.New("malformed vault data")
	// ErrNotEncrypted means the data does not start with the vault header.
	ErrNotEncrypted = errors.New("not vault encrypted data")
	// ErrCipher means the header names a cipher other than AES256.
	ErrCipher = errors.New("unsupported vault cipher")
	// ErrNoSecrets means the keyring holds no password to try.
	ErrNoSecrets = errors.New("no vault password given (use --vault-id, --vault-password-file or --ask-vault-pass)")
	// ErrUnknownID means no secret of the keyring has the vault id asked for.
	ErrUnknownID = errors.New("no vault secret with that vault id")
	// ErrAlreadyEncrypted means the input to Encrypt is already vault data.
	ErrAlreadyEncrypted = errors.New("input is already encrypted")
)

// Error is a vault error about one file or value, named by File.
type Error struct {
	File string // the file or value the data came from; may be empty
	Err  error
}

// Error reads "FILE: vault: REASON".
func (e *Error) Error() string {
	if e.File == "" {
		return "vault: " + e.Err.Error()
	}
	return e.File + ": vault: " + e.Err.Error()
}

// Unwrap returns the reason, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// wrap names the file an error is about.
func wrap(file string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{File: file, Err: err}
}
