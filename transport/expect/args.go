package expect

import (
	"fmt"
	"github.com/drover/drover/internal/suggest"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout is how long the Ansible form waits for each expected string,
// and how long the step form waits with no output, unless told otherwise.
const DefaultTimeout = 30 * time.Second

// Spec is a parsed expect task: what to start and the program to run over it.
type Spec struct {
	// Form is "responses" (Ansible's) or "steps".
	Form string
	// Command is the command line as written; empty in the step form means
	// an interactive shell.
	Command string
	// Argv is Command split into words the way Ansible's expect (pexpect)
	// splits it: no shell is involved.
	Argv    []string
	Chdir   string
	Creates string
	Removes string
	// Echo has the terminal echo the answers into the output.
	Echo bool
	// FailedWhenContains fails the task when the (masked) output contains
	// any of these strings.
	FailedWhenContains []string
	Program            Program
}

// Pair is one entry of a mapping whose order matters: when two responses
// match at the same place the one written first wins, so callers that decode
// YAML should pass responses as []Pair to keep the order of the file. A plain
// map is taken in sorted key order.
type Pair struct {
	Key   string
	Value any
}

// ArgError is a wrong argument. Path leads to it from the top of the
// arguments: mapping keys as strings, list positions as ints, so that a
// caller can find the line and column in its YAML.
type ArgError struct {
	Path []any
	Msg  string
}

func (e *ArgError) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return FormatPath(e.Path) + ": " + e.Msg
}

// FormatPath renders an ArgError path: steps[0].expect[1].re.
func FormatPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}

func argErr(path []any, format string, args ...any) *ArgError {
	return &ArgError{Path: append([]any(nil), path...), Msg: fmt.Sprintf(format, args...)}
}

var (
	topKeys  = []string{"command", "chdir", "creates", "removes", "responses", "timeout", "echo", "steps", "idle_timeout", "failed_when_contains"}
	stepKeys = []string{"name", "expect", "send", "secret", "newline", "timeout", "repeat"}
	altKeys  = []string{"re", "literal", "eof", "timeout", "send", "secret", "newline", "fail", "name"}
)

// ParseArgs reads the arguments of an expect task, in Ansible's form
// (command, responses, timeout, echo, chdir, creates, removes) or in the step
// form (steps, timeout as the whole task's deadline, idle_timeout,
// failed_when_contains). Values are what a YAML decoder gives: strings,
// numbers, booleans, nil, []any, map[string]any (or []Pair).
func ParseArgs(args map[string]any) (*Spec, error) {
	if err := checkKeys(nil, args, topKeys); err != nil {
		return nil, err
	}
	_, hasResp := args["responses"]
	_, hasSteps := args["steps"]
	switch {
	case hasResp && hasSteps:
		return nil, argErr(nil, "responses and steps cannot be used together")
	case hasResp:
		return parseAnsible(args)
	case hasSteps:
		return parseSteps(args)
	}
	return nil, argErr(nil, "one of responses (Ansible's form) or steps is required")
}

// parseCommon reads the keys both forms share.
func parseCommon(args map[string]any, spec *Spec) error {
	var err error
	for _, k := range []struct {
		key string
		dst *string
	}{{"command", &spec.Command}, {"chdir", &spec.Chdir}, {"creates", &spec.Creates}, {"removes", &spec.Removes}} {
		if v, ok := args[k.key]; ok && v != nil {
			if *k.dst, err = scalar([]any{k.key}, v); err != nil {
				return err
			}
		}
	}
	if v, ok := args["echo"]; ok {
		if spec.Echo, err = boolean([]any{"echo"}, v); err != nil {
			return err
		}
	}
	spec.Argv = SplitCommand(spec.Command)
	return nil
}

func parseAnsible(args map[string]any) (*Spec, error) {
	spec := &Spec{Form: "responses"}
	if err := parseCommon(args, spec); err != nil {
		return nil, err
	}
	for _, k := range []string{"idle_timeout", "failed_when_contains"} {
		if _, ok := args[k]; ok {
			return nil, argErr([]any{k}, "only allowed with steps, not with responses")
		}
	}
	if strings.TrimSpace(spec.Command) == "" {
		return nil, argErr([]any{"command"}, "no command given")
	}
	timeout := DefaultTimeout
	if v, ok := args["timeout"]; ok {
		var err error
		if timeout, err = duration([]any{"timeout"}, v); err != nil {
			return nil, err
		}
	}
	step := Step{Name: "responses", Timeout: timeout, Repeat: true}
	pairs, err := ordered([]any{"responses"}, args["responses"])
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		alt, err := response([]any{"responses", p.Key}, p)
		if err != nil {
			return nil, err
		}
		step.Alternatives = append(step.Alternatives, alt)
	}
	step.Alternatives = append(step.Alternatives, Alternative{Kind: EOF})
	spec.Program.Steps = []Step{step}
	return spec, nil
}

// response is one Ansible response: a Python regular expression (matched
// with DOTALL, as pexpect compiles it) and an answer or a list of answers.
func response(path []any, p Pair) (Alternative, error) {
	alt := Alternative{Kind: Regexp, Pattern: "(?s)" + p.Key, Name: p.Key, Verbatim: true}
	if err := alt.compile(); err != nil {
		return alt, argErr(path, "not a regular expression Go can use (RE2: no look-around, no back-references): %v", err)
	}
	switch v := p.Value.(type) {
	case []any:
		alt.Successive = true
		for i, a := range v {
			s, err := scalar(append(path, i), a)
			if err != nil {
				return alt, err
			}
			alt.Answers = append(alt.Answers, strings.TrimRight(s, "\n"))
		}
	default:
		s, err := scalar(path, v)
		if err != nil {
			return alt, err
		}
		alt.Answers = []string{strings.TrimRight(s, "\n")}
	}
	return alt, nil
}

func parseSteps(args map[string]any) (*Spec, error) {
	spec := &Spec{Form: "steps"}
	if err := parseCommon(args, spec); err != nil {
		return nil, err
	}
	p := &spec.Program
	p.IdleTimeout = DefaultTimeout
	var err error
	if v, ok := args["timeout"]; ok {
		if p.Timeout, err = duration([]any{"timeout"}, v); err != nil {
			return nil, err
		}
	}
	if v, ok := args["idle_timeout"]; ok {
		if p.IdleTimeout, err = duration([]any{"idle_timeout"}, v); err != nil {
			return nil, err
		}
	}
	if v, ok := args["failed_when_contains"]; ok {
		if spec.FailedWhenContains, err = stringList([]any{"failed_when_contains"}, v); err != nil {
			return nil, err
		}
	}
	list, ok := args["steps"].([]any)
	if !ok || len(list) == 0 {
		return nil, argErr([]any{"steps"}, "expected a non-empty list of steps")
	}
	for i, v := range list {
		st, err := parseStep([]any{"steps", i}, v)
		if err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, st)
	}
	return spec, nil
}

// parseStep reads {expect: [alternatives], name, timeout, repeat} or a step
// that only sends: {send: text, secret, newline}.
func parseStep(path []any, v any) (Step, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Step{}, argErr(path, "expected a mapping with expect or send")
	}
	if err := checkKeys(path, m, stepKeys); err != nil {
		return Step{}, err
	}
	var st Step
	var err error
	if n, ok := m["name"]; ok {
		if st.Name, err = scalar(append(path, "name"), n); err != nil {
			return st, err
		}
	}
	if t, ok := m["timeout"]; ok {
		if st.Timeout, err = duration(append(path, "timeout"), t); err != nil {
			return st, err
		}
	}
	if r, ok := m["repeat"]; ok {
		if st.Repeat, err = boolean(append(path, "repeat"), r); err != nil {
			return st, err
		}
	}
	exp, hasExpect := m["expect"]
	_, hasSend := m["send"]
	switch {
	case hasExpect && hasSend:
		return st, argErr(path, "expect and send cannot be used together in a step: put send in an alternative")
	case hasSend:
		alt, err := parseAlt(path, m, true)
		st.Alternatives = []Alternative{alt}
		return st, err
	case !hasExpect:
		return st, argErr(path, "expected expect or send")
	}
	alts, ok := exp.([]any)
	if !ok {
		alts = []any{exp}
	}
	for j, a := range alts {
		am, ok := a.(map[string]any)
		if !ok {
			return st, argErr(append(path, "expect", j), "expected a mapping such as {re: '...', send: '...'}")
		}
		alt, err := parseAlt(append(path, "expect", j), am, false)
		if err != nil {
			return st, err
		}
		st.Alternatives = append(st.Alternatives, alt)
	}
	if len(st.Alternatives) == 0 {
		return st, argErr(append(path, "expect"), "expected at least one alternative")
	}
	return st, nil
}

// parseAlt reads one alternative; sendOnly is a step with send and no expect.
func parseAlt(path []any, m map[string]any, sendOnly bool) (Alternative, error) {
	var alt Alternative
	if !sendOnly {
		if err := checkKeys(path, m, altKeys); err != nil {
			return alt, err
		}
		if err := altKind(path, m, &alt); err != nil {
			return alt, err
		}
	} else {
		alt.Kind = Now
	}
	var err error
	if v, ok := m["send"]; ok {
		if list, ok := v.([]any); ok {
			alt.Successive = true
			if alt.Answers, err = stringList(append(path, "send"), list); err != nil {
				return alt, err
			}
		} else {
			s, err := scalar(append(path, "send"), v)
			if err != nil {
				return alt, err
			}
			alt.Answers = []string{s}
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"secret", &alt.Secret}, {"newline", nil}} {
		v, ok := m[b.key]
		if !ok {
			continue
		}
		val, err := boolean(append(path, b.key), v)
		if err != nil {
			return alt, err
		}
		if b.dst != nil {
			*b.dst = val
		} else {
			alt.NoNewline = !val
		}
	}
	if v, ok := m["fail"]; ok {
		if alt.Fail, err = scalar(append(path, "fail"), v); err != nil {
			return alt, err
		}
	}
	if v, ok := m["name"]; ok && !sendOnly {
		if alt.Name, err = scalar(append(path, "name"), v); err != nil {
			return alt, err
		}
	}
	return alt, nil
}

// altKind sets what alt waits for: exactly one of re, literal, eof, timeout.
func altKind(path []any, m map[string]any, alt *Alternative) error {
	var found []string
	for _, k := range []string{"re", "literal", "eof", "timeout"} {
		if _, ok := m[k]; ok {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return argErr(path, "expected exactly one of re, literal, eof or timeout, found %d", len(found))
	}
	k := found[0]
	p := append(path, k)
	switch k {
	case "re", "literal":
		s, err := scalar(p, m[k])
		if err != nil {
			return err
		}
		alt.Kind, alt.Pattern = map[string]Kind{"re": Regexp, "literal": Literal}[k], s
		if err := alt.compile(); err != nil {
			return argErr(p, "%v", err)
		}
		return nil
	}
	b, err := boolean(p, m[k])
	if err != nil {
		return err
	}
	if !b {
		return argErr(p, "can only be true")
	}
	alt.Kind = map[string]Kind{"eof": EOF, "timeout": Timeout}[k]
	return nil
}

// checkKeys refuses keys not in allowed, suggesting the nearest one.
func checkKeys(path []any, m map[string]any, allowed []string) error {
	var unknown []string
	for k := range m {
		if !contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	k := unknown[0]
	msg := fmt.Sprintf("unknown key %q", k)
	if hint := suggest.Hint(k, allowed); hint != "" {
		msg += hint
	} else {
		msg += " (expected one of " + strings.Join(allowed, ", ") + ")"
	}
	return argErr(append(path, k), "%s", msg)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ordered reads a mapping as pairs: []Pair in its order, a map sorted by key.
func ordered(path []any, v any) ([]Pair, error) {
	switch v := v.(type) {
	case []Pair:
		return v, nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]Pair, 0, len(v))
		for _, k := range keys {
			out = append(out, Pair{k, v[k]})
		}
		return out, nil
	}
	return nil, argErr(path, "expected a mapping of patterns to answers, got %s", typeName(v))
}

// scalar renders a YAML scalar the way Ansible turns it into text.
func scalar(path []any, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		if v {
			return "True", nil
		}
		return "False", nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", argErr(path, "expected a string, got %s", typeName(v))
}

func stringList(path []any, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		s, err := scalar(path, v)
		if err != nil {
			return nil, argErr(path, "expected a string or a list of strings, got %s", typeName(v))
		}
		return []string{s}, nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, err := scalar(append(path, i), e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// boolean reads a YAML or Ansible boolean (true/false, yes/no, on/off, 1/0).
func boolean(path []any, v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int:
		if v == 0 || v == 1 {
			return v == 1, nil
		}
	case string:
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1", "y", "t":
			return true, nil
		case "false", "no", "off", "0", "n", "f":
			return false, nil
		}
	}
	return false, argErr(path, "expected a boolean, got %v", v)
}

// duration reads a timeout: seconds as a number or numeric string, a Go
// duration such as "90s" or "2m", or null for none (zero).
func duration(path []any, v any) (time.Duration, error) {
	secs := func(f float64) (time.Duration, error) {
		if f < 0 || math.IsNaN(f) || f > math.MaxInt64/float64(time.Second) {
			return 0, argErr(path, "expected a number of seconds that is not negative, got %v", v)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	switch v := v.(type) {
	case nil:
		return 0, nil
	case int:
		return secs(float64(v))
	case int64:
		return secs(float64(v))
	case uint64:
		return secs(float64(v))
	case float64:
		return secs(v)
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return secs(f)
		}
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			return 0, argErr(path, "expected seconds or a duration such as 90s or 2m, got %q", v)
		}
		return d, nil
	}
	return 0, argErr(path, "expected seconds or a duration such as 90s, got %s", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case map[string]any, []Pair:
		return "a mapping"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int, int64, uint64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// SplitCommand splits a command line into words as pexpect does for
// Ansible's expect: blanks separate words, backslash escapes the next
// character, single and double quotes group (with no escapes inside).
func SplitCommand(line string) []string {
	var words []string
	var word strings.Builder
	inWord, quote, escaped := false, rune(0), false
	for _, c := range strings.TrimLeft(line, " \t\r\n\v\f") {
		switch {
		case escaped:
			word.WriteRune(c)
			escaped = false
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				word.WriteRune(c)
			}
		case c == '\\':
			escaped, inWord = true, true
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case strings.ContainsRune(" \t\r\n\v\f", c):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(c)
			inWord = true
		}
	}
	if word.Len() > 0 {
		words = append(words, word.String())
	}
	return words
}
