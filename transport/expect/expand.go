package expect

import (
	"strconv"
	"strings"
)

// Expand replaces capture references in s by the groups of the last match:
// $0..$9 and ${N} by group N, ${name} by a named group, $$ by one $. A $
// followed by anything else, or a reference to a group the pattern does not
// have, is left as written, so shell text such as `echo $HOME` passes through.
func Expand(s string, groups []string, names []string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		val, n, ok := reference(s[i+1:], groups, names)
		if !ok {
			b.WriteByte('$')
			continue
		}
		b.WriteString(val)
		i += n
	}
	return b.String()
}

// reference resolves the reference after a $: its value, how many bytes it
// spans and whether it is one.
func reference(s string, groups []string, names []string) (string, int, bool) {
	switch c := s[0]; {
	case c == '$':
		return "$", 1, true
	case c >= '0' && c <= '9':
		if n := int(c - '0'); n < len(groups) {
			return groups[n], 1, true
		}
		return "", 0, false
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", 0, false
		}
		if v, ok := group(s[1:end], groups, names); ok {
			return v, end + 1, true
		}
	}
	return "", 0, false
}

func group(ref string, groups []string, names []string) (string, bool) {
	if n, err := strconv.Atoi(ref); err == nil {
		if n >= 0 && n < len(groups) {
			return groups[n], true
		}
		return "", false
	}
	for i, name := range names {
		if name != "" && name == ref && i < len(groups) {
			return groups[i], true
		}
	}
	return "", false
}
