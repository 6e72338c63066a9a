package ssh

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/crypto/ssh"
)

// hostKeyCheck builds the host key callback and the host key algorithms to
// offer for cfg, following its HostKeyPolicy; known_hosts files are read
// through pc. Under Off (OpenSSH's StrictHostKeyChecking=no) any key is
// accepted but a revoked one, and a key that differs from the one
// known_hosts lists is noted in changed and warned about (cfg.Warn).
func hostKeyCheck(cfg *Config, pc *parseCache, changed *keyChanged) (ssh.HostKeyCallback, []string, error) {
	files := append(append([]string(nil), cfg.KnownHostsFiles...), cfg.GlobalKnownHostsFiles...)
	all, err := pc.knownHosts(files)
	if cfg.HostKeyPolicy == Off {
		return uncheckedKeys(cfg, all, err, changed), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	name := cfg.knownHostsName()
	db := all.forHost(name)
	principal := cfg.HostName
	if cfg.HostKeyAlias != "" {
		principal = cfg.HostKeyAlias
	}
	cb := func(_ string, _ net.Addr, key ssh.PublicKey) error {
		err := db.verify(name, principal, key)
		var hk *HostKeyError
		if cfg.HostKeyPolicy == AcceptNew && errors.As(err, &hk) && hk.Problem == KeyUnknown {
			if _, isCert := key.(*ssh.Certificate); isCert {
				return err
			}
			return recordKey(cfg.KnownHostsFiles[0], name, key, *cfg.HashKnownHosts)
		}
		return err
	}
	return cb, db.hostKeyAlgorithms(name), nil
}

// keyChanged is set when a host presented a key other than the one
// known_hosts lists and it was accepted (StrictHostKeyChecking=no): from
// then on the connection offers the host no secret (no password, no
// keyboard-interactive answer), as OpenSSH does.
type keyChanged struct{ atomic.Bool }

// errKeyChanged is why a password is not sent to a host whose key changed.
var errKeyChanged = errors.New("the host key changed: password and keyboard-interactive authentication are disabled to avoid man-in-the-middle attacks")

// uncheckedKeys accepts every host key but a revoked one, warning about
// and noting a changed one. known_hosts that cannot be read (readErr)
// leave nothing to compare with.
func uncheckedKeys(cfg *Config, all *knownHosts, readErr error, changed *keyChanged) ssh.HostKeyCallback {
	if readErr != nil {
		return ssh.InsecureIgnoreHostKey()
	}
	name := cfg.knownHostsName()
	db := all.forHost(name)
	principal := cfg.HostName
	if cfg.HostKeyAlias != "" {
		principal = cfg.HostKeyAlias
	}
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		var hk *HostKeyError
		if err := db.verify(name, principal, key); !errors.As(err, &hk) {
			return nil
		}
		switch hk.Problem {
		case KeyRevoked:
			return hk
		case KeyChanged:
			changed.Store(true)
			if cfg.Warn != nil {
				cfg.Warn(hk.acceptedChanged())
			}
		}
		return nil
	}
}

// fileLocks serialise writers of one known_hosts file within the process;
// flock serialises them across processes.
var fileLocks sync.Map

// recordKey appends "name key" to file unless a concurrent writer already
// recorded the host: under an exclusive lock it rereads the file, accepts
// an equal key, refuses a different one of the same type, and writes the
// new line with a single append.
func recordKey(file, name string, key ssh.PublicKey, hashed bool) error {
	mu, _ := fileLocks.LoadOrStore(file, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	db := &knownHosts{files: []string{file}, entries: parseKnownHosts(file, data)}
	var hk *HostKeyError
	if err := db.verify(name, name, key); err == nil || !errors.As(err, &hk) || hk.Problem != KeyUnknown {
		return err
	}
	_, err = f.Write([]byte(knownHostsLine(data, name, key, hashed)))
	return err
}

// knownHostsLine is the line to append to a file holding data.
func knownHostsLine(data []byte, name string, key ssh.PublicKey, hashed bool) string {
	host := name
	if hashed {
		host = HashHostname(name)
	}
	line := host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + "\n"
	if len(data) > 0 && data[len(data)-1] != '\n' {
		line = "\n" + line
	}
	return line
}

// HashHostname hashes a known_hosts name as HashKnownHosts (and
// ssh-keygen -H) do: "|1|salt|HMAC-SHA1".
func HashHostname(name string) string {
	salt := make([]byte, sha1.Size)
	_, _ = rand.Read(salt)
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	enc := base64.StdEncoding
	return "|1|" + enc.EncodeToString(salt) + "|" + enc.EncodeToString(m.Sum(nil))
}
