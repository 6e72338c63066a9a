// Package shlex splits command lines into words without expanding anything,
// either the way a POSIX shell does (Split) or the way Python's shlex.split
// does (Python), which Ansible uses for command lines, ssh arguments and INI
// inventory lines.
package shlex

import (
	"errors"
	"strings"
)

// The errors a split reports, worded as Python's shlex words them.
var (
	// ErrNoClosingQuotation is a quote left open at the end of the line.
	ErrNoClosingQuotation = errors.New("no closing quotation")
	// ErrNoEscapedCharacter is a backslash at the very end of the line.
	ErrNoEscapedCharacter = errors.New("no escaped character")
)

// syntax is what sets one quoting dialect apart.
type syntax struct {
	// dqEscapes are the characters a backslash escapes inside double quotes
	// (before anything else it stands for itself).
	dqEscapes string
	// continuation makes backslash-newline vanish (a shell's line
	// continuation) instead of standing for a newline.
	continuation bool
	// comments makes '#' outside quotes start a comment that runs to the end
	// of the line.
	comments bool
}

var (
	shell        = syntax{dqEscapes: "\\\"$`\n", continuation: true}
	python       = syntax{dqEscapes: `\"`}
	pythonRemark = syntax{dqEscapes: `\"`, comments: true}
)

// Split breaks s into words as a POSIX shell would: blanks separate words,
// single quotes keep everything literally, double quotes keep everything but
// backslash escapes of \ " $ ` and newline, a backslash outside quotes
// escapes the next character, and backslash-newline joins lines.
func Split(s string) ([]string, error) { return split(s, shell) }

// Python breaks s into words as Python's shlex.split(s, comments=comments)
// does (POSIX mode): as Split, except that inside double quotes a backslash
// escapes only \ and ", backslash-newline stands for a newline, and with
// comments a '#' outside quotes ends the words of its line.
func Python(s string, comments bool) ([]string, error) {
	if comments {
		return split(s, pythonRemark)
	}
	return split(s, python)
}

func split(s string, syn syntax) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			continue
		case c == '#' && syn.comments:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
				i += end
				continue
			}
			return words, nil
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, ErrNoClosingQuotation
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			n, err := doubleQuoted(s[i+1:], &w, syn)
			if err != nil {
				return nil, err
			}
			i += n + 1
		case c == '\\':
			if i+1 == len(s) {
				return nil, ErrNoEscapedCharacter
			}
			i++
			if s[i] != '\n' || !syn.continuation {
				w.WriteByte(s[i])
			}
		default:
			w.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// doubleQuoted copies the inside of a double-quoted string starting at s into
// w and returns the index of the closing quote.
func doubleQuoted(s string, w *strings.Builder, syn syntax) (int, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i, nil
		case c == '\\' && i+1 == len(s) && !syn.continuation:
			return 0, ErrNoEscapedCharacter
		case c == '\\' && strings.IndexByte(syn.dqEscapes, s[i+1]) >= 0:
			i++
			if s[i] != '\n' || !syn.continuation {
				w.WriteByte(s[i])
			}
		default:
			w.WriteByte(c)
		}
	}
	return 0, ErrNoClosingQuotation
}
