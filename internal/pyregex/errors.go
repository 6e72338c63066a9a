package pyregex

import (
	"fmt"
	"strings"
)

// pyError words a compile error of the translated pattern as Python's re
// module words it for pattern ("nothing to repeat at position 0"); other
// errors keep the engine's words.
func pyError(pattern, msg string) error {
	msg = strings.TrimPrefix(msg, "error parsing regexp: ")
	switch {
	case strings.HasPrefix(msg, "missing argument to repetition operator"):
		return posErr("nothing to repeat", firstBareRepeat(pattern))
	case strings.HasPrefix(msg, "invalid nested repetition operator"):
		return posErr("multiple repeat", nestedRepeat(pattern))
	case strings.HasPrefix(msg, "missing closing )"):
		open, _ := parens(pattern)
		return posErr("missing ), unterminated subpattern", open)
	case strings.HasPrefix(msg, "unexpected )"):
		_, closing := parens(pattern)
		return posErr("unbalanced parenthesis", closing)
	case strings.HasPrefix(msg, "unterminated [] set"):
		return posErr("unterminated character set", strings.LastIndex(pattern, "["))
	case strings.HasPrefix(msg, "illegal \\ at end of pattern"):
		return posErr("bad escape (end of pattern)", len(pattern)-1)
	}
	return fmt.Errorf("%s", msg)
}

func posErr(what string, pos int) error {
	if pos < 0 {
		return fmt.Errorf("%s", what)
	}
	return fmt.Errorf("%s at position %d", what, pos)
}

// scan calls f with the index and byte of each character of p that is
// neither escaped nor inside a character set.
func scan(p string, f func(i int, c byte) bool) {
	inSet := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			i++
		case inSet:
			inSet = c != ']'
		case c == '[':
			inSet = true
			if strings.HasPrefix(p[i+1:], "]") || strings.HasPrefix(p[i+1:], "^]") {
				i += strings.Index(p[i:], "]")
			}
		default:
			if !f(i, c) {
				return
			}
		}
	}
}

// firstBareRepeat is where a repeat operator follows nothing.
func firstBareRepeat(p string) int {
	pos := -1
	scan(p, func(i int, c byte) bool {
		if strings.IndexByte("*+?", c) >= 0 && (i == 0 || strings.IndexByte("(|", p[i-1]) >= 0) {
			pos = i
			return false
		}
		return true
	})
	return pos
}

// nestedRepeat is where a repeat operator follows another.
func nestedRepeat(p string) int {
	pos := -1
	scan(p, func(i int, c byte) bool {
		if i > 0 && strings.IndexByte("*+", c) >= 0 && strings.IndexByte("*+", p[i-1]) >= 0 {
			pos = i
			return false
		}
		return true
	})
	return pos
}

// parens returns the first unclosed '(' and the first unmatched ')'.
func parens(p string) (open, closing int) {
	var stack []int
	closing = -1
	scan(p, func(i int, c byte) bool {
		switch c {
		case '(':
			stack = append(stack, i)
		case ')':
			if len(stack) == 0 {
				closing = i
				return false
			}
			stack = stack[:len(stack)-1]
		}
		return true
	})
	open = -1
	if len(stack) > 0 {
		open = stack[0]
	}
	return open, closing
}
