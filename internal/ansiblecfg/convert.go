package ansiblecfg

import (
	"errors"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// resolver turns paths of settings into absolute ones, as Ansible does:
// {{CWD}} is the current directory, $VAR and ${VAR} are expanded from the
// environment, ~ is the home directory, and a relative path is taken from
// the directory of the setting's origin.
type resolver struct {
	cwd       string
	home      string
	lookupEnv func(string) (string, bool)
}

// errType reports a value its setting's type cannot hold; its text says
// what was expected.
type errType struct{ expected string }

func (e *errType) Error() string { return "expected " + e.expected }

var (
	errInt   = &errType{"an integer"}
	errFloat = &errType{"a number"}
)

// convert converts a setting's text (or a []string default) to its type:
// bool, int, float64, string or []string; other defaults stay as they are. dir is the directory relative
// paths are taken from.
func (r *resolver) convert(t Type, raw any, dir string) (any, error) {
	if list, ok := raw.([]string); ok {
		return r.convertList(t, list, dir), nil
	}
	s, ok := raw.(string)
	if !ok {
		return raw, nil
	}
	switch t {
	case Bool:
		return parseBool(s), nil
	case Int:
		return parseInt(s)
	case Float:
		return parseFloat(s)
	case List:
		return splitList(s), nil
	case Path, TmpPath:
		return r.path(s, dir), nil
	case PathList:
		return r.convertList(t, splitTrim(s, ","), dir), nil
	case PathSpec:
		return r.convertList(t, strings.Split(s, ":"), dir), nil
	}
	return unquote(s), nil
}

func (r *resolver) convertList(t Type, list []string, dir string) []string {
	if t != PathList && t != PathSpec {
		return list
	}
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = r.path(p, dir)
	}
	return out
}

// boolTrue are the texts Ansible reads as true (after lowering and
// trimming); every other text is false.
var boolTrue = map[string]bool{"y": true, "yes": true, "on": true, "1": true, "true": true, "t": true}

func parseBool(s string) bool { return boolTrue[strings.ToLower(strings.TrimSpace(s))] }

// parseInt reads a decimal integer as Python's int() does: blanks around,
// an optional sign, single underscores between digits.
func parseInt(s string) (int, error) {
	t := strings.TrimSpace(s)
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || !digitsWithUnderscores(digits) {
		return 0, errInt
	}
	n, err := strconv.Atoi(strings.ReplaceAll(t, "_", ""))
	if err != nil {
		return 0, errInt
	}
	return n, nil
}

// parseFloat reads a number as Python's float() does.
func parseFloat(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if strings.ContainsAny(t, "xXpP") {
		return 0, errFloat
	}
	if strings.Contains(t, "_") {
		if strings.Contains(t, "__") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") {
			return 0, errFloat
		}
		t = strings.ReplaceAll(t, "_", "")
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errFloat
	}
	return f, nil
}

func digitsWithUnderscores(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '_' }) < 0
}

// splitList splits a comma-separated list, trimming and unquoting items.
func splitList(s string) []string {
	out := splitTrim(s, ",")
	for i, x := range out {
		out[i] = unquote(x)
	}
	return out
}

func splitTrim(s, sep string) []string {
	out := strings.Split(s, sep)
	for i, x := range out {
		out[i] = strings.TrimSpace(x)
	}
	return out
}

// unquote removes one pair of matching quotes around s, unless the closing
// one is escaped.
func unquote(s string) string {
	if len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'') && s[len(s)-2] != '\\' {
		return s[1 : len(s)-1]
	}
	return s
}

// path expands and absolutises one path; dir is where a relative path
// starts from.
func (r *resolver) path(p, dir string) string {
	p = strings.ReplaceAll(p, "{{CWD}}", r.cwd)
	p = r.expandUser(r.expandVars(p))
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// varRE matches $NAME and ${NAME}.
var varRE = regexp.MustCompile(`\$([A-Za-z0-9_]+|\{[^}]*\})`)

// expandVars replaces $NAME and ${NAME} by the variable's value; unknown
// variables stay as written.
func (r *resolver) expandVars(p string) string {
	if !strings.Contains(p, "$") {
		return p
	}
	return varRE.ReplaceAllStringFunc(p, func(m string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(m[1:], "{"), "}")
		if v, ok := r.lookupEnv(name); ok {
			return v
		}
		return m
	})
}

// expandUser replaces a leading ~ or ~user by that home directory.
func (r *resolver) expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	home := r.home
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return p
		}
		home = u.HomeDir
	}
	if home == "" {
		return p
	}
	if rest == "" && !strings.Contains(p, "/") {
		return home
	}
	return strings.TrimRightFunc(home, func(r rune) bool { return r == '/' }) + "/" + rest
}
