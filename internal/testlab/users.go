package testlab

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// addUser creates a Unix user whose home is the host's directory, with a
// random password when withPassword (else no password, but not locked), and
// removes it when the lab closes.
func (l *Lab) addUser(h *Host, withPassword bool) error {
	name := "drl" + randomHex(5)
	if err := retry("useradd", "-M", "-d", h.Dir, "-s", "/bin/sh", name); err != nil {
		return err
	}
	l.mu.Lock()
	l.cleanups = append(l.cleanups, func() { _ = retry("userdel", "-f", name) })
	l.mu.Unlock()
	pw := ""
	if withPassword {
		pw = randomHex(12)
		if err := retryInput(name+":"+pw+"\n", "chpasswd"); err != nil {
			return err
		}
	} else if err := retry("usermod", "-p", "*", name); err != nil {
		return err
	}
	if err := retry("chown", "-R", name+":", h.Dir); err != nil {
		return err
	}
	h.User, h.Password = name, pw
	return nil
}

// retry runs a user-database command, retrying while another process
// holds the lock on /etc/passwd.
func retry(name string, args ...string) error { return retryInput("", name, args...) }

func retryInput(stdin, name string, args ...string) error {
	var err error
	var out []byte
	for i := 0; i < 50; i++ {
		if out, err = AccountsCmd(stdin, name, args...); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("testlab: %s %s: %v: %s", name, strings.Join(args, " "), err, out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// authorized is key in authorized_keys form, without the newline.
func authorized(key ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// otherKey is a fresh ed25519 public key no host has.
func otherKey() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, _ := ssh.NewPublicKey(pub)
	return k
}
