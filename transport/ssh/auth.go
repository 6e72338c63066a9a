package ssh

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// signerCache keeps decrypted identity files, so a passphrase is asked
// once per file however many hosts use the key.
type signerCache struct {
	mu sync.Mutex
	m  map[string]ssh.Signer
}

func newSignerCache() *signerCache { return &signerCache{m: map[string]ssh.Signer{}} }

// load returns the key in file, nil when the file does not exist.
func (sc *signerCache) load(file string, passphrase func(string) ([]byte, error)) (ssh.Signer, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s, ok := sc.m[file]; ok {
		return s, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		s, err = decrypt(file, data, passphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("identity file %s: %w", file, err)
	}
	sc.m[file] = s
	return s, nil
}

func decrypt(file string, data []byte, passphrase func(string) ([]byte, error)) (ssh.Signer, error) {
	if passphrase == nil {
		return nil, errors.New("encrypted, and no passphrase is available (load it into ssh-agent or give a passphrase)")
	}
	pw, err := passphrase(file)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKeyWithPassphrase(data, pw)
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, errors.New("wrong passphrase")
	}
	return s, err
}

// auth is the set of methods offered to one host and a description of them
// for the failure message.
type auth struct {
	methods []ssh.AuthMethod
	tried   []string
	agent   net.Conn
	changed *keyChanged
}

func (a *auth) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

// authFor gathers public keys (agent first, then identity files), then
// keyboard-interactive and password when cfg has a password; those two
// give up without sending it when the host's key changed.
func authFor(cfg *Config, keys *signerCache, changed *keyChanged) (*auth, error) {
	a := &auth{changed: changed}
	var signers []ssh.Signer
	var names []string
	if !*cfg.IdentitiesOnly && cfg.IdentityAgent != "none" {
		if c, err := net.Dial("unix", cfg.IdentityAgent); err == nil {
			a.agent = c
			if list, err := agent.NewClient(c).Signers(); err == nil {
				signers = append(signers, list...)
				for _, s := range list {
					names = append(names, "agent key "+ssh.FingerprintSHA256(s.PublicKey()))
				}
			}
		}
	}
	for _, f := range cfg.IdentityFiles {
		s, err := keys.load(f, cfg.Passphrase)
		if err != nil {
			a.close()
			return nil, err
		}
		if s != nil {
			signers = append(signers, s)
			names = append(names, f)
		}
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, ssh.PublicKeys(uniqueSigners(signers)...))
		a.tried = append(a.tried, "publickey ("+strings.Join(names, ", ")+")")
	}
	if cfg.Password != "" {
		a.methods = append(a.methods, ssh.KeyboardInteractive(answerPassword(cfg.Password, changed)),
			ssh.PasswordCallback(func() (string, error) {
				if changed.Load() {
					return "", errKeyChanged
				}
				return cfg.Password, nil
			}))
		a.tried = append(a.tried, "keyboard-interactive", "password")
	}
	return a, nil
}

// uniqueSigners drops keys offered twice (in the agent and as a file).
func uniqueSigners(list []ssh.Signer) []ssh.Signer {
	seen := map[string]bool{}
	var out []ssh.Signer
	for _, s := range list {
		k := string(s.PublicKey().Marshal())
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// answerPassword answers every hidden keyboard-interactive prompt with the
// password (servers ask "Password:" this way when PAM drives the login),
// unless the host's key changed.
func answerPassword(pw string, changed *keyChanged) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, echos []bool) ([]string, error) {
		if changed.Load() {
			return nil, errKeyChanged
		}
		answers := make([]string, len(questions))
		for i := range questions {
			if !echos[i] {
				answers[i] = pw
			}
		}
		return answers, nil
	}
}

// failure explains an authentication failure.
func (a *auth) failure(user string) error {
	tried := "no methods: no identity file, agent key or password"
	if len(a.tried) > 0 {
		tried = "tried: " + strings.Join(a.tried, "; ")
	}
	if a.changed.Load() {
		return fmt.Errorf("authentication failed for user %s (%s; %v)", user, tried, errKeyChanged)
	}
	return fmt.Errorf("authentication failed for user %s (%s)", user, tried)
}
