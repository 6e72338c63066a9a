// Package testlab starts real OpenSSH servers on loopback for acceptance
// tests: each host has its own address, port, host key and directory, and the
// lab writes the client key, known_hosts, an ssh_config and an Ansible YAML
// inventory that reach them.
//
// A test starts a lab of its own with Start; a package that wants one lab for
// all its tests calls Shared from each test and Main from TestMain.
package testlab

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// SSHD is the OpenSSH server binary the lab runs.
const SSHD = "/usr/sbin/sshd"

// ErrNoSSHD means the OpenSSH server is not installed.
var ErrNoSSHD = errors.New("testlab: " + SSHD + " not found (apt-get install openssh-server)")

// ErrNotRoot means a lab feature needs root (creating Unix users).
var ErrNotRoot = errors.New("testlab: needs root")

// Options shape a lab.
type Options struct {
	// Hosts is the number of ordinary hosts started at once; 1 when zero.
	Hosts int
	// LogLevel is sshd's LogLevel; VERBOSE when empty (logs each accepted key).
	LogLevel string
	// OwnUsers gives each of these hosts a Unix user of its own (see
	// HostOptions.OwnUser); only as root.
	OwnUsers bool
}

// Lab is a set of running sshd hosts and the client files that reach them.
type Lab struct {
	Dir        string     // the lab's root directory
	Key        string     // client private key (ed25519, unencrypted, OpenSSH format)
	Signer     ssh.Signer // the client key
	KnownHosts string     // known_hosts listing every host, "[addr]:port key" form
	SSHConfig  string     // ssh_config with one Host entry per host name
	Inventory  string     // Ansible YAML inventory: group "lab" with every host
	User       string     // the user hosts log in as by default (the current user)
	Hosts      []*Host    // started hosts, in order
	opts       Options
	mu         sync.Mutex
	cleanups   []func()
	nextIP     int
}

// New starts a lab with opts.Hosts hosts. The caller must Close it.
func New(opts Options) (*Lab, error) {
	if _, err := os.Stat(SSHD); err != nil {
		return nil, ErrNoSSHD
	}
	if opts.Hosts <= 0 {
		opts.Hosts = 1
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "VERBOSE"
	}
	l, err := newLab(opts)
	if err != nil {
		return nil, err
	}
	for i := 0; i < opts.Hosts; i++ {
		if _, err := l.AddHost(HostOptions{OwnUser: opts.OwnUsers}); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// Start starts a lab for one test and stops it when the test ends. Without
// sshd the test is skipped, or fails when the environment has CI=true.
func Start(t testing.TB, opts Options) *Lab {
	t.Helper()
	l, err := New(opts)
	if err != nil {
		missing(t, err)
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// missing skips (or, under CI, fails) t when err says sshd is absent.
func missing(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, ErrNoSSHD) {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	t.Skip(err)
}

func newLab(opts Options) (*Lab, error) {
	dir, err := os.MkdirTemp("", "drover-lab-")
	if err != nil {
		return nil, err
	}
	// sshd and users created for password hosts must traverse the lab.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	l := &Lab{Dir: dir, User: u.Username, opts: opts,
		KnownHosts: filepath.Join(dir, "known_hosts"),
		SSHConfig:  filepath.Join(dir, "ssh_config"),
		Inventory:  filepath.Join(dir, "inventory.yml"),
		Key:        filepath.Join(dir, "id_ed25519"),
	}
	l.cleanups = append(l.cleanups, func() { os.RemoveAll(dir) })
	if l.Signer, err = writeKey(l.Key, nil); err != nil {
		l.Close()
		return nil, err
	}
	auth := ssh.MarshalAuthorizedKey(l.Signer.PublicKey())
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), auth, 0o644); err != nil {
		l.Close()
		return nil, err
	}
	return l, l.writeClientFiles()
}

// writeKey generates an ed25519 key and writes it to path in OpenSSH
// format (encrypted with passphrase when set) and its public half to
// path.pub.
func writeKey(path string, passphrase []byte) (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return priv2file(path, priv, passphrase)
}

func priv2file(path string, priv ed25519.PrivateKey, passphrase []byte) (ssh.Signer, error) {
	var block *pem.Block
	var err error
	if passphrase != nil {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "drover-testlab", passphrase)
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "drover-testlab")
	}
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return signer, os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644)
}

// EncryptedKey writes a copy of the client key encrypted with passphrase and
// returns its path.
func (l *Lab) EncryptedKey(t testing.TB, passphrase string) string {
	t.Helper()
	path := filepath.Join(l.Dir, "id_ed25519_enc"+strconv.Itoa(int(l.counter())))
	priv := l.privateKey(t)
	if _, err := priv2file(path, priv, []byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	return path
}

// privateKey reads the client key back.
func (l *Lab) privateKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(l.Key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return *raw.(*ed25519.PrivateKey)
}

func (l *Lab) counter() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextIP++
	return l.nextIP + 1000
}

// Close stops every sshd, removes users the lab created and deletes the
// lab directory.
func (l *Lab) Close() error {
	l.mu.Lock()
	hosts := l.Hosts
	cleanups := l.cleanups
	l.cleanups = nil
	l.mu.Unlock()
	for _, h := range hosts {
		h.stop()
	}
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	return nil
}

// Host returns the host called name, or nil.
func (l *Lab) Host(name string) *Host {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func (l *Lab) String() string { return fmt.Sprintf("testlab %s (%d hosts)", l.Dir, len(l.Hosts)) }

// PTYProblem says why sshd cannot give sessions a pseudo-terminal here, or
// is empty when it can. An unprivileged sshd must find new terminals
// already in the tty group (devpts mounted with gid=5), since it cannot
// chown them.
func PTYProblem() string {
	if os.Geteuid() == 0 {
		return ""
	}
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == "/dev/pts" && !strings.Contains(f[3], "gid=") {
			return "unprivileged sshd cannot hand out ptys: /dev/pts is mounted without gid=<tty>"
		}
	}
	return ""
}
