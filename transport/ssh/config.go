// Package ssh implements transport.Conn over SSH (golang.org/x/crypto/ssh),
// with file transfer over SFTP on the same connection.
//
// Settings come from a Config, completed from ssh_config files the way
// OpenSSH completes them: explicit settings win, then the first value the
// config files give for the host, then OpenSSH's defaults. Host keys are
// checked against known_hosts files in OpenSSH format.
//
// A host is reached directly, through a chain of jump hosts (ProxyJump) or
// through a local command whose standard input and output carry the
// connection (ProxyCommand, run as OpenSSH runs it: "exec COMMAND" with the
// user's $SHELL, its % tokens expanded). The two are exclusive: as in
// OpenSSH, the first one obtained wins. A proxy command's standard error is
// kept and its last lines explain a failed connection; the command runs in
// a session of its own, without a terminal to prompt on, and its whole
// process group is killed when the connection closes.
package ssh

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HostKeyPolicy says what to do with a host key that known_hosts does not
// list. A key that differs from the one listed is always refused.
type HostKeyPolicy int

// Host key policies, as StrictHostKeyChecking names them.
const (
	PolicyUnset HostKeyPolicy = iota // take it from ssh_config, else Strict
	Strict                           // refuse unknown hosts (yes, ask)
	AcceptNew                        // record unknown hosts' keys (accept-new)
	Off                              // accept any key but a revoked one, record nothing (no, off); see hostKeyCheck
)

// ParsePolicy reads a StrictHostKeyChecking value.
func ParsePolicy(s string) (HostKeyPolicy, error) {
	switch strings.ToLower(s) {
	case "yes", "ask", "true":
		return Strict, nil
	case "accept-new":
		return AcceptNew, nil
	case "no", "off", "false":
		return Off, nil
	}
	return PolicyUnset, fmt.Errorf("StrictHostKeyChecking %q: want yes, accept-new, no, off or ask", s)
}

func (p HostKeyPolicy) String() string {
	return [...]string{"unset", "yes", "accept-new", "no"}[p]
}

// Defaults applied when neither the Config nor ssh_config sets a value.
const (
	DefaultPort                = 22
	DefaultConnectTimeout      = 10 * time.Second // Ansible's default timeout
	DefaultServerAliveInterval = 15 * time.Second
	DefaultServerAliveCountMax = 3
)

// Config describes how to reach one host. Zero fields are unset: Resolve
// fills them from ssh_config and defaults.
type Config struct {
	// Host is the name the user gave: matched against ssh_config Host
	// patterns and used in messages.
	Host string
	// HostName is the address or DNS name to connect to; ssh_config's
	// HostName, else Host.
	HostName string
	Port     int
	User     string
	// IdentityFiles are private keys to offer, tried before those
	// ssh_config lists. With none anywhere, ~/.ssh/id_ed25519, id_ecdsa and
	// id_rsa are tried when present.
	IdentityFiles []string
	// IdentitiesOnly, when true, offers only IdentityFiles (not the agent's
	// keys).
	IdentitiesOnly *bool
	// Password answers password and keyboard-interactive authentication.
	Password string
	// Passphrase returns the passphrase of an encrypted private key file.
	Passphrase func(file string) ([]byte, error)
	// ProxyJump is a comma-separated chain of jump hosts ([user@]host[:port]),
	// or "none".
	ProxyJump string
	// ProxyCommand is a command line whose standard input and output are
	// the connection to the host, or "none". It may hold the tokens %h
	// (HostName), %p (Port), %r (User), %n (Host), %k (HostKeyAlias, else
	// Host), %C, %L, %l, %u, %d, %i and %% (see ssh_config(5)). ProxyJump
	// and ProxyCommand are exclusive.
	ProxyCommand string
	// ConnectTimeout bounds TCP connect (or starting the ProxyCommand),
	// banner exchange and authentication.
	ConnectTimeout time.Duration
	// KnownHostsFiles are the user known_hosts files; accept-new records
	// keys in the first. Default ~/.ssh/known_hosts, ~/.ssh/known_hosts2.
	KnownHostsFiles []string
	// GlobalKnownHostsFiles are read too; default /etc/ssh/ssh_known_hosts
	// and /etc/ssh/ssh_known_hosts2.
	GlobalKnownHostsFiles []string
	// HostKeyAlias is the name looked up in known_hosts instead of the host.
	HostKeyAlias string
	// HashKnownHosts, when true, records new hosts hashed.
	HashKnownHosts *bool
	HostKeyPolicy  HostKeyPolicy
	// ServerAliveInterval is how often a silent connection is probed; a
	// negative value turns probing off. ServerAliveCountMax unanswered probes
	// close the connection.
	ServerAliveInterval time.Duration
	ServerAliveCountMax int
	// ConfigFile is the ssh_config to read: "" reads ~/.ssh/config then
	// /etc/ssh/ssh_config, "none" reads nothing.
	ConfigFile string
	// IdentityAgent is the ssh-agent socket: "" means $SSH_AUTH_SOCK, "none"
	// means no agent.
	IdentityAgent string
	// Warn, when set, is given warnings about the connection as they arise:
	// a changed host key accepted because checking is off.
	Warn func(msg string)

	resolved bool
}

// Addr is "hostname:port", what is dialled.
func (c *Config) Addr() string {
	return joinHostPort(c.HostName, c.Port)
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// Resolve returns c completed from ssh_config and defaults, every field
// set. Values in c win over ssh_config, except IdentityFiles which add up as
// OpenSSH's do.
func (c Config) Resolve() (Config, error) {
	return c.resolve(nil)
}

// resolve is Resolve reading ssh_config through pc.
func (c Config) resolve(pc *parseCache) (Config, error) {
	if c.resolved {
		return c, nil
	}
	if c.Host == "" {
		return c, fmt.Errorf("ssh: no host given")
	}
	c.IdentityFiles = slices.Clone(c.IdentityFiles)
	c.KnownHostsFiles = slices.Clone(c.KnownHostsFiles)
	c.GlobalKnownHostsFiles = slices.Clone(c.GlobalKnownHostsFiles)
	files, err := pc.sshConfig(c.ConfigFile)
	if err != nil {
		return c, err
	}
	if err := files.fill(&c); err != nil {
		return c, err
	}
	if err := c.checkProxy(); err != nil {
		return c, fmt.Errorf("%s: %w", c.Host, err)
	}
	c.defaults()
	c.expandFiles()
	c.IdentityFiles = dedupe(c.IdentityFiles)
	c.resolved = true
	return c, nil
}

// defaults sets what is still unset to OpenSSH's (and drover's) defaults.
func (c *Config) defaults() {
	home := homeDir()
	if c.HostName == "" {
		c.HostName = c.Host
	}
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.User == "" {
		c.User = localUser()
	}
	if len(c.IdentityFiles) == 0 {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			c.IdentityFiles = append(c.IdentityFiles, filepath.Join(home, ".ssh", n))
		}
	}
	if c.IdentitiesOnly == nil {
		c.IdentitiesOnly = new(bool)
	}
	if c.HashKnownHosts == nil {
		c.HashKnownHosts = new(bool)
	}
	if c.ProxyJump == "" {
		c.ProxyJump = "none"
	}
	if c.ProxyCommand == "" {
		c.ProxyCommand = "none"
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if len(c.KnownHostsFiles) == 0 {
		c.KnownHostsFiles = []string{filepath.Join(home, ".ssh", "known_hosts"), filepath.Join(home, ".ssh", "known_hosts2")}
	}
	if len(c.GlobalKnownHostsFiles) == 0 {
		c.GlobalKnownHostsFiles = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
	}
	if c.HostKeyPolicy == PolicyUnset {
		c.HostKeyPolicy = Strict
	}
	if c.ServerAliveInterval == 0 {
		c.ServerAliveInterval = DefaultServerAliveInterval
	}
	if c.ServerAliveCountMax == 0 {
		c.ServerAliveCountMax = DefaultServerAliveCountMax
	}
	if c.IdentityAgent == "" {
		c.IdentityAgent = os.Getenv("SSH_AUTH_SOCK")
	}
	if c.IdentityAgent == "" {
		c.IdentityAgent = "none"
	}
}

// knownHostsName is the name the host has in known_hosts: "host" on port
// 22, "[host]:port" elsewhere, or HostKeyAlias.
func (c *Config) knownHostsName() string {
	if c.HostKeyAlias != "" {
		return c.HostKeyAlias
	}
	if c.Port == 22 {
		return c.HostName
	}
	return "[" + c.HostName + "]:" + strconv.Itoa(c.Port)
}

// key identifies the connection c makes: same key, same server and login
// reached the same way.
func (c *Config) key() string {
	proxy, _ := c.proxyLine()
	return c.User + "@" + c.Addr() + " via " + c.ProxyJump + " proxy " + proxy
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return "/"
}

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// boolPtr returns a pointer to b.
func boolPtr(b bool) *bool { return &b }

// dedupe keeps the first of equal strings.
func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
