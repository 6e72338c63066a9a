package ssh

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sshconfig "github.com/kevinburke/ssh_config"
)

// configFile is one parsed ssh_config file, and its lines (a
// ProxyCommand is taken from its line as written).
type configFile struct {
	path  string
	cfg   *sshconfig.Config
	lines []string
}

// configFiles are read in order; the first value found wins.
type configFiles []configFile

// loadSSHConfig reads path, or ~/.ssh/config and /etc/ssh/ssh_config when
// path is empty. Missing default files are skipped; a missing named file is
// an error.
func loadSSHConfig(path string) (configFiles, error) {
	if path == "none" {
		return nil, nil
	}
	paths, optional := []string{path}, false
	if path == "" {
		paths, optional = []string{filepath.Join(homeDir(), ".ssh", "config"), "/etc/ssh/ssh_config"}, true
	}
	var out configFiles
	for _, p := range paths {
		data, err := os.ReadFile(expandTilde(p))
		if optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ssh_config: %w", err)
		}
		cfg, err := sshconfig.DecodeBytes(data)
		if err != nil {
			return nil, fmt.Errorf("ssh_config %s: %w", p, err)
		}
		out = append(out, configFile{p, cfg, strings.Split(string(data), "\n")})
	}
	return out, nil
}

// get is the first value of key for host, and the file it came from.
func (f configFiles) get(host, key string) (string, string) {
	for _, cf := range f {
		if v, err := cf.cfg.Get(host, key); err == nil && v != "" {
			return unquote(v), cf.path
		}
	}
	return "", ""
}

// getAll is every value of key for host, in order.
func (f configFiles) getAll(host, key string) []string {
	var out []string
	for _, cf := range f {
		vs, _ := cf.cfg.GetAll(host, key)
		for _, v := range vs {
			out = append(out, unquote(v))
		}
	}
	return out
}

func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// setting fills one Config field from a value found for it.
type setting struct {
	name string
	set  func(c *Config, v string) error
}

// configSettings are the ssh_config keywords drover honours.
var configSettings = []setting{
	{"HostName", func(c *Config, v string) error {
		c.HostName = strings.ReplaceAll(v, "%h", c.Host)
		return nil
	}},
	{"Port", func(c *Config, v string) (err error) { c.Port, err = parsePort(v); return }},
	{"User", func(c *Config, v string) error { c.User = v; return nil }},
	{"IdentitiesOnly", func(c *Config, v string) (err error) { c.IdentitiesOnly, err = parseYesNo("IdentitiesOnly", v); return }},
	{"ProxyJump", func(c *Config, v string) error { c.ProxyJump = v; return nil }},
	{"ProxyCommand", func(c *Config, v string) error {
		if err := checkProxyTokens(v); err != nil {
			return err
		}
		c.ProxyCommand = v
		return nil
	}},
	{"ConnectTimeout", func(c *Config, v string) (err error) {
		c.ConnectTimeout, err = parseSeconds("ConnectTimeout", v)
		return
	}},
	{"UserKnownHostsFile", func(c *Config, v string) (err error) { c.KnownHostsFiles, err = splitWords(v); return }},
	{"GlobalKnownHostsFile", func(c *Config, v string) (err error) { c.GlobalKnownHostsFiles, err = splitWords(v); return }},
	{"StrictHostKeyChecking", func(c *Config, v string) (err error) { c.HostKeyPolicy, err = ParsePolicy(v); return }},
	{"HostKeyAlias", func(c *Config, v string) error { c.HostKeyAlias = v; return nil }},
	{"HashKnownHosts", func(c *Config, v string) (err error) { c.HashKnownHosts, err = parseYesNo("HashKnownHosts", v); return }},
	{"ServerAliveInterval", func(c *Config, v string) (err error) {
		c.ServerAliveInterval, err = parseSeconds("ServerAliveInterval", v)
		if err == nil && c.ServerAliveInterval == 0 {
			c.ServerAliveInterval = -1
		}
		return
	}},
	{"ServerAliveCountMax", func(c *Config, v string) (err error) {
		c.ServerAliveCountMax, err = parseCount("ServerAliveCountMax", v)
		return
	}},
	{"IdentityAgent", func(c *Config, v string) error {
		if v == "SSH_AUTH_SOCK" {
			v = os.Getenv("SSH_AUTH_SOCK")
		}
		c.IdentityAgent = v
		return nil
	}},
}

// isSet reports whether the Config field for keyword already has a value.
func isSet(c *Config, keyword string) bool {
	switch keyword {
	case "HostName":
		return c.HostName != ""
	case "Port":
		return c.Port != 0
	case "User":
		return c.User != ""
	case "IdentitiesOnly":
		return c.IdentitiesOnly != nil
	case "ProxyJump", "ProxyCommand":
		return c.ProxyJump != "" || c.ProxyCommand != ""
	case "ConnectTimeout":
		return c.ConnectTimeout != 0
	case "UserKnownHostsFile":
		return len(c.KnownHostsFiles) > 0
	case "GlobalKnownHostsFile":
		return len(c.GlobalKnownHostsFiles) > 0
	case "StrictHostKeyChecking":
		return c.HostKeyPolicy != PolicyUnset
	case "HostKeyAlias":
		return c.HostKeyAlias != ""
	case "HashKnownHosts":
		return c.HashKnownHosts != nil
	case "ServerAliveInterval":
		return c.ServerAliveInterval != 0
	case "ServerAliveCountMax":
		return c.ServerAliveCountMax != 0
	case "IdentityAgent":
		return c.IdentityAgent != ""
	}
	return false
}

// fill sets every unset field of c from the config files, and adds their
// IdentityFile entries after c's own.
func (f configFiles) fill(c *Config) error {
	for _, s := range configSettings {
		if isSet(c, s.name) {
			continue
		}
		name, v, file := s.name, "", ""
		if isProxyKeyword(name) {
			name, v, file = f.firstProxy(c.Host)
		} else {
			v, file = f.get(c.Host, name)
		}
		if v == "" {
			continue
		}
		if err := setKeyword(c, name, v); err != nil {
			return fmt.Errorf("%s: host %s: %w", file, c.Host, err)
		}
	}
	for _, v := range f.getAll(c.Host, "IdentityFile") {
		if !strings.EqualFold(v, "none") {
			c.IdentityFiles = append(c.IdentityFiles, v)
		}
	}
	return nil
}

// setKeyword sets the Config field of keyword from v.
func setKeyword(c *Config, keyword, v string) error {
	for _, s := range configSettings {
		if s.name == keyword {
			return s.set(c, v)
		}
	}
	return fmt.Errorf("option %s is not supported by drover", keyword)
}

func isProxyKeyword(k string) bool { return k == "ProxyJump" || k == "ProxyCommand" }

// firstProxy is the first ProxyJump or ProxyCommand the files give for
// host, and the file it came from: OpenSSH takes whichever comes first and
// ignores the other. (Within one Include line, whose files the parser
// keeps to itself, a ProxyJump is taken before a ProxyCommand.)
func (f configFiles) firstProxy(host string) (keyword, value, file string) {
	for _, cf := range f {
		for _, h := range cf.cfg.Hosts {
			if !h.Matches(host) {
				continue
			}
			for _, n := range h.Nodes {
				if k, v := cf.proxyNode(n, host); v != "" {
					return k, v, cf.path
				}
			}
		}
	}
	return "", "", ""
}

// proxyNode is the ProxyJump or ProxyCommand line n sets for host, if it
// sets one.
func (cf configFile) proxyNode(n sshconfig.Node, host string) (string, string) {
	switch t := n.(type) {
	case *sshconfig.KV:
		switch strings.ToLower(t.Key) {
		case "proxyjump":
			return "ProxyJump", unquote(t.Value)
		case "proxycommand":
			return "ProxyCommand", cf.rawValue(t)
		}
	case *sshconfig.Include:
		if v := t.Get(host, "ProxyJump"); v != "" {
			return "ProxyJump", unquote(v)
		}
		return "ProxyCommand", strings.TrimSpace(t.Get(host, "ProxyCommand"))
	}
	return "", ""
}

// rawValue is the value of kv as its line writes it: OpenSSH takes a
// ProxyCommand to the end of the line, quotes and '#' included, after the
// blanks and '=' that follow the keyword.
func (cf configFile) rawValue(kv *sshconfig.KV) string {
	i := kv.Pos().Line - 1
	if i < 0 || i >= len(cf.lines) {
		return kv.Value
	}
	line := strings.TrimLeft(cf.lines[i], " \t")
	if len(line) < len(kv.Key) || !strings.EqualFold(line[:len(kv.Key)], kv.Key) {
		return kv.Value
	}
	return strings.TrimRight(strings.TrimLeft(line[len(kv.Key):], " \t="), " \t\r\f")
}

func parsePort(v string) (int, error) {
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("Port %q: want a number from 1 to 65535", v)
	}
	return p, nil
}

func parseYesNo(name, v string) (*bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true":
		return boolPtr(true), nil
	case "no", "false":
		return boolPtr(false), nil
	}
	return nil, fmt.Errorf("%s %q: want yes or no", name, v)
}

// parseSeconds reads an OpenSSH time value: seconds, or a number with a
// unit s, m, h, d, w.
func parseSeconds(name, v string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	unit := time.Second
	num := strings.ToLower(v)
	if n := len(num); n > 0 {
		if u, ok := units[num[n-1]]; ok {
			unit, num = u, num[:n-1]
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: want a number of seconds", name, v)
	}
	return time.Duration(n) * unit, nil
}

func parseCount(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s %q: want a positive number", name, v)
	}
	return n, nil
}

// expandTokens replaces OpenSSH's percent tokens and a leading ~ in a
// file name, once every other setting is known.
func (c *Config) expandTokens(s string) string {
	s = expandTilde(s)
	if !strings.Contains(s, "%") {
		return s
	}
	local, _ := os.Hostname()
	repl := map[byte]string{
		'%': "%", 'd': homeDir(), 'u': localUser(), 'h': c.HostName, 'r': c.User,
		'p': strconv.Itoa(c.Port), 'n': c.Host, 'l': local, 'i': strconv.Itoa(os.Getuid()),
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+1 < len(s) {
			if r, ok := repl[s[i+1]]; ok {
				b.WriteString(r)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func expandTilde(s string) string {
	if s == "~" {
		return homeDir()
	}
	if strings.HasPrefix(s, "~/") {
		return filepath.Join(homeDir(), s[2:])
	}
	return s
}

// expandFiles applies expandTokens to every file name setting.
func (c *Config) expandFiles() {
	for _, list := range [][]string{c.IdentityFiles, c.KnownHostsFiles, c.GlobalKnownHostsFiles} {
		for i := range list {
			list[i] = c.expandTokens(list[i])
		}
	}
	if c.IdentityAgent != "none" {
		c.IdentityAgent = c.expandTokens(c.IdentityAgent)
	}
}
