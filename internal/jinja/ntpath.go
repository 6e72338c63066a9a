package jinja

import "strings"

// Windows path filters (win_basename, win_dirname, win_splitdrive): Python's
// ntpath, which Ansible's filters call, so that a controller on any system
// splits Windows paths alike.

func registerWinPathFilters(e *Env) {
	e.addFilter("win_splitdrive", &filterDef{fn: func(s *state, v any, a *argList) (any, error) {
		d, p := ntSplitdrive(str(v))
		return Tuple{d, p}, nil
	}})
	e.addFilter("win_basename", &filterDef{fn: func(s *state, v any, a *argList) (any, error) {
		_, tail := ntSplit(str(v))
		return tail, nil
	}})
	e.addFilter("win_dirname", &filterDef{fn: func(s *state, v any, a *argList) (any, error) {
		head, _ := ntSplit(str(v))
		return head, nil
	}})
}

// ntSplitdrive is ntpath.splitdrive: a drive letter ("c:") or a UNC share
// ("\\server\share", "\\?\UNC\server\share"), and the rest.
func ntSplitdrive(p string) (string, string) {
	if len(p) < 2 {
		return "", p
	}
	norm := strings.ReplaceAll(p, "/", `\`)
	if strings.HasPrefix(norm, `\\`) {
		start := 2
		if len(norm) >= 8 && strings.ToUpper(norm[:8]) == `\\?\UNC\` {
			start = 8
		}
		i := strings.IndexByte(norm[start:], '\\')
		if i < 0 {
			return p, ""
		}
		i += start
		j := strings.IndexByte(norm[i+1:], '\\')
		if j < 0 {
			return p, ""
		}
		j += i + 1
		return p[:j], p[j:]
	}
	if norm[1] == ':' {
		return p[:2], p[2:]
	}
	return "", p
}

// ntSplit is ntpath.split: the head (drive kept, trailing separators
// dropped unless it is only separators) and the last component.
func ntSplit(p string) (string, string) {
	d, rest := ntSplitdrive(p)
	i := len(rest)
	for i > 0 && !strings.ContainsRune(`\/`, rune(rest[i-1])) {
		i--
	}
	head, tail := rest[:i], rest[i:]
	if trimmed := strings.TrimRight(head, `\/`); trimmed != "" {
		head = trimmed
	}
	return d + head, tail
}
