package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestPlayInterrupted presses Ctrl-C on drover's terminal while a task
// hangs on h1 of three real sshd hosts and has finished on h2 and h3, in
// the first task of the play or a later one, in drover's folded output and
// in Ansible's: the recap shows every host worked on with what it finished
// (h2 and h3 the interrupted task too), h1 is shown interrupted, never
// failed, drover exits 130 (99, as Ansible, when called ansible-playbook),
// and the hung command is ended on the host.
func TestPlayInterrupted(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	cases := []struct {
		name  string
		code  int      // the exit status
		first bool     // the hanging task is the play's first
		args  []string // output flags
		wait  []string // on the terminal (after the first) when h2 and h3 have finished the hanging task
		want  []string // regular expressions the output must match
	}{
		{"folded later task", 130, false, nil, []string{"TASK [hang] · waiting for h1"},
			[]string{`interrupted h1\n`, `changed +h\[2-3\]\n`, `interrupted: the recap counts what finished`,
				`h1\s+: ok=1 +changed=1 +unreachable=0 +failed=0 `, `h\[2-3\]\s+: ok=2 +changed=2 +unreachable=0 +failed=0 `, `3 hosts · 2 tasks`}},
		{"folded first task", 130, true, nil, []string{"TASK [hang] · waiting for h1"},
			[]string{`interrupted h1\n`, `h1\s+: ok=0 +changed=0 +unreachable=0 +failed=0 `, `h\[2-3\]\s+: ok=1 +changed=1 +unreachable=0 +failed=0 `, `3 hosts · 1 task `}},
		{"ansible later task", 130, false, []string{"--ansible-output"}, []string{"TASK [hang]", "changed: [h2]", "changed: [h3]"},
			[]string{`\[ERROR\]: User interrupted execution`, `h1 +: ok=1 +changed=1 +unreachable=0 +failed=0 `,
				`h2 +: ok=2 +changed=2 +unreachable=0 +failed=0 `, `h3 +: ok=2 +changed=2 +unreachable=0 +failed=0 `}},
		{"ansible first task", 130, true, []string{"--ansible-output"}, []string{"TASK [hang]", "changed: [h2]", "changed: [h3]"},
			[]string{`h1 +: ok=0 +changed=0 +unreachable=0 +failed=0 `, `h2 +: ok=1 +changed=1 `, `h3 +: ok=1 +changed=1 `}},
		{"as ansible-playbook", 99, false, nil, []string{"TASK [hang]", "changed: [h2]", "changed: [h3]"},
			[]string{`\[ERROR\]: User interrupted execution`, `h1 +: ok=1 +changed=1 `, `h2 +: ok=2 +changed=2 `}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			marker := fmt.Sprintf("drover-interrupt-%d-%s", i, filepath.Base(t.TempDir()))
			book := writeFile(t, t.TempDir(), "book.yml", interruptBook(c.first, marker))
			cmd := drover([]string{"NO_COLOR=1"}, append(append([]string{"play", "-i", lab.Inventory}, c.args...), book)...)
			if c.code == 99 { // ansible-playbook's arguments, through a link of that name
				cmd = drover([]string{"NO_COLOR=1"}, "-i", lab.Inventory, book)
				asAnsiblePlaybook(t, cmd)
			}
			tty, screen, copied := startOnPTY(t, cmd)
			waitScreen(t, screen, c.wait[0])
			for _, w := range c.wait[1:] {
				waitScreen(t, screen, w, c.wait[0])
			}
			if _, err := tty.Write([]byte{3}); err != nil { // Ctrl-C
				t.Fatal(err)
			}
			err := cmd.Wait()
			<-copied
			out := strings.ReplaceAll(screen.String(), "\r\n", "\n")
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit %d (%v), want %d:\n%s", code, err, c.code, out)
			}
			for _, w := range c.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			if strings.Contains(out, "fatal:") || regexp.MustCompile(`failed +h1`).MatchString(out) {
				t.Errorf("the interrupted host is shown failed:\n%s", out)
			}
			testlab.WaitNoCommand(t, marker)
		})
	}
}

// interruptBook is a play on h1, h2 and h3 whose task "hang" sleeps on h1
// (its command line holds marker) and finishes at once on the others;
// first makes it the play's first task.
func interruptBook(first bool, marker string) string {
	before := "    - name: before\n      command: \"true\"\n"
	if first {
		before = ""
	}
	return `- hosts: h1,h2,h3
  gather_facts: false
  tasks:
` + before + `    - name: hang
      shell: "{{ 'sleep 300; echo ` + marker + `' if inventory_hostname == 'h1' else 'true' }}"
    - name: after
      command: "true"
`
}
