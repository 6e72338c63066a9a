package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/playbooks"
)

// playOutput is the output of drover play: --json events, Ansible's default
// callback format (--ansible-output, or a stdout_callback of default set in
// ansible.cfg or ANSIBLE_STDOUT_CALLBACK, as CI scripts and ansible-test set
// it), or drover's folded output.
func playOutput(f *playFlags, cfg *ansiblecfg.Config, red *redact.Redactor) playbooks.Output {
	switch {
	case f.json:
		return playbooks.NewJSONOutput(os.Stdout, redactFunc(red))
	case f.ansibleOutput || ansibleCallbackAsked(cfg):
		if f.verbose > 0 {
			fmt.Println(configFileLine(cfg))
		}
		return playbooks.NewAnsibleOutput(os.Stdout, os.Stderr, ansibleOptions(f, cfg, red))
	}
	text := playbooks.NewTextOutput(ui.New(), f.verbose)
	text.Redact = redactFunc(red)
	text.PerHostRecap = f.perHostRecap
	text.ShowCustomStats = cfg != nil && cfg.ShowCustomStats
	return text
}

// ansibleError prints the error that stopped drover play as ansible-playbook
// prints its errors ("ERROR! " and the message, then where it is) when
// Ansible's output is asked for, masked, and returns the exit status
// alone; otherwise it returns err for main to print.
func ansibleError(f *playFlags, red *redact.Redactor, err error) error {
	if err == nil || exitcode.Silent(err) || !(f.ansibleOutput || ansibleCallbackAsked(f.conn.cfg)) {
		return err
	}
	text := "ERROR! " + err.Error()
	var ye *yamlx.Error
	if errors.As(err, &ye) && ye.Line > 0 {
		text = fmt.Sprintf("ERROR! %s\n\nThe error is in '%s': line %d, column %d:\n\n%s", ye.Msg, ye.File, ye.Line, ye.Column,
			strings.TrimRight(ye.Snippet, "\n"))
	}
	fmt.Fprintln(os.Stderr, red.String(text))
	return exitcode.New(exitcode.Code(err), nil)
}

// ansibleCallbackAsked reports whether the configuration sets Ansible's
// default callback as the stdout callback (its default, which drover
// follows only when it is set).
func ansibleCallbackAsked(cfg *ansiblecfg.Config) bool {
	if !cfg.IsSet("DEFAULT_STDOUT_CALLBACK") {
		return false
	}
	switch strings.TrimSpace(cfg.StdoutCallback) {
	case "default", "ansible.builtin.default", "ansible.legacy.default":
		return true
	}
	return false
}

// ansibleOptions are the default callback's settings from the
// configuration, and its colours: on a terminal unless nocolor (or
// NO_COLOR), always with force_color.
func ansibleOptions(f *playFlags, cfg *ansiblecfg.Config, red *redact.Redactor) playbooks.AnsibleOptions {
	opts := playbooks.AnsibleOptions{
		Verbosity:        f.verbose,
		Check:            f.check,
		HideSkipped:      !cfg.DisplaySkippedHosts,
		HideOK:           !cfg.DisplayOkHosts,
		FailedToStderr:   cfg.DisplayFailedStderr,
		CheckModeMarkers: cfg.CheckModeMarkers,
		ShowTaskPath:     cfg.ShowTaskPathOnFailure,
		YAMLResults:      cfg.CallbackResultFormat == "yaml",
		PlainResults:     cfg.IsSet("callback.default.pretty_results") && !prettyResults(cfg),
		Redact:           redactFunc(red),
		ShowCustomStats:  cfg.ShowCustomStats,
	}
	fd := int(os.Stdout.Fd())
	tty := term.IsTerminal(fd)
	opts.Colour = (tty && !cfg.NoColor) || cfg.ForceColor
	if w, _, err := term.GetSize(fd); tty && err == nil {
		opts.Columns = w - 1
	}
	return opts
}

// prettyResults is the callback's pretty_results setting.
func prettyResults(cfg *ansiblecfg.Config) bool {
	v, _ := cfg.Get("callback.default.pretty_results")
	b, _ := v.V.(bool)
	return b
}

// configFileLine is the line ansible-playbook -v starts with: the
// configuration file read, or that there is none.
func configFileLine(cfg *ansiblecfg.Config) string {
	if cfg.File == "" {
		return "No config file found; using defaults"
	}
	abs, err := filepath.Abs(cfg.File)
	if err != nil {
		abs = cfg.File
	}
	return "Using " + abs + " as config file"
}
