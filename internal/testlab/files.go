package testlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// writeClientFiles (re)writes known_hosts, ssh_config and the inventory for
// the hosts started so far.
func (l *Lab) writeClientFiles() error {
	l.mu.Lock()
	hosts := append([]*Host(nil), l.Hosts...)
	l.mu.Unlock()
	files := map[string]string{
		l.KnownHosts: l.knownHosts(hosts),
		l.SSHConfig:  l.sshConfig(hosts),
		l.Inventory:  l.inventory(hosts),
	}
	for path, content := range files {
		if err := writeAtomic(path, content); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// knownHosts lists every host's keys as OpenSSH writes them.
func (l *Lab) knownHosts(hosts []*Host) string {
	var b strings.Builder
	for _, h := range hosts {
		switch {
		case h.opts.Unknown:
		case h.opts.CertAuthority != nil:
			fmt.Fprintf(&b, "@cert-authority %s %s\n", h.KnownHostsName(),
				authorized(h.opts.CertAuthority.PublicKey()))
		case h.opts.WrongKey:
			fmt.Fprintln(&b, h.KnownHostsLine(otherKey()))
		default:
			for _, k := range h.HostKeys {
				fmt.Fprintln(&b, h.KnownHostsLine(k))
			}
		}
	}
	return b.String()
}

// sshConfig has one Host block per host, complete enough for `ssh -F`.
func (l *Lab) sshConfig(hosts []*Host) string {
	var b strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&b, "Host %s\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n"+
			"  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n\n",
			h.Name, h.Addr, h.Port, h.User, l.Key, l.KnownHosts)
	}
	return b.String()
}

// inventory is an Ansible YAML inventory of the shape bench/fleet.sh writes.
func (l *Lab) inventory(hosts []*Host) string {
	var b strings.Builder
	b.WriteString("all:\n  vars:\n")
	fmt.Fprintf(&b, "    lab_dir: %s\n", strconv.Quote(l.Dir))
	fmt.Fprintf(&b, "    ansible_ssh_private_key_file: %s\n", strconv.Quote(l.Key))
	fmt.Fprintf(&b, "    ansible_ssh_common_args: %s\n",
		strconv.Quote("-o UserKnownHostsFile="+l.KnownHosts+" -o StrictHostKeyChecking=yes"))
	b.WriteString("  children:\n    lab:\n      hosts:\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "        %s: {ansible_host: %s, ansible_port: %d, ansible_user: %s",
			h.Name, h.Addr, h.Port, strconv.Quote(h.User))
		if h.Password != "" {
			fmt.Fprintf(&b, ", ansible_password: %s", strconv.Quote(h.Password))
		}
		fmt.Fprintf(&b, ", host_dir: %s}\n", strconv.Quote(h.Dir))
	}
	return b.String()
}

// WriteFile writes content to a file named name in the lab directory and
// returns its path: for test-made known_hosts or ssh_config variants.
func (l *Lab) WriteFile(name, content string) (string, error) {
	path := filepath.Join(l.Dir, name)
	return path, os.WriteFile(path, []byte(content), 0o600)
}
