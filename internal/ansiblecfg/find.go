package ansiblecfg

import (
	"fmt"
	"os"
	"path/filepath"
)

// SystemFile is the system-wide configuration file, the last place looked.
const SystemFile = "/etc/ansible/ansible.cfg"

// find returns the configuration file Ansible would use, "" when there is
// none, and a warning when ./ansible.cfg was skipped because the current
// directory is world-writable. The places, first found wins:
// $ANSIBLE_CONFIG (a file, or a directory holding ansible.cfg; set but
// empty means the current directory), ./ansible.cfg, ~/.ansible.cfg, then
// the system file.
func (l *loader) find() (string, []string) {
	var candidates []string
	fromEnv, envSet := l.lookupEnv("ANSIBLE_CONFIG")
	if envSet {
		fromEnv = l.res.path(fromEnv, l.res.cwd)
		if isDir(fromEnv) {
			fromEnv = filepath.Join(fromEnv, "ansible.cfg")
		}
		candidates = append(candidates, fromEnv)
	}
	local := filepath.Join(l.res.cwd, "ansible.cfg")
	skipped := false
	if st, err := os.Stat(l.res.cwd); err == nil {
		if st.Mode().Perm()&0o002 != 0 {
			skipped = exists(local)
		} else {
			candidates = append(candidates, local)
		}
	}
	candidates = append(candidates, l.res.path("~/.ansible.cfg", l.res.cwd), l.system)
	found := ""
	for _, c := range candidates {
		if readable(c) {
			found = c
			break
		}
	}
	if skipped && !(envSet && found == fromEnv) {
		return found, []string{fmt.Sprintf("ignoring %s as a configuration file: its directory %s is world-writable "+
			"(anyone could have written it); point ANSIBLE_CONFIG at it to use it", local, l.res.cwd)}
	}
	return found, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readable reports whether p exists and can be opened for reading.
func readable(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
