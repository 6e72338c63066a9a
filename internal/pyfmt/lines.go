package pyfmt

import (
	"strings"
	"unicode"
)

// SplitLines is Python's str.splitlines(keepends): lines end at \n, \r,
// \r\n, \v, \f, \x1c, \x1d, \x1e, \x85, \u2028 and \u2029; a final line
// break makes no empty last line. An empty s has no lines (nil).
func SplitLines(s string, keepends bool) []string { return splitLines(s, keepends, strBreak) }

// SplitByteLines is Python's bytes.splitlines(keepends): only \n, \r and
// \r\n end lines.
func SplitByteLines(s string, keepends bool) []string { return splitLines(s, keepends, byteBreak) }

// splitLines splits s where isBreak finds line breaks.
func splitLines(s string, keepends bool, isBreak func(s string, i int) int) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		n := isBreak(s, i)
		if n == 0 {
			i++
			continue
		}
		end := i
		if keepends {
			end = i + n
		}
		out = append(out, s[start:end])
		i += n
		start = i
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// byteBreak is the length of the line break at s[i] (0 when none) as
// bytes.splitlines sees them.
func byteBreak(s string, i int) int {
	switch s[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(s) && s[i+1] == '\n' {
			return 2
		}
		return 1
	}
	return 0
}

// strBreak is the length in bytes of the line break at s[i] (0 when none)
// as str.splitlines sees them.
func strBreak(s string, i int) int {
	switch c := s[i]; {
	case c == '\n' || c == '\r':
		return byteBreak(s, i)
	case c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e:
		return 1
	case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x85: // U+0085
		return 2
	case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9): // U+2028, U+2029
		return 3
	}
	return 0
}

// IsSpace is Python's str.isspace for one character: Unicode white space
// and the separators \x1c to \x1f.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// SplitWhitespace is Python's str.split() without a separator: the words
// between runs of white space.
func SplitWhitespace(s string) []string { return strings.FieldsFunc(s, IsSpace) }
