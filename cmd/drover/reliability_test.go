package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTraceFilePrivate runs a playbook with DROVER_TRACE on a real sshd
// host: the trace file, new or left 0644 by an earlier run, ends 0600, and
// a no_log task's command line and file paths are masked in it while the
// other tasks' are not.
func TestTraceFilePrivate(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 1})
	dir := t.TempDir()
	book := writeFile(t, dir, "book.yml", `- hosts: h1
  gather_facts: false
  tasks:
    - shell: echo visible-cmd-1 >/dev/null
    - shell: echo Sup3r-S3cret-cmd >/dev/null
      no_log: true
    - copy: {content: "x", dest: "`+lab.Hosts[0].Dir+`/Sup3r-S3cret-file"}
      no_log: true
`)
	for _, existing := range []bool{false, true} {
		tr := filepath.Join(t.TempDir(), "trace.log")
		if existing {
			writeFile(t, filepath.Dir(tr), "trace.log", "")
		}
		r := execDrover(t, []string{"DROVER_TRACE=" + tr}, "play", "-i", lab.Inventory, book)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(tr)
		fi, serr := os.Stat(tr)
		if err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("existing %v: trace file mode %v, want 0600", existing, fi.Mode())
		}
		if strings.Contains(string(b), "Sup3r-S3cret") || !strings.Contains(string(b), "visible-cmd-1") {
			t.Errorf("existing %v: want the no_log task masked and the other shown:\n%s", existing, b)
		}
	}
}
