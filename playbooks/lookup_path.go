package playbooks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// searchPath is Ansible's ansible_search_path for the lookup's task (see
// taskSearchPath). Without a task (play keywords) it is the play's
// directory.
func (lc *lookupCtx) searchPath() []string {
	t := lc.task()
	if t == nil {
		return []string{lc.basedir()}
	}
	// the play's directory last, as ansible_search_path has it (a role
	// imported by a play finds the play's files)
	return appendNew(taskSearchPath(t), lc.basedir())
}

// taskSearchPath is where a task's files are looked for: the directories
// of its role and of the roles it runs for (nearest first), then the
// directory of the task's file.
func taskSearchPath(t *Task) []string {
	var out []string
	for _, r := range taskRoles(t) {
		out = appendNew(out, r.Path)
	}
	return appendNew(out, t.Dir)
}

// appendNew appends d to list unless it is empty or there already.
func appendNew(list []string, d string) []string {
	if d == "" || contains(list, d) {
		return list
	}
	return append(list, d)
}

// findInSearchPath is Ansible's find_file_in_search_path: source (a file
// or directory) under subdir/ or directly in each search path
// directory, then in the play's directory. A missing file warns unless
// quiet; ok is false then.
func (lc *lookupCtx) findInSearchPath(subdir, source string, quiet bool) (string, bool) {
	p, err := findRelativeStack(lc.searchPath(), lc.basedir(), subdir, source)
	if err != nil {
		if !quiet {
			lc.warn("Unable to find '" + source + "' in expected paths (use -vvvvv to see paths)")
		}
		return "", false
	}
	return p, true
}

// errNotFound is findRelativeStack's error for a file found nowhere.
var errNotFound = errors.New("file not found")

// findRelativeStack is Ansible's DataLoader.path_dwim_relative_stack.
func findRelativeStack(paths []string, basedir, subdir, source string) (string, error) {
	if strings.HasPrefix(source, "~") || strings.HasPrefix(source, "/") {
		p := unfrackPath(source)
		if exists(p) {
			return p, nil
		}
		return "", errNotFound
	}
	first, _, _ := strings.Cut(source, "/")
	var search []string
	for _, path := range paths {
		up := unfrackPath(path)
		parent := filepath.Dir(up)
		if isRoleDir(path) && strings.HasSuffix(parent, "/tasks") {
			search = append(search, joinPy(filepath.Dir(parent), subdir, source), joinPy(parent, source))
			continue
		}
		if first != subdir {
			search = append(search, joinPy(up, subdir, source))
		}
		search = append(search, joinPy(up, source))
	}
	if first != subdir {
		search = append(search, joinPy(basedir, subdir, source))
	}
	search = append(search, joinPy(basedir, source))
	for _, c := range search {
		if exists(c) {
			return c, nil
		}
	}
	return "", errNotFound
}

// joinPy is os.path.join: parts joined with "/" without cleaning, an
// absolute part restarting the path.
func joinPy(parts ...string) string {
	out := ""
	for _, p := range parts {
		switch {
		case strings.HasPrefix(p, "/"):
			out = p
		case out == "" || strings.HasSuffix(out, "/"):
			out += p
		default:
			out += "/" + p
		}
	}
	return out
}

// unfrackPath is Ansible's unfrackpath(follow=False): ~ and $VARS
// expanded, made absolute and normalized.
func unfrackPath(p string) string {
	p = expandUser(os.ExpandEnv(p))
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// expandUser expands a leading ~ to the home directory.
func expandUser(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return home + p[1:]
}

// exists is os.path.exists: the path names something (links followed).
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// isRoleDir is DataLoader._is_role: a directory that looks like a role or
// a role's tasks directory.
func isRoleDir(path string) bool {
	up := unfrackPath(path)
	parent := filepath.Dir(path)
	for _, c := range []string{"main.yml", "main.yaml", "main"} {
		if exists(filepath.Join(path, c)) {
			return true
		}
	}
	for _, base := range []string{up, parent} {
		for _, d := range []string{"tasks", "meta"} {
			for _, c := range []string{"main.yml", "main.yaml", "main"} {
				if exists(filepath.Join(base, d, c)) {
					return true
				}
			}
		}
	}
	return false
}
