package vault

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Secret is one vault password and the vault id it is known by.
type Secret struct {
	ID       string // vault id label; DefaultID when given without one
	Password []byte
}

// Registrar takes secret values to mask in output; *redact.Redactor is one.
type Registrar interface {
	Add(secret string)
}

// Keyring holds the vault secrets of a run, in the order they were given,
// and decrypts with them as Ansible does. It is safe for concurrent use.
//
// Redaction hook: after SetRedactor, every password added to the keyring,
// every value decrypted by DecryptInline and every scalar value of a file
// decrypted by DecryptVars is passed to the Registrar, so that it never
// shows in output; DecryptText registers the text of a secret file (a
// copy, template or script source). Decrypt and DecryptFile register
// nothing.
type Keyring struct {
	mu       sync.RWMutex
	secrets  []Secret
	redactor Registrar
	matchID  bool
}

// NewKeyring returns a keyring holding secrets, tried in that order.
func NewKeyring(secrets ...Secret) *Keyring {
	k := &Keyring{}
	for _, s := range secrets {
		k.Add(s)
	}
	return k
}

// Add appends a secret; an empty ID is DefaultID.
func (k *Keyring) Add(s Secret) {
	if s.ID == "" {
		s.ID = DefaultID
	}
	s.Password = slices.Clone(s.Password)
	k.mu.Lock()
	k.secrets = append(k.secrets, s)
	r := k.redactor
	k.mu.Unlock()
	if r != nil {
		r.Add(string(s.Password))
	}
}

// SetRedactor makes the keyring register its passwords and the values it
// decrypts with r (see Keyring). Passwords already held are registered now.
func (k *Keyring) SetRedactor(r Registrar) {
	k.mu.Lock()
	k.redactor = r
	secrets := slices.Clone(k.secrets)
	k.mu.Unlock()
	if r == nil {
		return
	}
	for _, s := range secrets {
		r.Add(string(s.Password))
	}
}

// SetMatchID makes decryption try only the secret whose id the data names,
// as ANSIBLE_VAULT_ID_MATCH does. By default that secret is tried first
// and every other one after it.
func (k *Keyring) SetMatchID(match bool) {
	k.mu.Lock()
	k.matchID = match
	k.mu.Unlock()
}

// Len is the number of secrets held.
func (k *Keyring) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.secrets)
}

// IDs lists the vault ids of the secrets, in order (repeats included).
func (k *Keyring) IDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.idsLocked()
}

// Secret returns the first secret with vault id id; with an empty id, the
// first secret of all. The error is ErrNoSecrets or ErrUnknownID.
func (k *Keyring) Secret(id string) (Secret, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if len(k.secrets) == 0 {
		return Secret{}, ErrNoSecrets
	}
	if id == "" {
		return k.secrets[0], nil
	}
	for _, s := range k.secrets {
		if s.ID == id {
			return s, nil
		}
	}
	return Secret{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownID, id, strings.Join(k.idsLocked(), ", "))
}

// idsLocked lists the ids; the caller holds the lock.
func (k *Keyring) idsLocked() []string {
	ids := make([]string, len(k.secrets))
	for i, s := range k.secrets {
		ids[i] = s.ID
	}
	return ids
}

// candidates orders the secrets to try on data labelled id: those with
// that id first, then (unless matchID) all the others, in keyring order.
func (k *Keyring) candidates(id string) []Secret {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]Secret, 0, len(k.secrets))
	for _, s := range k.secrets {
		if s.ID == id {
			out = append(out, s)
		}
	}
	if !k.matchID {
		for _, s := range k.secrets {
			if s.ID != id {
				out = append(out, s)
			}
		}
	}
	return out
}

// registrar returns the redaction hook, or nil.
func (k *Keyring) registrar() Registrar {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.redactor
}

// Encrypt encrypts plain with the secret of vault id id (the first secret
// when id is empty) under a fresh random salt. The envelope is 1.1 for
// DefaultID and 1.2 naming the id otherwise.
func (k *Keyring) Encrypt(plain []byte, id string) ([]byte, error) {
	s, err := k.Secret(id)
	if err != nil {
		return nil, wrap("", err)
	}
	return EncryptWith(plain, s)
}

// EncryptWith encrypts plain with one secret, labelled with its id.
func EncryptWith(plain []byte, s Secret) ([]byte, error) {
	if IsEncrypted(plain) {
		return nil, wrap("", ErrAlreadyEncrypted)
	}
	sl, err := seal(plain, s.Password)
	if err != nil {
		return nil, err
	}
	return formatEnvelope(sl.formatPayload(), s.ID), nil
}

// Decrypt decrypts vault data. Errors are *Error values without a file
// name; use DecryptNamed to name one.
func (k *Keyring) Decrypt(data []byte) ([]byte, error) {
	plain, _, err := k.DecryptNamed("", data)
	return plain, err
}

// DecryptNamed decrypts vault data that came from name (a file path or a
// variable), trying the secret with the vault id the data names first and
// the others after it, as Ansible does. It returns the secret that worked.
// Errors are *Error values naming name, and never hold plaintext.
func (k *Keyring) DecryptNamed(name string, data []byte) ([]byte, Secret, error) {
	if !IsEncrypted(data) {
		return nil, Secret{}, wrap(name, ErrNotEncrypted)
	}
	env, err := parseEnvelope(data)
	if err != nil {
		return nil, Secret{}, wrap(name, err)
	}
	if env.cipher != "AES256" {
		return nil, Secret{}, wrap(name, fmt.Errorf("%w %q", ErrCipher, env.cipher))
	}
	candidates := k.candidates(env.id)
	if len(candidates) == 0 {
		if k.Len() > 0 {
			return nil, Secret{}, wrap(name, fmt.Errorf("%w %q (vault id match is on)", ErrUnknownID, env.id))
		}
		return nil, Secret{}, wrap(name, ErrNoSecrets)
	}
	sl, err := parsePayload(env.payload)
	if err != nil {
		return nil, Secret{}, wrap(name, err)
	}
	return openWithAny(name, sl, candidates)
}

// openWithAny tries each secret in turn until one opens sl.
func openWithAny(name string, sl *sealed, candidates []Secret) ([]byte, Secret, error) {
	tried := make([]string, 0, len(candidates))
	for _, s := range candidates {
		plain, err := open(sl, s.Password)
		if err == nil {
			return plain, s, nil
		}
		if err != ErrHMAC {
			return nil, Secret{}, wrap(name, err)
		}
		tried = append(tried, s.ID)
	}
	if len(tried) == 1 && tried[0] == DefaultID {
		return nil, Secret{}, wrap(name, ErrHMAC)
	}
	return nil, Secret{}, wrap(name, fmt.Errorf("%w; vault ids tried: %s", ErrHMAC, strings.Join(tried, ", ")))
}

// DecryptFile reads and decrypts the vault file at path, naming path in
// errors. Like Decrypt it registers nothing for redaction.
func (k *Keyring) DecryptFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	plain, _, err := k.DecryptNamed(path, data)
	return plain, err
}

// DecryptVars decrypts a whole vaulted variables file (group_vars,
// host_vars, vars_files, include_vars) and registers its values with the
// redaction hook: every scalar value except booleans and nulls, and each
// line of multi-line ones. Keys are not registered.
func (k *Keyring) DecryptVars(name string, data []byte) ([]byte, error) {
	plain, _, err := k.DecryptNamed(name, data)
	if err != nil {
		return nil, err
	}
	if r := k.registrar(); r != nil {
		registerVars(r, plain)
	}
	return plain, nil
}

// DecryptInline decrypts the text of an inline "!vault |" value (the
// envelope, whose lines may be indented) and registers the plaintext with
// the redaction hook. name says where the value came from (file:line, or
// the variable name) for errors.
func (k *Keyring) DecryptInline(name, text string) (string, error) {
	data := trimLeadingSpace([]byte(text))
	plain, _, err := k.DecryptNamed(name, data)
	if err != nil {
		return "", err
	}
	if r := k.registrar(); r != nil {
		registerText(r, string(plain))
	}
	return string(plain), nil
}

// DecryptText decrypts a vault-encrypted file whose whole content is
// secret (a copy, template or script source read on the controller) and
// registers its text with the redaction hook: the content, and each of its
// lines of 8 bytes or more that holds a letter or a digit (shorter lines,
// "fi" or "---", would mask the same text all over the output). The
// plaintext is returned in memory only. name says where the data came
// from, for errors.
func (k *Keyring) DecryptText(name string, data []byte) ([]byte, error) {
	plain, _, err := k.DecryptNamed(name, data)
	if err != nil {
		return nil, err
	}
	if r := k.registrar(); r != nil && utf8.Valid(plain) {
		registerFileText(r, string(plain))
	}
	return plain, nil
}

// EncryptSalted is EncryptWith with a given salt (a fresh random one when
// salt is empty), as Ansible's vault filter takes one; the same salt and
// password give the same vault text.
func EncryptSalted(plain []byte, s Secret, salt []byte) ([]byte, error) {
	if len(salt) == 0 {
		return EncryptWith(plain, s)
	}
	sl, err := sealWithSalt(plain, s.Password, salt)
	if err != nil {
		return nil, err
	}
	return formatEnvelope(sl.formatPayload(), s.ID), nil
}
