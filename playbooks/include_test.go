package playbooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

// A file that an include loads while the play runs and that does not load
// stops the whole run, as ansible-playbook stops with ERROR! and status 4:
// Run returns the error with the file's line and column, after the tasks
// before the include ran. The same files unreached do not matter.
func TestIncludeLoadErrorStopsRun(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-playbook")
	cases := []struct {
		name, include string
		files         map[string]string
		want          string // FILE:LINE:COL in drover's error
	}{
		{"unknown module", "include_tasks: bad.yml", map[string]string{"bad.yml": "- debug: msg=x\n- no_such_module_x: a=1\n"}, "bad.yml:2:3"},
		{"yaml syntax", "include_tasks: bad.yml", map[string]string{"bad.yml": "- debug: msg=x\n  bad: [\n"}, "bad.yml:2:"},
		{"bad keyword in an included role", "include_role: name=r", map[string]string{"roles/r/tasks/main.yml": "- debug: msg=x\n  whenn: true\n"},
			"roles/r/tasks/main.yml:2:3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"site.yml": "- hosts: localhost\n  gather_facts: false\n  tasks:\n" +
				"    - name: before\n      debug: msg=before\n    - name: not reached\n      " + c.include + "\n      when: false\n" +
				"    - name: reached\n      " + c.include + "\n    - name: after\n      debug: msg=after\n"}
			for k, v := range c.files {
				files[k] = v
			}
			book := writeBook(t, files)
			cmd := exec.Command("ansible-playbook", "-i", "localhost,", "-c", "local", book)
			cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_NOCOLOR=1")
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != 4 || !strings.Contains(string(out), "ERROR!") {
				t.Fatalf("ansible-playbook: status %d, want 4 with ERROR!:\n%s", cmd.ProcessState.ExitCode(), out)
			}
			stats, err := runUntilError(t, book)
			var ye *yamlx.Error
			if !errors.As(err, &ye) || !strings.Contains(err.Error(), filepath.Join(filepath.Dir(book), c.want)) {
				t.Fatalf("Run error = %v, want a file error at %s", err, c.want)
			}
			if h := stats.Host("localhost"); h.OK != 1 || h.Skipped != 1 {
				t.Errorf("before the error: %+v, want ok=1 skipped=1", h)
			}
		})
	}
}

// runUntilError runs a playbook on the implicit localhost and returns what
// Run returned.
func runUntilError(t *testing.T, book string) (*Stats, error) {
	t.Helper()
	pb, err := Load(book, LoadOptions{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	inv, err := inventory.Load(context.Background(), []string{"localhost,"}, inventory.Options{
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }})
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), pb, Options{Inventory: inv, Local: local.New(),
		Connect: func(context.Context, string, map[string]any) (transport.Conn, error) { return local.New(), nil }})
}
