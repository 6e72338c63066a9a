package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlayMissingInventory: an inventory source that does not exist stops
// drover before any task (fail closed); called as ansible-playbook, or
// with inventory_any_unparsed_is_failed off, it is a warning as in Ansible
// and the play runs on the implicit localhost with ansible_inventory_sources
// naming the source; the other inventory_*unparsed* settings turn it into
// an error or drop the warning.
func TestPlayMissingInventory(t *testing.T) {
	dir := t.TempDir()
	book := filepath.Join(dir, "site.yml")
	if err := os.WriteFile(book, []byte("- hosts: localhost\n  gather_facts: false\n  tasks:\n"+
		"    - debug: msg=\"sources={{ ansible_inventory_sources | join(',') }}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nothere")
	unable := "[WARNING]: Unable to parse " + missing + " as an inventory source"
	none := "[WARNING]: No inventory was parsed, only implicit localhost is available"
	anyOff := "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=false"
	for _, tc := range []struct {
		name       string
		asAnsible  bool
		env        []string
		code       int
		stderr     []string
		noStderr   []string
		stdoutWant string
	}{
		{name: "drover fails closed", code: 4, stderr: []string{"inventory source " + missing + ": no such file or directory"}},
		{name: "as ansible-playbook", asAnsible: true, code: 0, stderr: []string{unable, none, "provided hosts list is empty"}, stdoutWant: "sources=" + missing},
		{name: "warning", env: []string{anyOff}, code: 0, stderr: []string{unable, none, "provided hosts list is empty"}, stdoutWant: "sources=" + missing},
		{name: "no-none-warning", env: []string{anyOff, "ANSIBLE_INVENTORY_UNPARSED_WARNING=false", "ANSIBLE_LOCALHOST_WARNING=false"},
			code: 0, stderr: []string{unable}, noStderr: []string{none, "provided hosts list"}, stdoutWant: "sources=" + missing},
		{name: "any-unparsed-fails", env: []string{"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true"}, code: 4,
			stderr: []string{"inventory source " + missing + ": no such file or directory"}},
		{name: "unparsed-fails", env: []string{anyOff, "ANSIBLE_INVENTORY_UNPARSED_FAILED=true"}, code: 4,
			stderr: []string{"no inventory was parsed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := execDrover(t, tc.env, "play", "-i", missing, book)
			if tc.asAnsible {
				r = execAsAnsible(t, tc.env, "-i", missing, book)
			}
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			stderr := strings.Join(strings.Fields(r.stderr), " ") // ansible-playbook's warnings wrap
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, w := range tc.noStderr {
				if strings.Contains(r.stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, r.stderr)
				}
			}
			if !strings.Contains(r.stdout, tc.stdoutWant) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdoutWant, r.stdout)
			}
		})
	}
}

// execAsAnsible runs drover through a link named ansible-playbook, with
// ansible-playbook's arguments.
func execAsAnsible(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := drover(env, args...)
	asAnsiblePlaybook(t, cmd)
	return waitDrover(t, cmd, args)
}
