package playbooks

import (
	"bytes"
	"strings"
	"testing"
)

// TestUndefinedDidYouMean: an undefined variable in a task's options fails
// the task with Ansible's sentence, the task's file:line:col and the
// nearest variable in scope (play vars, task vars, loop variables, facts).
func TestUndefinedDidYouMean(t *testing.T) {
	cases := []struct{ name, task, want, unwanted string }{
		{"play var", "debug: msg={{ app_prot }}", `Did you mean "app_port"?`, ""},
		{"task var", "debug: msg={{ colour }}\n      vars: {color: red}", `Did you mean "color"?`, ""},
		{"loop var", "debug: msg={{ iten }}\n      loop: [1]", `Did you mean "item"?`, ""},
		{"registered", "debug: msg={{ resutl }}", `Did you mean "result"?`, ""},
		{"nothing near", "debug: msg={{ zzzzzz }}", "'zzzzzz' is undefined", "Did you mean"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			book := writeBook(t, map[string]string{"site.yml": "- hosts: localhost\n  gather_facts: no\n  vars: {app_port: 80}\n  tasks:\n" +
				"    - set_fact: {x: 1}\n      register: result\n    - " + c.task + "\n"})
			var out bytes.Buffer
			stats := runBook(t, book, "", Options{Output: newPlainOutput(&out, 0, false)})
			if stats.Host("localhost").Failed != 1 {
				t.Fatalf("recap %+v; want one failure\n%s", stats.Host("localhost"), out.String())
			}
			got := out.String()
			for _, want := range []string{"The task includes an option with an undefined variable. The error was: ", "The task is at " + book + ":7:7", c.want} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
			if c.unwanted != "" && strings.Contains(got, c.unwanted) {
				t.Errorf("output has %q:\n%s", c.unwanted, got)
			}
		})
	}
}
