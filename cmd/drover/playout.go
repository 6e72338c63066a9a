package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/playbooks"
)

// playOutput is the output of drover play: --json events, Ansible's default
// callback format (--ansible-output, or ANSIBLE_STDOUT_CALLBACK=default as
// CI scripts and ansible-test set it), or drover's folded output.
func playOutput(f *playFlags, red *redact.Redactor) playbooks.Output {
	switch {
	case f.json:
		return playbooks.NewJSONOutput(os.Stdout, redactFunc(red))
	case f.ansibleOutput || ansibleCallbackAsked():
		if f.verbose > 0 {
			fmt.Println(configFileLine())
		}
		return playbooks.NewAnsibleOutput(os.Stdout, os.Stderr, ansibleOptions(f, red))
	}
	text := playbooks.NewTextOutput(ui.New(), f.verbose)
	text.Redact = redactFunc(red)
	text.PerHostRecap = f.perHostRecap
	return text
}

// ansibleCallbackAsked reports whether ANSIBLE_STDOUT_CALLBACK names
// Ansible's default callback (its stdout_callback setting; only the
// environment variable is read until ansible.cfg's is).
func ansibleCallbackAsked() bool {
	switch strings.TrimSpace(os.Getenv("ANSIBLE_STDOUT_CALLBACK")) {
	case "default", "ansible.builtin.default", "ansible.legacy.default":
		return true
	}
	return false
}

// ansibleOptions are the default callback's settings, from Ansible's
// environment variables, and its colours: on a terminal unless
// ANSIBLE_NOCOLOR (or NO_COLOR), always with ANSIBLE_FORCE_COLOR.
func ansibleOptions(f *playFlags, red *redact.Redactor) playbooks.AnsibleOptions {
	opts := playbooks.AnsibleOptions{
		Verbosity:        f.verbose,
		Check:            f.check,
		HideSkipped:      !envBool("ANSIBLE_DISPLAY_SKIPPED_HOSTS", true),
		HideOK:           !envBool("ANSIBLE_DISPLAY_OK_HOSTS", true),
		FailedToStderr:   envBool("ANSIBLE_DISPLAY_FAILED_STDERR", false),
		CheckModeMarkers: envBool("ANSIBLE_CHECK_MODE_MARKERS", false),
		ShowTaskPath:     envBool("ANSIBLE_SHOW_TASK_PATH_ON_FAILURE", false),
		YAMLResults:      strings.TrimSpace(os.Getenv("ANSIBLE_CALLBACK_RESULT_FORMAT")) == "yaml",
		PlainResults:     !envBool("ANSIBLE_CALLBACK_FORMAT_PRETTY", true),
		Redact:           redactFunc(red),
	}
	fd := int(os.Stdout.Fd())
	tty := term.IsTerminal(fd)
	opts.Colour = tty && !envBool("ANSIBLE_NOCOLOR", false) && !envBool("NO_COLOR", false)
	if envBool("ANSIBLE_FORCE_COLOR", false) {
		opts.Colour = true
	}
	if w, _, err := term.GetSize(fd); tty && err == nil {
		opts.Columns = w - 1
	}
	return opts
}

// envBool reads an environment variable as Ansible reads a boolean
// setting (yes, on, 1, true, y, t), def when it is unset or empty.
func envBool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "y", "yes", "on", "1", "true", "t", "1.0":
		return true
	}
	return false
}

// configFileLine is the line ansible-playbook -v starts with: the
// configuration file Ansible would read (ANSIBLE_CONFIG, ./ansible.cfg,
// ~/.ansible.cfg, /etc/ansible/ansible.cfg), or that there is none.
func configFileLine() string {
	home, _ := os.UserHomeDir()
	candidates := []string{"ansible.cfg", filepath.Join(home, ".ansible.cfg"), "/etc/ansible/ansible.cfg"}
	if env := os.Getenv("ANSIBLE_CONFIG"); env != "" {
		if fi, err := os.Stat(env); err == nil && fi.IsDir() {
			env = filepath.Join(env, "ansible.cfg")
		}
		candidates = append([]string{env}, candidates...)
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			abs, _ := filepath.Abs(c)
			return "Using " + abs + " as config file"
		}
	}
	return "No config file found; using defaults"
}
