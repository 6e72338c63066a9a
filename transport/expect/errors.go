package expect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// lastSeenBytes is how much of the latest output an error shows.
const lastSeenBytes = 300

// TimeoutError is a step that waited too long with no Timeout alternative.
type TimeoutError struct {
	Step     int    // index of the step that waited
	StepName string // its name, or "step N"
	// Limit says which limit ran out: "step timeout", "idle timeout" or
	// "deadline".
	Limit    string
	After    time.Duration // the limit's length
	Waiting  []string      // the alternatives it waited for
	LastSeen string        // the end of the output not yet consumed, masked
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s timed out (%s %s) waiting for %s; last output: %s",
		e.StepName, e.Limit, e.After, strings.Join(e.Waiting, " or "), strconv.Quote(e.LastSeen))
}

// EOFError is a step still waiting when the output ended, with no EOF
// alternative.
type EOFError struct {
	Step     int
	StepName string
	Waiting  []string
	LastSeen string
	Err      error // how the stream ended (io.EOF when it simply closed)
}

func (e *EOFError) Error() string {
	return fmt.Sprintf("%s: output ended (%v) while waiting for %s; last output: %s",
		e.StepName, e.Err, strings.Join(e.Waiting, " or "), strconv.Quote(e.LastSeen))
}

func (e *EOFError) Unwrap() error { return e.Err }

// FailError is an alternative with a Fail message that matched.
type FailError struct {
	Step     int
	StepName string
	Index    int    // the alternative that matched
	Message  string // the alternative's Fail text
	LastSeen string
}

func (e *FailError) Error() string {
	msg := e.StepName + ": " + e.Message
	if e.LastSeen != "" {
		msg += "; last output: " + strconv.Quote(e.LastSeen)
	}
	return msg
}

// NoResponseError is a match of an alternative whose successive answers are
// used up. Its message is Ansible's, output shown as Python shows bytes.
type NoResponseError struct {
	Step     int
	StepName string
	Pattern  string
	Output   string // the output up to and including the match, masked
}

func (e *NoResponseError) Error() string {
	return fmt.Sprintf("No remaining responses for '%s', output was '%s'", e.Pattern, pyBytesRepr(e.Output))
}

// pyBytesRepr renders s as Python's repr() of a bytes object.
func pyBytesRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(quote)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// waiting describes the alternatives of st.
func waiting(st *Step) []string {
	out := make([]string, 0, len(st.Alternatives))
	for i := range st.Alternatives {
		out = append(out, st.Alternatives[i].Describe())
	}
	return out
}
