package compat

import (
	"bufio"
	"os"
	"sort"
	"strings"
)

// passingHeader opens passing.txt.
const passingHeader = `# Targets of ansible-core 2.14's integration suite that drover passes, run as ansible-test runs
# them (see compat/doc.go). CI runs drover on each (TestPassingTargets) and fails when one stops
# passing. Rewritten by make compat-update from a harness run; a target is only ever added when
# ansible-playbook passes it too and when its run calls ansible-playbook (drover) at all.
`

// ReadPassing reads a passing list: one target a line, # comments.
func ReadPassing(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// UpdatePassing returns the passing list after a harness run: the old
// list without the targets drover ran and failed, with the targets both
// drover and Ansible passed. A target drover passes but Ansible fails (or
// that Ansible did not run) is never added, nor one whose run never called
// ansible-playbook (it tests nothing of drover).
func UpdatePassing(old []string, results []Result) (list, added, removed []string) {
	set := map[string]bool{}
	for _, t := range old {
		set[t] = true
	}
	for _, r := range results {
		switch {
		case r.Drover == nil:
		case !r.Drover.Passed() && set[r.Target]:
			delete(set, r.Target)
			removed = append(removed, r.Target)
		case r.Drover.Passed() && r.Drover.Calls > 0 && r.Ansible.Passed() && !set[r.Target]:
			set[r.Target] = true
			added = append(added, r.Target)
		}
	}
	for t := range set {
		list = append(list, t)
	}
	sort.Strings(list)
	return list, added, removed
}

// WritePassing writes the passing list to path.
func WritePassing(path string, list []string) error {
	var b strings.Builder
	b.WriteString(passingHeader)
	for _, t := range list {
		b.WriteString(t + "\n")
	}
	return writeFileAtomic(path, []byte(b.String()))
}
