package compat

import (
	"fmt"
	"sort"
	"strings"
)

// Selection says what the machine running the targets allows.
type Selection struct {
	// AllowDestructive runs targets marked destructive and those that
	// change this machine (machineChanging), as ansible-test's
	// --allow-destructive.
	AllowDestructive bool
	// Root is true when running as root (needs/root targets run).
	Root bool
	// PythonVersion is the inventory's Python, "3.11" (skip/python3.11
	// and skip/python3 targets are skipped).
	PythonVersion string
	// Arch is the machine's architecture, "x86_64" (skip/x86_64).
	Arch string
}

// Skipped is a target that is not run, and why.
type Skipped struct {
	Target Target
	Reason string
}

// machineChanging are targets that ansible-test does not mark destructive
// but that would change this shared machine outside their temporary
// directories (users, groups, packages, services, firewall, apt keys):
// they run only with AllowDestructive, like destructive ones.
var machineChanging = map[string]string{
	"file":                          "creates and then removes the user nobody (setup_nobody)",
	"keyword_inheritance":           "creates and removes a user (setup_test_user)",
	"omit":                          "creates and removes a user (setup_test_user)",
	"remote_tmp":                    "creates the user tmptest",
	"group":                         "creates and removes groups",
	"git":                           "installs git with the package module",
	"ansible-galaxy-collection-scm": "installs git with the package module",
	"ansible-test-git":              "installs and removes git",
	"iptables":                      "installs iptables and changes firewall rules",
	"systemd":                       "starts and stops services",
	"apt_key":                       "adds apt keys",
	"ansible-runner":                "installs ansible-runner with pip",
}

// Select picks the targets ansible-test's local posix run would run
// (names, when given, narrow the choice and must exist) and says why each
// other one is skipped.
func Select(all []Target, names []string, sel Selection) ([]Target, []Skipped, error) {
	pool, err := byName(all, names)
	if err != nil {
		return nil, nil, err
	}
	var run []Target
	var skipped []Skipped
	for _, t := range pool {
		if reason := sel.skipReason(t); reason != "" {
			skipped = append(skipped, Skipped{t, reason})
			continue
		}
		run = append(run, t)
	}
	return run, skipped, nil
}

// byName returns the targets named, all when names is empty.
func byName(all []Target, names []string) ([]Target, error) {
	if len(names) == 0 {
		return all, nil
	}
	index := map[string]Target{}
	for _, t := range all {
		index[t.Name] = t
	}
	var out []Target
	var unknown []string
	for _, n := range names {
		t, ok := index[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, t)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no such target: %s", strings.Join(unknown, ", "))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// skipReason says why ansible-test's local posix run (or this machine)
// does not run t; "" when it runs. The rules, in order: hidden targets
// (the alias, setup_* and prepare_*) are only run by others; windows and
// network targets belong to other commands; cloud targets (and
// needs/httptester, a cloud provider) need containers or a cloud config;
// disabled, unsupported and unstable need ansible-test's --allow-*;
// needs/ssh needs ssh to the controller's own sshd, which ansible-test
// checks for and which is not set up here; non_local targets cannot run on
// the controller itself; needs/root without root; skip/pythonX[.Y] and
// skip/ARCH for this machine; destructive and machine-changing targets
// without AllowDestructive.
func (sel Selection) skipReason(t Target) string {
	for _, rule := range []func(Target) string{hiddenReason, nonPosixReason, cloudReason, allowReason, sel.machineReason} {
		if r := rule(t); r != "" {
			return r
		}
	}
	return ""
}

func hiddenReason(t Target) string {
	switch {
	case t.Has("hidden"):
		return "hidden: run only by the targets that need it"
	case strings.HasPrefix(t.Name, "setup_"), strings.HasPrefix(t.Name, "prepare_"):
		return "hidden (setup_/prepare_): run only by the targets that need it"
	}
	return ""
}

func nonPosixReason(t Target) string {
	if t.Has("posix") {
		return ""
	}
	switch {
	case t.Has("windows"), strings.HasPrefix(t.Name, "win_"):
		return "windows: ansible-test windows-integration"
	case t.HasPrefix("network/") != "":
		return "network: ansible-test network-integration"
	}
	return ""
}

func cloudReason(t Target) string {
	if a := t.HasPrefix("cloud/"); a != "" {
		return a + ": needs containers or a cloud config"
	}
	if t.Has("needs/httptester") {
		return "needs/httptester: needs the httptester container"
	}
	return ""
}

func allowReason(t Target) string {
	for _, a := range []string{"disabled", "unsupported", "unstable"} {
		if t.Has(a) {
			return a + ": needs ansible-test --allow-" + a
		}
	}
	if t.Has("needs/ssh") {
		return "needs/ssh: needs ssh to this machine's own sshd, not set up here"
	}
	if t.Has("non_local") {
		return "non_local: cannot run on the controller itself"
	}
	return ""
}

func (sel Selection) machineReason(t Target) string {
	switch {
	case t.Has("needs/root") && !sel.Root:
		return "needs/root: not running as root"
	case sel.PythonVersion != "" && (t.Has("skip/python"+sel.PythonVersion) || t.Has("skip/python"+strings.Split(sel.PythonVersion, ".")[0])):
		return "skip/python: not for Python " + sel.PythonVersion
	case sel.Arch != "" && t.Has("skip/"+sel.Arch):
		return "skip/" + sel.Arch
	case sel.AllowDestructive:
		return ""
	case t.Has("destructive"):
		return "destructive: needs -allow-destructive"
	case machineChanging[t.Name] != "":
		return "changes this machine (" + machineChanging[t.Name] + "): needs -allow-destructive"
	}
	return ""
}
