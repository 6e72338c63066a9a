package expect

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"time"
)

// Kind is what an alternative waits for.
type Kind int

// The kinds of alternative.
const (
	// Regexp matches a regular expression (Go RE2 syntax) anywhere in the
	// output not yet consumed.
	Regexp Kind = iota
	// Literal matches a fixed string.
	Literal
	// EOF matches the end of the output: the program ended or the
	// connection closed.
	EOF
	// Timeout matches when the step waited too long (its own timeout, the
	// idle timeout or the program's deadline).
	Timeout
	// Now matches at once, without reading: a step that only sends.
	Now
)

func (k Kind) String() string {
	switch k {
	case Regexp:
		return "re"
	case Literal:
		return "literal"
	case EOF:
		return "eof"
	case Timeout:
		return "timeout"
	case Now:
		return "send"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Alternative is one outcome a step may wait for, and what to do when it
// happens.
type Alternative struct {
	Kind    Kind
	Pattern string // the regular expression or literal text
	// Name shows the alternative in messages instead of its pattern.
	Name string

	// Answers are sent when the alternative matches, each followed by the
	// session's line ending unless NoNewline. With one answer it is sent on
	// every match; with Successive the n-th match sends Answers[n] and a match
	// after the last answer fails with a *NoResponseError (Ansible's list of
	// responses). No answers: nothing is sent.
	Answers    []string
	Successive bool
	NoNewline  bool
	// Verbatim sends answers as written; otherwise $1..$9, ${N} and ${name}
	// are replaced by the capture groups of this match and $$ by one $.
	Verbatim bool
	// Secret masks the answers in every transcript, log and result, from now
	// on wherever they appear (an echo included).
	Secret bool
	// Fail, when not empty, fails the program with this message once the
	// alternative matched (after sending its answer, if any).
	Fail string

	re            *regexp.Regexp
	startAnchored bool // the expression can only match at the start of the text
}

// Describe renders the alternative for messages, e.g. `re "(?i)password:"`.
func (a *Alternative) Describe() string {
	if a.Name != "" {
		return a.Kind.String() + " " + strconv.Quote(a.Name)
	}
	switch a.Kind {
	case Regexp, Literal:
		return a.Kind.String() + " " + strconv.Quote(a.Pattern)
	}
	return a.Kind.String()
}

// Step waits for one of its alternatives.
type Step struct {
	// Name identifies the step in errors and results; "step N" (1-based)
	// when empty.
	Name         string
	Alternatives []Alternative
	// Timeout bounds one wait of this step; zero means no bound of its own.
	Timeout time.Duration
	// Repeat waits again after a match, until an EOF or Timeout alternative
	// matches or one fails the program (Ansible's responses loop).
	Repeat bool
	// Settle, when set, accepts a match that reaches the end of the output
	// read so far only once no more output came for this long: a prompt is
	// only a prompt when nothing follows it, and a slow banner may stop
	// for a moment right after the word "login:".
	Settle time.Duration
}

// Program is what the engine runs over one stream: its steps in order, under
// two limits.
type Program struct {
	Steps []Step
	// Timeout is an absolute deadline for the whole program; zero: none.
	Timeout time.Duration
	// IdleTimeout bounds the silence between two reads (or since the last
	// send) while a step waits; zero: none.
	IdleTimeout time.Duration
	// Secrets are masked wherever they appear (vault and no_log values,
	// passwords known in advance).
	Secrets []string
}

// Compile checks p and compiles its regular expressions. Run calls it.
func (p *Program) Compile() error {
	var errs []error
	for i := range p.Steps {
		st := &p.Steps[i]
		if len(st.Alternatives) == 0 {
			errs = append(errs, fmt.Errorf("%s: no alternatives to wait for", stepName(st, i)))
		}
		for j := range st.Alternatives {
			if err := st.Alternatives[j].compile(); err != nil {
				errs = append(errs, fmt.Errorf("%s, alternative %d: %w", stepName(st, i), j+1, err))
			}
		}
	}
	if p.Timeout < 0 || p.IdleTimeout < 0 {
		errs = append(errs, errors.New("timeouts cannot be negative"))
	}
	return errors.Join(errs...)
}

func (a *Alternative) compile() error {
	if !a.Successive && len(a.Answers) > 1 {
		return errors.New("several answers must be successive")
	}
	switch a.Kind {
	case Regexp:
		if a.re != nil && a.re.String() == a.Pattern {
			return nil
		}
		re, err := regexp.Compile(a.Pattern)
		if err != nil {
			return err
		}
		a.re = re
		a.startAnchored = anchoredAtStart(a.Pattern)
	case Literal:
		if a.Pattern == "" {
			return errors.New("empty literal")
		}
	case EOF, Timeout, Now:
	default:
		return fmt.Errorf("unknown kind %d", a.Kind)
	}
	return nil
}

// anchoredAtStart reports whether pattern uses \A or a ^ that is not
// multi-line: such an expression is always searched from the start.
func anchoredAtStart(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return false
	}
	var walk func(r *syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		if r.Op == syntax.OpBeginText {
			return true
		}
		for _, sub := range r.Sub {
			if walk(sub) {
				return true
			}
		}
		return false
	}
	return walk(re)
}

// stepName is the step's name for messages.
func stepName(st *Step, i int) string {
	if st.Name != "" {
		return fmt.Sprintf("step %d (%s)", i+1, st.Name)
	}
	return fmt.Sprintf("step %d", i+1)
}
