package compat

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// dependencies maps each target to the other targets its run needs copied
// beside it, as ansible-test works them out: its setup targets, its
// needs/target/ aliases, the targets its symlinks point into, and the
// hidden role targets (setup_*, prepare_*, hidden) that a line of its
// meta/ files names; then theirs, transitively.
func dependencies(suite string, all []Target) (map[string][]string, error) {
	direct := map[string]map[string]bool{}
	var hidden []string
	for _, t := range all {
		if t.Kind == Role && hiddenReason(t) != "" {
			hidden = append(hidden, t.Name)
		}
	}
	for _, t := range all {
		d := map[string]bool{}
		for _, s := range t.setups() {
			d[s] = true
		}
		for _, a := range t.Aliases {
			if n, ok := strings.CutPrefix(a, "needs/target/"); ok {
				d[strings.Split(n, "/")[0]] = true
			}
		}
		if err := linkTargets(suite, t, d); err != nil {
			return nil, err
		}
		if err := metaMentions(suite, t, hidden, d); err != nil {
			return nil, err
		}
		delete(d, t.Name)
		direct[t.Name] = d
	}
	return closure(direct), nil
}

// linkTargets adds the targets that t's symlinks point into.
func linkTargets(suite string, t Target, d map[string]bool) error {
	root, err := filepath.EvalSymlinks(TargetsDir(suite))
	if err != nil {
		return err
	}
	return filepath.WalkDir(filepath.Join(TargetsDir(suite), t.Name), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.Type()&fs.ModeSymlink == 0 {
			return err
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil // a dangling link needs nothing copied
		}
		if rel, ok := strings.CutPrefix(real, root+string(filepath.Separator)); ok {
			d[strings.Split(rel, string(filepath.Separator))[0]] = true
		}
		return nil
	})
}

var commentLine = regexp.MustCompile(`^ *#`)

// metaMentions adds the hidden role targets that a line of t's meta/
// files names.
func metaMentions(suite string, t Target, hidden []string, d map[string]bool) error {
	files, err := filepath.Glob(filepath.Join(TargetsDir(suite), t.Name, "meta", "*"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory, or unreadable: ansible-test reads files only
		}
		for _, line := range strings.Split(string(data), "\n") {
			if commentLine.MatchString(line) || strings.TrimSpace(line) == "" {
				continue
			}
			for _, h := range hidden {
				if strings.Contains(line, h) {
					d[h] = true
				}
			}
		}
	}
	return nil
}

// closure returns, for each target, every target reachable from it
// through direct, sorted.
func closure(direct map[string]map[string]bool) map[string][]string {
	out := map[string][]string{}
	for name := range direct {
		seen := map[string]bool{}
		stack := []string{name}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for dep := range direct[n] {
				if !seen[dep] && dep != name {
					seen[dep] = true
					stack = append(stack, dep)
				}
			}
		}
		for dep := range seen {
			out[name] = append(out[name], dep)
		}
		sort.Strings(out[name])
	}
	return out
}

// neededFiles are the suite files (relative to it) that t's and its
// dependencies' needs/file/ aliases name and that exist.
func neededFiles(suite string, ts []Target) []string {
	var out []string
	for _, t := range ts {
		for _, a := range t.Aliases {
			p, ok := strings.CutPrefix(a, "needs/file/")
			if !ok {
				continue
			}
			if _, err := os.Stat(filepath.Join(suite, p)); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}
