package jinja

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Python regular expressions are translated to Go's RE2 syntax. Features
// RE2 lacks (lookaround, backreferences in patterns) give an error naming
// the pattern.

var (
	reCache sync.Map // string -> *regexp.Regexp
	reCount atomic.Int64
)

// maxRegexCache bounds the compiled-regex cache; it is emptied when full.
const maxRegexCache = 10000

func compilePyRegex(pattern string, ignoreCase, multiline bool) (*regexp.Regexp, error) {
	key := pattern
	if ignoreCase {
		key = "(?i)" + key
	}
	if multiline {
		key = "(?m)" + key
	}
	if r, ok := reCache.Load(key); ok {
		return r.(*regexp.Regexp), nil
	}
	goPat := translatePyRegex(pattern)
	flags := ""
	if ignoreCase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	if flags != "" {
		goPat = "(?" + flags + ")" + goPat
	}
	r, err := regexp.Compile(goPat)
	if err != nil {
		return nil, runtimeErrorf("invalid or unsupported regular expression %s: %s", repr(pattern), strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	if reCount.Add(1) > maxRegexCache {
		reCache.Clear()
		reCount.Store(0)
	}
	reCache.Store(key, r)
	return r, nil
}

// translatePyRegex rewrites Python-only syntax: \Z, (?P=name) is left to
// fail, and Python's \d/\w/\s are already Unicode-agnostic enough.
func translatePyRegex(p string) string {
	if !strings.Contains(p, `\Z`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			if p[i+1] == 'Z' {
				b.WriteString(`\z`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// expandPyReplacement expands a Python re.sub replacement template for one
// match: \1, \g<1>, \g<name>, and the usual escapes.
func expandPyReplacement(re *regexp.Regexp, repl, src string, m []int) (string, error) {
	var b strings.Builder
	group := func(idx int) {
		if 2*idx+1 < len(m) && m[2*idx] >= 0 {
			b.WriteString(src[m[2*idx]:m[2*idx+1]])
		}
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := repl[i]; {
		case e >= '0' && e <= '9':
			j := i + 1
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(repl[i:j])
			if n > re.NumSubexp() {
				return "", runtimeErrorf("invalid group reference %d", n)
			}
			group(n)
			i = j - 1
		case e == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+1 >= len(repl) || repl[i+1] != '<' || end < 0 {
				return "", runtimeErrorf("missing group name")
			}
			name := repl[i+2 : i+end]
			i += end
			if n, err := strconv.Atoi(name); err == nil {
				if n > re.NumSubexp() {
					return "", runtimeErrorf("invalid group reference %d", n)
				}
				group(n)
				continue
			}
			idx := re.SubexpIndex(name)
			if idx < 0 {
				return "", runtimeErrorf("unknown group name '%s'", name)
			}
			group(idx)
		case e == 'n':
			b.WriteByte('\n')
		case e == 't':
			b.WriteByte('\t')
		case e == 'r':
			b.WriteByte('\r')
		case e == '\\':
			b.WriteByte('\\')
		case e == 'a':
			b.WriteByte(7)
		case e == 'f':
			b.WriteByte(12)
		case e == 'v':
			b.WriteByte(11)
		case e == 'b':
			b.WriteByte(8)
		default:
			if e|0x20 >= 'a' && e|0x20 <= 'z' {
				return "", runtimeErrorf("bad escape \\%c", e)
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

// pySub is re.sub(pattern, repl, s).
func pySub(re *regexp.Regexp, repl, s string, count int) (string, error) {
	var b strings.Builder
	last := 0
	n := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if count > 0 && n >= count {
			break
		}
		b.WriteString(s[last:m[0]])
		r, err := expandPyReplacement(re, repl, s, m)
		if err != nil {
			return "", err
		}
		b.WriteString(r)
		last = m[1]
		n++
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// pyEscape is re.escape (Python 3.7+: only special characters).
func pyEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
