package expect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/drover/drover/internal/redact"
	"io"
	"os"
	"strings"
	"time"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
)

// SendDelay is Execute's pause before each answer, pexpect's default: a
// program that prints a password prompt and only then turns echo off does
// not see the password typed too early.
const SendDelay = 50 * time.Millisecond

// Launch is what Execute asks a Starter to start.
type Launch struct {
	// Argv is the program and its arguments; empty means an interactive
	// shell.
	Argv []string
	Dir  string
	// Echo has the terminal echo the answers.
	Echo bool
	// Cooked keeps a local terminal's line discipline (the Ansible form, as
	// pexpect does); the step form runs on a raw local terminal. Remote
	// terminals are what the host makes them.
	Cooked bool
}

// Starter starts a program for Execute.
type Starter func(ctx context.Context, l Launch) (Process, error)

// LocalStarter starts programs on the controller, on a go-expect console.
func LocalStarter(_ context.Context, l Launch) (Process, error) {
	argv := l.Argv
	if len(argv) == 0 {
		argv = []string{cmp.Or(os.Getenv("SHELL"), "/bin/sh"), "-i"}
	}
	return StartLocal(LocalCommand{Argv: argv, Dir: l.Dir, Echo: l.Echo, Cooked: l.Cooked})
}

// ConnStarter starts programs over conn on the host's terminal (an SSH PTY
// session, a telnet line). Without Echo, the terminal's echo is turned off
// while the program runs, as pexpect does locally.
func ConnStarter(conn transport.Conn) Starter {
	return func(ctx context.Context, l Launch) (Process, error) {
		line := `"${SHELL:-/bin/sh}" -i`
		if len(l.Argv) > 0 {
			line = transport.QuoteArgv(l.Argv)
		}
		if !l.Echo {
			line = "stty -echo 2>/dev/null; " + line + "; s=$?; stty echo 2>/dev/null; exit $s"
		}
		return StartConn(ctx, conn, transport.Command{Shell: line, Dir: l.Dir}), nil
	}
}

// ExecOptions are what Execute needs besides the spec.
type ExecOptions struct {
	// Exists tells whether a path exists on the host, for creates and
	// removes; required when the spec has either.
	Exists func(ctx context.Context, path string) (bool, error)
	// Secrets are masked everywhere (vault and no_log values, passwords).
	Secrets []string
	// Redactor masks the secrets (see Options.Redactor).
	Redactor *redact.Redactor
	// Log receives the output as it arrives, masked.
	Log io.Writer
	// LineEnding follows each answer; "\n" when empty.
	LineEnding string
}

// Outcome is what an expect task returns, with Ansible's fields.
type Outcome struct {
	Form    string
	Cmd     string
	RC      int
	RCKnown bool // false when the program was killed (Ansible's rc None)
	Stdout  string
	Changed bool
	Failed  bool
	Msg     string
	Start   time.Time
	End     time.Time
	Result  *Result // transcript and matches; nil when nothing ran
}

// Execute runs an expect task: starts its command with start, runs its
// program, waits for the command to end and judges the outcome as Ansible's
// expect does (a timeout, a non-zero status or a failing step fails it). The
// error is for what is not the task's failure: the host could not be used,
// or ctx ended.
func Execute(ctx context.Context, spec *Spec, start Starter, opts ExecOptions) (*Outcome, error) {
	o := &Outcome{Form: spec.Form, Cmd: spec.Command}
	if skip, err := skipIfDone(ctx, spec, opts.Exists, o); skip || err != nil {
		return o, err
	}
	prog := program(spec, opts.Secrets)
	if err := prog.Compile(); err != nil {
		return nil, err
	}
	o.Start = time.Now()
	proc, err := start(ctx, Launch{Argv: spec.Argv, Dir: spec.Chdir, Echo: spec.Echo, Cooked: spec.Form == "responses"})
	if errors.Is(err, ErrNotFound) {
		o.End, o.Failed, o.Msg = time.Now(), true, strings.TrimPrefix(err.Error(), ErrNotFound.Error()+": ")
		return o, nil
	}
	if err != nil {
		return nil, err
	}
	s := NewSession(proc, proc, Options{LineEnding: opts.LineEnding, Log: opts.Log, Redactor: opts.Redactor, SendDelay: SendDelay})
	defer s.Close()
	res, runErr := s.Run(ctx, prog)
	if runErr != nil {
		_ = proc.Kill()
	}
	rc, waitErr := proc.Wait(ctx)
	o.End, o.Result, o.Changed = time.Now(), res, true
	o.Stdout = strings.TrimRight(string(res.Output), "\r\n")
	if ctx.Err() != nil {
		o.Failed, o.Msg = true, ctx.Err().Error()
		return o, ctx.Err()
	}
	if waitErr != nil && transport.IsUnreachable(waitErr) {
		return o, waitErr
	}
	o.judge(spec, rc, runErr)
	return o, nil
}

// skipIfDone applies creates and removes, as Ansible's expect does.
func skipIfDone(ctx context.Context, spec *Spec, exists func(context.Context, string) (bool, error), o *Outcome) (bool, error) {
	for _, c := range []struct {
		path string
		want bool
		msg  string
	}{{spec.Creates, true, "skipped, since %s exists"}, {spec.Removes, false, "skipped, since %s does not exist"}} {
		if c.path == "" {
			continue
		}
		if exists == nil {
			return false, errors.New("expect: creates and removes need ExecOptions.Exists")
		}
		ok, err := exists(ctx, c.path)
		if err != nil {
			return false, err
		}
		if ok == c.want {
			o.RC, o.RCKnown, o.Stdout = 0, true, fmt.Sprintf(c.msg, c.path)
			return true, nil
		}
	}
	return false, nil
}

// program is the spec's program with the secrets and, in the step form, the
// end: an interactive shell is told to exit, then the output must end.
func program(spec *Spec, secrets []string) *Program {
	p := spec.Program
	p.Secrets = append(append([]string(nil), p.Secrets...), secrets...)
	if spec.Form != "steps" {
		return &p
	}
	p.Steps = append([]Step(nil), p.Steps...)
	if len(spec.Argv) == 0 {
		p.Steps = append(p.Steps, Step{Name: "exit the shell", Alternatives: []Alternative{{Kind: Now, Answers: []string{"exit"}, Verbatim: true}}})
	}
	p.Steps = append(p.Steps, Step{Name: "end of output", Alternatives: []Alternative{{Kind: EOF}}})
	return &p
}

// judge sets the status from the exit status and the program's error.
func (o *Outcome) judge(spec *Spec, rc int, runErr error) {
	o.RC, o.RCKnown = rc, rc >= 0
	var te *TimeoutError
	var ne *NoResponseError
	switch {
	case errors.As(runErr, &ne):
		o.Failed, o.Msg, o.Changed = true, runErr.Error(), false
	case runErr != nil && spec.Form == "responses" && errors.As(runErr, &te):
		o.Failed, o.Msg = true, "command exceeded timeout"
	case runErr != nil:
		o.Failed, o.Msg = true, runErr.Error()
	case rc < 0 && spec.Form == "responses":
		o.Failed, o.Msg = true, "command exceeded timeout"
	case rc < 0:
		o.Failed, o.Msg = true, "command killed by a signal"
	case rc != 0:
		o.Failed, o.Msg = true, "non-zero return code"
	}
	if o.Failed {
		return
	}
	for _, s := range spec.FailedWhenContains {
		if s != "" && strings.Contains(o.Stdout, s) {
			o.Failed, o.Msg = true, fmt.Sprintf("output contains %q", s)
			return
		}
	}
}

// StdoutLines splits Stdout as Python's str.splitlines does.
func (o *Outcome) StdoutLines() []string { return SplitLines(o.Stdout) }

// Fields is the task result in Ansible's shape (cmd, stdout, stdout_lines,
// rc, start, end, delta, changed, failed, msg), plus transcript and matches
// in the step form.
func (o *Outcome) Fields() map[string]any {
	f := map[string]any{
		"cmd": o.Cmd, "stdout": o.Stdout, "stdout_lines": o.StdoutLines(), "changed": o.Changed,
	}
	if o.RCKnown {
		f["rc"] = o.RC
	} else {
		f["rc"] = nil
	}
	if !o.Start.IsZero() {
		f["start"], f["end"], f["delta"] = pyTime(o.Start), pyTime(o.End), pyDelta(o.End.Sub(o.Start))
	}
	if o.Failed {
		f["failed"], f["msg"] = true, o.Msg
	}
	if o.Form == "steps" && o.Result != nil {
		f["transcript"] = o.Result.Transcript()
		f["matches"] = matchFields(o.Result.Matches)
	}
	return f
}

func matchFields(ms []Match) []any {
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		caps := make([]any, len(m.Captures))
		for i, c := range m.Captures {
			caps[i] = c
		}
		named := map[string]any{}
		for k, v := range m.Named {
			named[k] = v
		}
		out = append(out, map[string]any{
			"step": m.StepName, "step_index": m.Step, "index": m.Index, "kind": m.Kind.String(),
			"text": m.Text, "captures": caps, "named": named,
		})
	}
	return out
}

// pyTime formats t as Python's str(datetime) does.
func pyTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyDelta formats d as Python's str(timedelta) does.
func pyDelta(d time.Duration) string {
	us := d.Microseconds()
	days := us / (86400 * 1e6)
	us -= days * 86400 * 1e6
	s := fmt.Sprintf("%d:%02d:%02d", us/3600e6, us/60e6%60, us/1e6%60)
	if us%1e6 != 0 {
		s += fmt.Sprintf(".%06d", us%1e6)
	}
	switch days {
	case 0:
		return s
	case 1:
		return "1 day, " + s
	}
	return fmt.Sprintf("%d days, %s", days, s)
}

// SplitLines splits s at line boundaries as Python's str.splitlines does
// (an empty list for no text).
func SplitLines(s string) []string {
	if lines := pyfmt.SplitLines(s, false); lines != nil {
		return lines
	}
	return []string{}
}
