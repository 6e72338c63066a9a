package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlayOutputFormats: drover's folded output is the default, piped or
// on a terminal; ANSIBLE_STDOUT_CALLBACK=default or --ansible-output print
// Ansible's default callback format, coloured as Ansible colours it
// (a terminal unless ANSIBLE_NOCOLOR, always with ANSIBLE_FORCE_COLOR);
// --per-host-recap gives Ansible's recap lines in the folded output.
func TestPlayOutputFormats(t *testing.T) {
	dir := t.TempDir()
	book := filepath.Join(dir, "site.yml")
	must(t, os.WriteFile(book, []byte("- hosts: localhost\n  gather_facts: no\n  tasks:\n    - name: hi\n      debug: msg=hello\n"), 0o644))
	banner := "TASK [hi] " + strings.Repeat("*", 79-len("TASK [hi]")) + "\n"
	const recap = "localhost                  : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n"
	green := "\x1b[0;32m"
	cases := []struct {
		name      string
		env, args []string
		tty       bool
		want, not []string
	}{
		{"folded piped", nil, nil, false, []string{"TASK [hi]\n  ok localhost\n"}, []string{"****", "\x1b["}},
		{"folded on a terminal", nil, nil, true, []string{"TASK [hi]", "localhost"}, []string{"****"}},
		{"callback env", []string{"ANSIBLE_STDOUT_CALLBACK=default"}, nil, false,
			[]string{"\nPLAY [localhost] ****", banner + "ok: [localhost] => {\n    \"msg\": \"hello\"\n}\n", "PLAY RECAP ****", recap}, []string{"\x1b["}},
		{"flag", nil, []string{"--ansible-output"}, false, []string{banner, recap}, nil},
		{"callback on a terminal", []string{"ANSIBLE_STDOUT_CALLBACK=default"}, nil, true, []string{green + "ok: [localhost] => {"}, nil},
		{"nocolor on a terminal", []string{"ANSIBLE_STDOUT_CALLBACK=default", "ANSIBLE_NOCOLOR=1", "NO_COLOR=1"}, nil, true, []string{"ok: [localhost] => {"}, []string{green}},
		{"force colour piped", []string{"ANSIBLE_STDOUT_CALLBACK=ansible.builtin.default", "ANSIBLE_FORCE_COLOR=1"}, nil, false, []string{green + "ok: [localhost] => {"}, nil},
		{"per-host recap", nil, []string{"--per-host-recap"}, false, []string{"TASK [hi]\n  ok localhost\n", "PLAY RECAP\n" + recap}, []string{"****"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"play"}, c.args...), book)
			var out string
			if c.tty {
				cmd := drover(c.env, args...)
				_, screen, done := startOnPTY(t, cmd)
				if err := cmd.Wait(); err != nil {
					t.Fatalf("drover: %v\n%s", err, screen.String())
				}
				<-done
				out = strings.ReplaceAll(screen.String(), "\r\n", "\n")
			} else {
				r := execDrover(t, c.env, args...)
				if r.code != 0 {
					t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
				}
				out = r.stdout
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%q", w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%q", n, out)
				}
			}
		})
	}
}

// TestPlayAnsibleErrors: with Ansible's output asked for, an error that
// stops drover play prints as ansible-playbook prints it (ERROR! and the
// message, then where it is) with Ansible's exit status; drover's own
// output keeps drover's "drover: FILE:LINE:COL: message".
func TestPlayAnsibleErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yml")
	must(t, os.WriteFile(missing, []byte("- hosts: localhost\n  gather_facts: no\n  tasks:\n    - command: /bin/true\n      notify: nosuch\n"), 0o644))
	block := filepath.Join(dir, "block.yml")
	must(t, os.WriteFile(block, []byte("- hosts: localhost\n  gather_facts: no\n  handlers:\n    - block:\n        - block: [{debug: {}}]\n  tasks: []\n"), 0o644))
	const notFound = "The requested handler 'nosuch' was not found in either the main handlers list nor in the listening handlers list"
	const blockMsg = "Using a block as a handler is not supported."
	cases := []struct {
		name       string
		env        []string
		book       string
		code       int
		wantStderr string
	}{
		{"run time, Ansible's output", []string{"ANSIBLE_STDOUT_CALLBACK=default"}, missing, 1, "ERROR! " + notFound + "\n\nThe error is in '" + missing + "': line 4, column 7:"},
		{"load time, Ansible's output", []string{"ANSIBLE_STDOUT_CALLBACK=default"}, block, 4, "ERROR! " + blockMsg + "\n\nThe error is in '" + block + "': line 5, column 11:"},
		{"run time, drover's output", nil, missing, 1, "drover: " + missing + ":4:7: " + notFound},
		{"load time, drover's output", nil, block, 4, "drover: " + block + ":5:11: " + blockMsg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := execDrover(t, c.env, "play", c.book)
			if r.code != c.code || !strings.Contains(r.stderr, c.wantStderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", r.code, r.stderr, c.code, c.wantStderr)
			}
		})
	}
}
