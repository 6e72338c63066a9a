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
	"syscall"

	"golang.org/x/crypto/ssh"
)

// hostKeyCheck builds the host key callback and the host key algorithms to
// offer for cfg, following its HostKeyPolicy; known_hosts files are read
// through pc.
func hostKeyCheck(cfg *Config, pc *parseCache) (ssh.HostKeyCallback, []string, error) {
	if cfg.HostKeyPolicy == Off {
		return ssh.InsecureIgnoreHostKey(), nil, nil
	}
	files := append(append([]string(nil), cfg.KnownHostsFiles...), cfg.GlobalKnownHostsFiles...)
	all, err := pc.knownHosts(files)
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
