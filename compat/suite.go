package compat

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SuiteEnv names the environment variable that gives the suite's directory
// (the one holding test/integration/targets).
const SuiteEnv = "DROVER_COMPAT_SUITE"

// suiteName is the suite's directory under a "shared" directory beside the
// clone.
const suiteName = "ansible-2.14-integration"

// Locate finds the suite: $DROVER_COMPAT_SUITE, else
// shared/ansible-2.14-integration in from or one of its parents (CI has it
// beside the clone, as ../shared).
func Locate(from string) (string, error) {
	if dir := os.Getenv(SuiteEnv); dir != "" {
		if !isSuite(dir) {
			return "", fmt.Errorf("%s=%s: no test/integration/targets there", SuiteEnv, dir)
		}
		return filepath.Abs(dir)
	}
	dir, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	for {
		if cand := filepath.Join(dir, "shared", suiteName); isSuite(cand) {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no shared/%s in %s or its parents (set %s)", suiteName, from, SuiteEnv)
		}
		dir = parent
	}
}

func isSuite(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "test", "integration", "targets"))
	return err == nil && fi.IsDir()
}

// Kind is how ansible-test runs a target.
type Kind string

// The two kinds of posix targets.
const (
	Role  Kind = "role"  // no runme.sh: a generated playbook runs it as a role
	Runme Kind = "runme" // runme.sh runs it
)

// Target is one integration target.
type Target struct {
	Name    string
	Kind    Kind
	Aliases []string // the aliases file, without comments and blank lines
}

// Has reports whether the target has the alias a.
func (t Target) Has(a string) bool {
	for _, x := range t.Aliases {
		if x == a {
			return true
		}
	}
	return false
}

// HasPrefix returns the first alias starting with p, or "".
func (t Target) HasPrefix(p string) string {
	for _, x := range t.Aliases {
		if strings.HasPrefix(x, p) {
			return x
		}
	}
	return ""
}

// setups are the target's setup/once and setup/always targets, which
// ansible-test runs before it.
func (t Target) setups() []string {
	var out []string
	for _, a := range t.Aliases {
		parts := strings.Split(a, "/")
		if len(parts) == 3 && parts[0] == "setup" && (parts[1] == "once" || parts[1] == "always") {
			out = append(out, parts[2])
		}
	}
	sort.Strings(out)
	return out
}

// TargetsDir is the directory of the targets in a suite.
func TargetsDir(suite string) string { return filepath.Join(suite, "test", "integration", "targets") }

// LoadTargets reads every target of the suite, sorted by name.
func LoadTargets(suite string) ([]Target, error) {
	entries, err := os.ReadDir(TargetsDir(suite))
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t, err := loadTarget(filepath.Join(TargetsDir(suite), e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func loadTarget(dir string) (Target, error) {
	t := Target{Name: filepath.Base(dir), Kind: Role}
	if _, err := os.Stat(filepath.Join(dir, "runme.sh")); err == nil {
		t.Kind = Runme
	}
	f, err := os.Open(filepath.Join(dir, "aliases"))
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	} else if err != nil {
		return t, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			t.Aliases = append(t.Aliases, line)
		}
	}
	return t, sc.Err()
}
