package tasks

import (
	"path"
	"strings"
)

// What apt and dpkg know of packages, read from their command-line tools
// (dpkg-query, apt-cache policy, apt-cache showpkg) rather than python-apt.

// dpkgPkg is a package as dpkg-query lists it.
type dpkgPkg struct {
	Name, Arch, Status, Version string
}

// Installed reports dpkg's "installed" state (python-apt's
// CURSTATE_INSTALLED).
func (p dpkgPkg) Installed() bool { return len(p.Status) >= 2 && p.Status[1] == 'i' }

// HasFiles reports a package whose files (at least its configuration) are
// still on the system.
func (p dpkgPkg) HasFiles() bool {
	return len(p.Status) >= 2 && strings.ContainsRune("iUFWtHc", rune(p.Status[1]))
}

// dpkgQueryFormat is the -f format parseDpkgQuery reads.
const dpkgQueryFormat = `${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\n`

// parseDpkgQuery reads dpkg-query -W output in dpkgQueryFormat.
func parseDpkgQuery(out string) map[string]dpkgPkg {
	pkgs := map[string]dpkgPkg{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 4 || f[0] == "" {
			continue
		}
		p := dpkgPkg{Name: f[0], Arch: f[1], Status: f[2], Version: f[3]}
		if old, ok := pkgs[p.Name]; ok && old.Installed() {
			continue
		}
		pkgs[p.Name] = p
		pkgs[p.Name+":"+p.Arch] = p
	}
	return pkgs
}

// aptPolicy is what `apt-cache policy` says of one package.
type aptPolicy struct {
	Installed string   // "" for (none)
	Candidate string   // "" for (none)
	Versions  []string // the version table, best first
}

// parseAptPolicy reads `apt-cache policy NAME...` output by package name.
func parseAptPolicy(out string) map[string]*aptPolicy {
	pols := map[string]*aptPolicy{}
	var cur *aptPolicy
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case line == "":
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":"):
			cur, inTable = &aptPolicy{}, false
			pols[strings.TrimSuffix(line, ":")] = cur
		case cur == nil:
		case strings.HasPrefix(trimmed, "Installed:"):
			cur.Installed = aptNone(strings.TrimSpace(strings.TrimPrefix(trimmed, "Installed:")))
		case strings.HasPrefix(trimmed, "Candidate:"):
			cur.Candidate = aptNone(strings.TrimSpace(strings.TrimPrefix(trimmed, "Candidate:")))
		case trimmed == "Version table:":
			inTable = true
		case inTable:
			if v, ok := aptTableVersion(line); ok {
				cur.Versions = append(cur.Versions, v)
			}
		}
	}
	return pols
}

func aptNone(s string) string {
	if s == "(none)" {
		return ""
	}
	return s
}

// aptTableVersion reads a version line of the version table (" *** 1.0
// 100" or "     1.1 500"); origin lines are indented deeper.
func aptTableVersion(line string) (string, bool) {
	if strings.HasPrefix(line, " *** ") {
		line = "     " + line[5:]
	}
	indent := len(line) - len(strings.TrimLeft(line, " "))
	f := strings.Fields(line)
	if indent > 5 || len(f) != 2 {
		return "", false
	}
	return f[0], true
}

// aptReverseProvides reads the "Reverse Provides:" part of `apt-cache
// showpkg`: the providing package names.
func aptReverseProvides(out string) []string {
	var names []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Reverse Provides:") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if f := strings.Fields(line); len(f) > 0 && !containsStr(names, f[0]) {
			names = append(names, f[0])
		}
	}
	return names
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// fnmatch is Python's fnmatch.fnmatch on Unix (case-sensitive): *, ?,
// [seq] and [!seq].
func fnmatch(name, pattern string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "[!", "[^"), name)
	if err != nil {
		return name == pattern
	}
	return ok
}

// aptSplitSpec splits "name=version" or "name>=version" as Ansible's
// package_split: name, comparison ("", "=", ">=") and version.
func aptSplitSpec(spec string) (string, string, string) {
	if i := strings.Index(spec, ">="); i >= 0 && (strings.IndexByte(spec, '=') == i+1) {
		return spec[:i], ">=", spec[i+2:]
	}
	if i := strings.IndexByte(spec, '='); i >= 0 {
		if i > 0 && spec[i-1] == '>' {
			return spec[:i-1], ">=", spec[i+1:]
		}
		return spec[:i], "=", spec[i+1:]
	}
	return spec, "", ""
}
