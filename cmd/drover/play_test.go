package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// timing matches the run time at the end of the recap, which varies.
var timing = regexp.MustCompile(`· [0-9.]+(ms|s|µs|m[0-9.]*s)\n`)

// varying matches the timestamps of command results in JSON and YAML.
var (
	varying     = regexp.MustCompile(`"(start|end|delta)":"[^"]*"`)
	varyingYAML = regexp.MustCompile(`(start|end|delta): "[^"]*"`)
)

// TestPlayGolden runs drover play and compares its output and exit status
// with golden files under testdata/play (go test -update rewrites them).
func TestPlayGolden(t *testing.T) {
	const inv = "testdata/play/hosts.yml"
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"output", []string{"-i", inv, "testdata/play/output.yml"}, 2},
		{"output-v", []string{"-i", inv, "-v", "-l", "h1,h4", "testdata/play/output.yml"}, 2},
		{"output-json", []string{"-i", inv, "--json", "-l", "h2", "testdata/play/output.yml"}, 0},
		{"list-tasks", []string{"-i", inv, "--list-tasks", "testdata/play/output.yml"}, 0},
		{"list-hosts", []string{"-i", inv, "--list-hosts", "-l", "web", "testdata/play/output.yml"}, 0},
		{"unreachable", []string{"-i", "testdata/play/unreachable.yml", "-T", "2", "testdata/play/ping.yml"}, 3},
		{"bad-input", []string{"-i", inv, "testdata/play/bad.yml"}, 4},
		{"bad-usage", []string{"-i", inv, "-f", "0", "testdata/play/ping.yml"}, 5},
		{"bad-extra-vars", []string{"-i", inv, "-e", "@testdata/play/missing.yml", "testdata/play/ping.yml"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := execDrover(t, nil, append([]string{"play"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			got := timing.ReplaceAllString(r.stdout+r.stderr, "· TIME\n")
			got = varying.ReplaceAllString(got, `"$1":"X"`)
			got = varyingYAML.ReplaceAllString(got, `$1: X`)
			golden := filepath.Join("testdata", "play", tc.name+".golden")
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestPlayNoLog checks that a no_log task's output never shows.
func TestPlayNoLog(t *testing.T) {
	for _, args := range [][]string{{}, {"-v"}, {"--json"}, {"-vvv"}} {
		r := execDrover(t, nil, append(append([]string{"play", "-i", "testdata/play/hosts.yml", "-l", "h1"}, args...), "testdata/play/output.yml")...)
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("%v: the secret was printed:\n%s", args, r.stdout)
		}
		if !strings.Contains(r.stdout, "the output has been hidden due to the fact that 'no_log: true' was specified for this result") && len(args) > 0 {
			t.Errorf("%v: no censored message:\n%s", args, r.stdout)
		}
	}
}

// TestPlaySSH runs a playbook on real sshd hosts: facts, commands, loops and
// handlers, one SSH connection per host for the whole run.
func TestPlaySSH(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	before := map[string]int{}
	for _, h := range lab.Hosts {
		before[h.Name] = h.Accepted()
	}
	book := filepath.Join(t.TempDir(), "site.yml")
	content := `- hosts: lab
  tasks:
    - command: uname -s
      register: u
    - shell: echo {{ item }} > {{ dir }}/{{ inventory_hostname }}.{{ item }}
      loop: [a, b]
      notify: done
      vars: {dir: "` + t.TempDir() + `"}
    - assert:
        that: ["u.stdout == ansible_system", "ansible_user_id | length > 0"]
  handlers:
    - name: done
      command: "true"
`
	if err := os.WriteFile(book, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r := execDrover(t, nil, "play", "-i", lab.Inventory, book)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := "ok=5    changed=3    unreachable=0    failed=0"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("recap lacks %q:\n%s", want, r.stdout)
	}
	for _, h := range lab.Hosts {
		if n := h.Accepted() - before[h.Name]; n != 1 {
			t.Errorf("%s: %d SSH connections, want 1", h.Name, n)
		}
	}
}
