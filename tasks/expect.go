package tasks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/expect"
	"github.com/drover/drover/transport/local"
)

// The expect module drives an interactive program on the host: Ansible's
// form (command, responses, timeout, echo, chdir, creates, removes) behaves
// as ansible.builtin.expect, and the step form (steps of alternatives,
// idle_timeout, failed_when_contains; no command: an interactive shell)
// adds what Ansible's lacks. See package transport/expect for both.
//
// Where it runs: on a local connection (ansible_connection=local, the
// implicit localhost, delegate_to: localhost) the program runs on a local
// pseudo-terminal held by go-expect, with the line discipline pexpect gives
// it in Ansible's form. On any other connection (an SSH session with a
// pseudo-terminal on the host, a telnet line, become) it runs on the host's
// own terminal through the connection. Nothing is installed on the host.
//
// Secrets: answers marked secret, every answer of a no_log task, the host's
// passwords (ansible_password, ansible_become_password and their aliases,
// drover_telnet_enable_password, the become password) and the run's vault
// values are masked in the transcript, stdout and messages; the secrets it
// learns are added to the run's redactor, so output masks them too.
func init() {
	Register(&Spec{
		Name:    "expect",
		NoFiles: true,
		Args: []Arg{{Name: "command"}, {Name: "creates"}, {Name: "removes"}, {Name: "chdir"},
			{Name: "responses"}, {Name: "timeout"}, {Name: "echo"}, {Name: "steps"},
			{Name: "idle_timeout"}, {Name: "failed_when_contains"}},
		Validate: validateExpect,
		Run:      runExpect,
	})
}

// hostSecretVars are the variables whose values are masked in what an
// expect task shows.
var hostSecretVars = []string{"ansible_password", "ansible_ssh_pass", "ansible_become_password",
	"ansible_become_pass", "drover_telnet_enable_password"}

func runExpect(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true, Msg: "remote module (" + cmp.Or(c.ModuleAs, c.Module) + ") does not support check mode"}, nil
	}
	spec, err := expect.ParseArgs(givenArgs(c.Args))
	if err != nil {
		return Failf("%v", expectArgError(err)), nil
	}
	if c.NoLog {
		markAnswersSecret(spec)
	}
	_, isLocal := c.Conn.(*local.Conn)
	if spec.Chdir != "" {
		spec.Chdir = hostPath(c.Conn, spec.Chdir)
	}
	opts := expect.ExecOptions{Exists: expectExists(c, isLocal), Secrets: hostSecrets(c), Redactor: c.Redactor}
	o, err := expect.Execute(ctx, spec, expectStarter(c, isLocal), opts)
	if err != nil {
		if transport.IsUnreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		return Failf("%s", maskWith(c, hostSecrets(c), err.Error())), nil
	}
	return expectResult(o), nil
}

// givenArgs are the arguments the task gave, for expect.ParseArgs.
func givenArgs(a Args) map[string]any {
	out := make(map[string]any, len(a))
	maps.Copy(out, a)
	return out
}

// expectResult is the outcome in Ansible's keys: cmd, stdout, stdout_lines,
// rc, start, end, delta, changed, failed, msg; transcript and matches in
// the step form.
func expectResult(o *expect.Outcome) *Result {
	r := &Result{Changed: o.Changed, Failed: o.Failed, Msg: o.Msg}
	if o.Form == "responses" && o.Failed && !o.Changed {
		// Ansible's expect fails before it has a result (answers used up,
		// no such program): msg alone.
		return r
	}
	r.Values = o.Fields()
	for _, k := range []string{"changed", "failed", "msg"} {
		delete(r.Values, k)
	}
	return r
}

// markAnswersSecret makes every answer of the program a secret (no_log).
func markAnswersSecret(spec *expect.Spec) {
	for i := range spec.Program.Steps {
		alts := spec.Program.Steps[i].Alternatives
		for j := range alts {
			if len(alts[j].Answers) > 0 {
				alts[j].Secret = true
			}
		}
	}
}

// hostSecrets are the host's passwords, masked wherever they show.
func hostSecrets(c *Call) []string {
	var out []string
	if c.Become.Password != "" {
		out = append(out, c.Become.Password)
	}
	if c.Var == nil {
		return out
	}
	for _, name := range hostSecretVars {
		if v, ok := c.Var(name); ok {
			if s, err := ToStr(v); err == nil && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// maskWith masks the run's and the host's secrets in text.
func maskWith(c *Call, secrets []string, text string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			text = strings.ReplaceAll(text, s, expect.Mask)
		}
	}
	if c.Redactor != nil {
		text = c.Redactor.String(text)
	}
	return text
}

// expectStarter starts the program on a local pseudo-terminal for a local
// connection, on the host's terminal through the connection otherwise;
// both with the task's environment.
func expectStarter(c *Call, isLocal bool) expect.Starter {
	if isLocal {
		return localStarter(c.Environment)
	}
	if len(c.Environment) > 0 {
		return expect.ConnStarter(envConn{Conn: c.Conn, env: c.Environment})
	}
	return expect.ConnStarter(c.Conn)
}

// localStarter starts programs on a go-expect console on the controller;
// no command means the user's shell, interactive.
func localStarter(env map[string]string) expect.Starter {
	return func(_ context.Context, l expect.Launch) (expect.Process, error) {
		argv := l.Argv
		if len(argv) == 0 {
			argv = []string{cmp.Or(os.Getenv("SHELL"), "/bin/sh"), "-i"}
		}
		return expect.StartLocal(expect.LocalCommand{Argv: argv, Dir: l.Dir, Env: envList(env), Echo: l.Echo, Cooked: l.Cooked})
	}
}

// envList renders an environment as sorted K=V entries.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// envConn adds the task's environment to every command run over Conn.
type envConn struct {
	transport.Conn
	env map[string]string
}

func (e envConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	env := maps.Clone(e.env)
	maps.Copy(env, cmd.Env)
	cmd.Env = env
	return e.Conn.Run(ctx, cmd)
}

// expectExists tells whether creates/removes exist on the host: a stat over
// the connection, or `test -e` where it has no file operations (telnet).
func expectExists(c *Call, isLocal bool) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, p string) (bool, error) {
		p = hostPath(c.Conn, p)
		_, err := c.Conn.Stat(ctx, p)
		switch {
		case err == nil:
			return true, nil
		case transport.IsUnreachable(err):
			return false, err
		case !errors.Is(err, transport.ErrNotSupported):
			return false, nil
		}
		res, err := c.Run(ctx, transport.Command{Argv: []string{"test", "-e", p}})
		if err != nil {
			return false, err
		}
		return res.ExitCode == 0, nil
	}
}

// validateExpect checks an expect task's arguments at load time. Strings
// holding Jinja, and values of types only the templating knows, stand in
// as a neutral "1"; an error found through one of them is left for run
// time, when the real value is known.
func validateExpect(args map[string]any) error {
	var pending [][]any
	plain, _ := untemplated(nil, args, &pending).(map[string]any)
	_, err := expect.ParseArgs(plain)
	var ae *expect.ArgError
	if err == nil || !errors.As(err, &ae) || dependsOnTemplate(ae.Path, pending) {
		return nil
	}
	return expectArgError(err)
}

// untemplated copies v with every templated string replaced by "1",
// recording the paths replaced.
func untemplated(path []any, v any, pending *[][]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = untemplated(append(slices.Clip(path), k), e, pending)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = untemplated(append(slices.Clip(path), i), e, pending)
		}
		return out
	case string:
		if !isTemplate(x) {
			return x
		}
	case nil, bool, int, int64, uint64, float64:
		return x
	}
	*pending = append(*pending, slices.Clone(path))
	return "1"
}

func isTemplate(s string) bool { return strings.Contains(s, "{{") || strings.Contains(s, "{%") }

// dependsOnTemplate reports whether an error at path may come from a value
// not known before templating: one of the pending paths leads to it or
// through it, or a key on the way is itself templated.
func dependsOnTemplate(path []any, pending [][]any) bool {
	for _, p := range path {
		if s, ok := p.(string); ok && isTemplate(s) {
			return true
		}
	}
	for _, p := range pending {
		n := min(len(p), len(path))
		if len(path) > 0 && slices.Equal(p[:n], path[:n]) {
			return true
		}
	}
	return false
}

// expectArgError turns an expect.ArgError into a tasks.ArgError that names
// the argument and the path inside it.
func expectArgError(err error) error {
	var ae *expect.ArgError
	if !errors.As(err, &ae) {
		return err
	}
	out := &ArgError{Module: "expect", Msg: "expect: " + ae.Msg}
	if len(ae.Path) > 0 {
		out.Msg = fmt.Sprintf("expect: argument %s: %s", expect.FormatPath(ae.Path), ae.Msg)
		out.Arg, _ = ae.Path[0].(string)
		out.Path = ae.Path[1:]
	}
	return out
}
