package playbooks

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestAnsibleOutputMatchesAnsible runs testdata/ansible_output/site.yml with
// ansible-playbook's default callback and with AnsibleOutput on the same
// sshd host, under the display settings scripts use, and compares stdout
// and stderr line for line (timings and work directories normalized).
func TestAnsibleOutputMatchesAnsible(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-playbook")
	inv := writeSSHInventory(t, testlab.Start(t, testlab.Options{Hosts: 1}))
	book, err := filepath.Abs("testdata/ansible_output/site.yml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		env       []string
		opts      AnsibleOptions
		verbosity int
	}{
		{"default", nil, AnsibleOptions{}, 0},
		{"hide skipped", []string{"ANSIBLE_DISPLAY_SKIPPED_HOSTS=0"}, AnsibleOptions{HideSkipped: true}, 0},
		{"hide ok", []string{"ANSIBLE_DISPLAY_OK_HOSTS=0"}, AnsibleOptions{HideOK: true}, 0},
		{"hide both", []string{"ANSIBLE_DISPLAY_OK_HOSTS=0", "ANSIBLE_DISPLAY_SKIPPED_HOSTS=0"}, AnsibleOptions{HideOK: true, HideSkipped: true}, 0},
		{"failed to stderr", []string{"ANSIBLE_DISPLAY_FAILED_STDERR=1"}, AnsibleOptions{FailedToStderr: true}, 0},
		{"task path", []string{"ANSIBLE_SHOW_TASK_PATH_ON_FAILURE=1"}, AnsibleOptions{ShowTaskPath: true}, 0},
		{"colour", []string{"ANSIBLE_FORCE_COLOR=1"}, AnsibleOptions{Colour: true}, 0},
		{"verbose", nil, AnsibleOptions{}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			wantOut, wantErr := ansibleDefaultCallback(t, book, inv, work, c.verbosity, c.env)
			var out, errOut bytes.Buffer
			c.opts.Verbosity = c.verbosity
			droWork := t.TempDir()
			runBookOver(t, book, inv, true, Options{ExtraVars: map[string]any{"workdir": droWork},
				Verbosity: c.verbosity, Output: NewAnsibleOutput(&out, &errOut, c.opts)})
			gotOut := normalizeOutput(strings.ReplaceAll(out.String(), droWork, work))
			wantOut = knownDataDifferences.ReplaceAllString(wantOut, "")
			gotOut = knownDataDifferences.ReplaceAllString(gotOut, "")
			gotErr := normalizeOutput(strings.ReplaceAll(errOut.String(), droWork, work))
			if want := normalizeOutput(wantOut); gotOut != want {
				t.Errorf("stdout differs:\n%s", UnifiedDiff(want, gotOut, "ansible-playbook", "drover"))
			}
			if want := normalizeOutput(wantErr); gotErr != want {
				t.Errorf("stderr differs:\n%s", UnifiedDiff(want, gotErr, "ansible-playbook", "drover"))
			}
		})
	}
}

// ansibleDefaultCallback runs ansible-playbook with its default callback
// and returns its stdout and stderr.
func ansibleDefaultCallback(t *testing.T, book, inv, work string, verbosity int, env []string) (string, string) {
	t.Helper()
	args := []string{"-i", inv, "-e", "workdir=" + work, book}
	if verbosity > 0 {
		args = append(args, "-"+strings.Repeat("v", verbosity))
	}
	cfg := filepath.Join(t.TempDir(), "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=default", "ANSIBLE_NOCOWS=1", "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_DEPRECATION_WARNINGS=0", "ANSIBLE_PIPELINING=1", "ANSIBLE_CONFIG="+cfg)
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	_ = cmd.Run()
	return out.String(), errOut.String()
}

// verboseNoise are the lines of ansible-playbook -vv that come from its
// command line and configuration, not from its callback.
var verboseNoise = regexp.MustCompile(`(?m)^(ansible-playbook \[core.*|  [a-z ]+ = .*|Using .* as config file|No config file found.*|Skipping callback .*|NOTIFIED HANDLER .*)\n`)

// knownDataDifferences are registered values in which drover differs from
// Ansible 2.14 (its engine's, not its output's): the skip result's
// false_condition (Ansible 2.15's) and copy's temporary src. -v shows them.
var knownDataDifferences = regexp.MustCompile(`"false_condition": ("[^"]*"|false), |"src": "/root/\.ansible/tmp/[^"]*", `)

// normalizeOutput blanks what differs between runs: times and durations
// (dd's among them).
func normalizeOutput(s string) string {
	s = verboseNoise.ReplaceAllString(s, "")
	s = regexp.MustCompile(`copied, [0-9.e-]+ s, [0-9.]+ [kMG]?B/s`).ReplaceAllString(s, "copied, RATE")
	s = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}`).ReplaceAllString(s, "TIME")
	return regexp.MustCompile(`\d+:\d\d:\d\d\.\d{6}`).ReplaceAllString(s, "DELTA")
}
