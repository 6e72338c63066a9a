package playbooks

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/internal/yamlx"
)

// Errors Ansible finds while the play runs (about handlers, a templated
// module name) stop the run as ansible-playbook stops (ERROR! and status 1,
// or status 4 for a file an include loads), after the tasks before them
// ran; those it finds when it loads the playbook are load errors. Each case
// is checked against ansible-playbook first.
func TestErrorsStoppingRun(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-playbook")
	const play = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: before\n      debug: msg=before\n"
	cases := []struct {
		name   string
		files  map[string]string
		status int    // ansible-playbook's exit status
		msg    string // after ERROR!, in both
		hint   string // in drover's error only
		atLoad bool   // drover finds it when loading
	}{
		{"notify naming no handler", map[string]string{"site.yml": play +
			"    - command: /bin/true\n      notify: nosuch\n    - debug: msg=after\n"},
			1, "The requested handler 'nosuch' was not found in either the main handlers list nor in the listening handlers list", "", false},
		{"misspelled handler", map[string]string{"site.yml": play +
			"    - command: /bin/true\n      notify: restrat web\n  handlers:\n    - name: restart web\n      debug: msg=x\n"},
			1, "The requested handler 'restrat web' was not found", `(did you mean "restart web"?)`, false},
		{"templated notify naming no handler", map[string]string{"site.yml": play +
			"    - command: /bin/true\n      notify: \"{{ 'no' ~ 'such' }}\"\n  handlers:\n    - name: such\n      debug: msg=x\n"},
			1, "The requested handler 'nosuch' was not found", "", false},
		{"flush_handlers as a handler", map[string]string{"site.yml": play +
			"    - command: /bin/true\n      notify: h\n  handlers:\n    - name: h\n      meta: flush_handlers\n"},
			1, "flush_handlers cannot be used as a handler", "", false},
		{"block in a block of handlers", map[string]string{"site.yml": play +
			"  handlers:\n    - name: h\n      block:\n        - debug: msg=ok\n        - block:\n            - debug: msg=x\n"},
			4, "Using a block as a handler is not supported.", "", true},
		{"block in a block of an included handler file", map[string]string{"site.yml": play +
			"    - command: /bin/true\n      notify: h\n  handlers:\n    - name: h\n      include_tasks: h.yml\n",
			"h.yml": "- block:\n    - debug: msg=ok\n    - block:\n        - debug: msg=x\n"},
			4, "Using a block as a handler is not supported.", "", false},
		{"templated module name undefined", map[string]string{"site.yml": play +
			"    - action: \"{{ undefined_module_var }}\"\n      ignore_errors: true\n"},
			1, "'undefined_module_var' is undefined", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			book := writeBook(t, c.files)
			cmd := exec.Command("ansible-playbook", "-i", "localhost,", "-c", "local", book)
			cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_NOCOLOR=1")
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != c.status || !strings.Contains(string(out), "ERROR! "+c.msg) {
				t.Fatalf("ansible-playbook: status %d, want %d with ERROR! %s:\n%s", cmd.ProcessState.ExitCode(), c.status, c.msg, out)
			}
			if c.atLoad {
				_, err := Load(book, LoadOptions{})
				if err == nil || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("load error = %v, want %q", err, c.msg)
				}
				return
			}
			stats, err := runUntilError(t, book)
			if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.hint) {
				t.Fatalf("Run error = %v, want %q %s", err, c.msg, c.hint)
			}
			var ye *yamlx.Error
			if !errors.As(err, &ye) || ye.Line == 0 {
				t.Errorf("Run error %v names no file and line", err)
			}
			var ee *exitcode.Error
			if got := errors.As(err, &ee); got != (c.status != 4) || (got && ee.Code != c.status) {
				t.Errorf("Run error %v: exit status %d, want %d", err, exitcode.Code(err), c.status)
			}
			if h := stats.Host("localhost"); h.OK < 1 {
				t.Errorf("before the error: %+v, want the first task ok", h)
			}
		})
	}
}
