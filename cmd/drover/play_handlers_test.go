package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlayMissingHandler: a task notifying a handler the play lacks stops
// the run with Ansible's message, unless error_on_missing_handler is false:
// then the run warns when the task notifies and goes on.
func TestPlayMissingHandler(t *testing.T) {
	book := filepath.Join(t.TempDir(), "site.yml")
	if err := os.WriteFile(book, []byte("- hosts: localhost\n  gather_facts: false\n  tasks:\n"+
		"    - command: \"true\"\n      notify: nosuch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := "The requested handler 'nosuch' was not found in either the main handlers list nor in the listening handlers list"
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want string
	}{
		{"error", nil, 4, "ERROR! " + msg},
		{"warning", []string{"ANSIBLE_ERROR_ON_MISSING_HANDLER=false"}, 0, "[WARNING]: " + msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := execDrover(t, tc.env, "play", "--ansible-output", "-i", "localhost,", "-c", "local", book)
			if got := strings.Join(strings.Fields(r.stderr), " "); r.code != tc.code || !strings.Contains(got, tc.want) {
				t.Errorf("exit %d, want %d and %q in stderr:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
		})
	}
}
