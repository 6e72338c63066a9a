package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestPlayAsyncSSH runs async tasks on real sshd hosts: a polled task, a
// fire-and-forget shell job that outlives its SSH session and is waited
// for with async_status until it finishes, its job file removed by
// cleanup, and a polled task over its time limit.
func TestPlayAsyncSSH(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 2})
	dir := t.TempDir()
	book := filepath.Join(dir, "site.yml")
	content := `- hosts: lab
  gather_facts: false
  tasks:
    - command: echo polled
      async: 20
      poll: 1
      register: p
    - shell: sleep 1; echo "job on {{ inventory_hostname }}"
      async: 30
      poll: 0
      register: job
    - async_status: {jid: "{{ job.ansible_job_id }}"}
      register: st
      until: st.finished
      retries: 30
      delay: 1
    - assert:
        that:
          - p.stdout == "polled" and p.finished == 1
          - job.finished == 0 and job.started == 1
          - st.stdout == "job on " ~ inventory_hostname and st.rc == 0
    - async_status: {jid: "{{ job.ansible_job_id }}", mode: cleanup}
    - stat: {path: "{{ job.results_file }}"}
      register: gone
    - assert: {that: [not gone.stat.exists]}
    - command: sleep 10
      async: 1
      poll: 1
      ignore_errors: true
      register: slow
    - assert: {that: ["slow.msg == 'async task did not complete within the requested time - 1s'"]}
`
	if err := os.WriteFile(book, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r := execDrover(t, nil, "play", "-i", lab.Inventory, book)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "ok=9    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1"; !strings.Contains(r.stdout, want) {
		t.Errorf("recap lacks %q:\n%s", want, r.stdout)
	}
}
