package tasks

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

// commandArgs are the arguments shared by command and shell.
var commandArgs = []Arg{
	{Name: "argv", Type: List, Elements: Str},
	{Name: "cmd", Type: Str},
	{Name: "chdir", Type: Path},
	{Name: "creates", Type: Path},
	{Name: "removes", Type: Path},
	{Name: "stdin", Type: Str},
	{Name: "stdin_add_newline", Type: Bool, Default: true},
	{Name: "strip_empty_ends", Type: Bool, Default: true},
	{Name: "executable", Type: Path},
	{Name: "warn", Type: Bool},
	{Name: "expand_argument_vars", Type: Bool, Default: true},
}

func init() {
	Register(&Spec{
		Name:     "command",
		NoFiles:  true,
		Args:     commandArgs,
		FreeForm: FreeFormCommand,
		Run:      func(ctx context.Context, c *Call) (*Result, error) { return runCommand(ctx, c, false) },
	})
}

// runCommand carries out command (shell false) and shell (shell true) in one
// exec on the host, after checking creates/removes through the file
// operations of the connection.
func runCommand(ctx context.Context, c *Call, shell bool) (*Result, error) {
	r := &Result{Values: map[string]any{"stdout": "", "stderr": "", "rc": nil, "cmd": nil,
		"start": nil, "end": nil, "delta": nil, "msg": ""}}
	tc, display, err := commandLine(c, shell)
	if err != nil {
		return Failf("%v", err), nil
	}
	r.Values["cmd"] = display
	skip, err := createsRemoves(ctx, c)
	if err != nil {
		return nil, err
	}
	if skip != nil {
		return skip.Set("cmd", display), nil
	}
	r.Changed = true
	if c.Check {
		r.Values["rc"] = 0
		r.Values["msg"] = "Command would have run if not in check mode"
		if !c.Args.Has("creates") && !c.Args.Has("removes") {
			r.Skipped, r.Changed = true, false
		}
		return r, nil
	}
	return execute(ctx, c, tc, r)
}

// execute runs tc and fills r with Ansible's command return values.
func execute(ctx context.Context, c *Call, tc transport.Command, r *Result) (*Result, error) {
	tc, probed := withIdentityProbe(c.Conn, tc)
	start := time.Now()
	res, err := c.Run(ctx, tc)
	end := time.Now()
	if err != nil {
		if transport.IsUnreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		return Failf("%v", err), nil
	}
	if probed {
		res.Stdout = takeIdentity(c.Conn, res.Stdout)
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if c.Args.Bool("strip_empty_ends") {
		stdout, stderr = strings.TrimRight(stdout, "\r\n"), strings.TrimRight(stderr, "\r\n")
	}
	r.Values["start"], r.Values["end"] = ansibleTime(start), ansibleTime(end)
	r.Values["delta"] = ansibleDelta(end.Sub(start))
	setOutput(r, stdout, stderr)
	r.Values["rc"] = res.ExitCode
	if res.ExitCode != 0 {
		r.Failed = true
		r.Values["msg"] = "non-zero return code"
	}
	return r, nil
}

// commandLine builds the command to run and the "cmd" value Ansible returns:
// the argument list for command, the string for shell.
func commandLine(c *Call, shell bool) (transport.Command, any, error) {
	tc := transport.Command{Dir: c.Args.Str("chdir")}
	if c.Args.Has("stdin") {
		in := c.Args.Str("stdin")
		if c.Args.Bool("stdin_add_newline") {
			in += "\n"
		}
		tc.Stdin = strings.NewReader(in)
	}
	raw := c.Args.Str(RawParams)
	if raw == "" {
		raw = c.Args.Str("cmd")
	}
	if shell {
		if strings.TrimSpace(raw) == "" {
			return tc, nil, fmt.Errorf("no command given")
		}
		exe := c.Args.Str("executable")
		if exe == "" {
			exe = "/bin/sh"
		}
		tc.Argv = []string{exe, "-c", raw}
		return tc, raw, nil
	}
	argv := c.Args.Strings("argv")
	if len(argv) > 0 && raw != "" {
		return tc, nil, fmt.Errorf("only command or argv can be given, not both")
	}
	if len(argv) == 0 {
		var err error
		if argv, err = shlex.Python(raw, false); err != nil {
			return tc, nil, err
		}
	}
	if len(argv) == 0 || strings.TrimSpace(argv[0]) == "" {
		return tc, nil, fmt.Errorf("no command given")
	}
	tc.Argv = argv
	if c.Args.Bool("expand_argument_vars") && needsExpansion(argv) {
		tc.Argv = expandingArgv(argv)
	}
	display := make([]any, len(argv))
	for i, a := range argv {
		display[i] = a
	}
	return tc, display, nil
}

// createsRemoves returns the result of a command skipped because its creates
// path exists or its removes path does not; nil when it must run.
func createsRemoves(ctx context.Context, c *Call) (*Result, error) {
	verb := "Did"
	if c.Check {
		verb = "Would"
	}
	if p := c.Args.Str("creates"); p != "" {
		found, err := exists(ctx, c, c.relative(p))
		if err != nil || found {
			return notRun(verb+" not run command since '%s' exists", "skipped, since %s exists", p), err
		}
	}
	if p := c.Args.Str("removes"); p != "" {
		found, err := exists(ctx, c, c.relative(p))
		if err != nil || !found {
			return notRun(verb+" not run command since '%s' does not exist", "skipped, since %s does not exist", p), err
		}
	}
	return nil, nil
}

func notRun(msg, stdout, p string) *Result {
	r := &Result{Values: map[string]any{"rc": 0, "start": nil, "end": nil, "delta": nil, "stderr": ""}}
	r.Values["msg"] = fmt.Sprintf(msg, p)
	setOutput(r, fmt.Sprintf(stdout, p), "")
	return r
}

// relative resolves p against chdir, as the command module does after
// changing directory.
func (c *Call) relative(p string) string {
	if dir := c.Args.Str("chdir"); dir != "" && !path.IsAbs(p) && !strings.HasPrefix(p, "~") {
		return path.Join(dir, p)
	}
	return p
}

// exists reports whether a path, or any match of a glob pattern, exists on
// the host. A plain path costs one file operation and no process.
func exists(ctx context.Context, c *Call, p string) (bool, error) {
	p = hostPath(c.Conn, p)
	if !strings.ContainsAny(p, "*?[") {
		_, err := c.Conn.Stat(ctx, p)
		if err == nil {
			return true, nil
		}
		if transport.IsUnreachable(err) {
			return false, err
		}
		return false, nil
	}
	res, err := c.Conn.Run(ctx, transport.Command{Shell: "for f in " + globWords(p) + `; do [ -e "$f" ] || [ -L "$f" ] && exit 0; done; exit 1`})
	if err != nil {
		return false, err
	}
	return res.ExitCode == 0, nil
}

// globWords quotes the parts of a glob pattern between wildcards so that only
// the wildcards expand.
func globWords(p string) string {
	var b strings.Builder
	start := 0
	for i := 0; i < len(p); i++ {
		if strings.IndexByte("*?[]", p[i]) >= 0 {
			if i > start {
				b.WriteString(transport.Quote(p[start:i]))
			}
			b.WriteByte(p[i])
			start = i + 1
		}
	}
	if start < len(p) {
		b.WriteString(transport.Quote(p[start:]))
	}
	return b.String()
}

// hostPath expands a leading ~ of a path argument without a round trip: to
// the controller's home on a local connection, else to a path relative to
// the login directory, where the host resolves relative paths.
func hostPath(conn transport.Conn, p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	rest := strings.TrimPrefix(p[1:], "/")
	if _, ok := conn.(*local.Conn); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if rest == "" {
		return "."
	}
	return rest
}

// setOutput stores stdout and stderr and their _lines forms, as Ansible adds
// them to every result with output.
func setOutput(r *Result, stdout, stderr string) {
	r.Set("stdout", stdout).Set("stdout_lines", Lines(stdout))
	r.Set("stderr", stderr).Set("stderr_lines", Lines(stderr))
}

// Lines splits s as Python's str.splitlines (stdout_lines, stderr_lines):
// no empty last line, an empty list for no text.
func Lines(s string) []any {
	lines := pyfmt.SplitLines(s, false)
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

// ansibleTime formats t as Ansible's start/end values.
func ansibleTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.000000") }

// ansibleDelta formats d as Python's str(timedelta): 0:00:00.003547.
func ansibleDelta(d time.Duration) string {
	us := d.Microseconds()
	h := us / 3600e6
	m := us / 60e6 % 60
	s := us / 1e6 % 60
	return fmt.Sprintf("%d:%02d:%02d.%06d", h, m, s, us%1e6)
}
