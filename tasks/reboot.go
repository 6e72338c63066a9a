package tasks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

func init() {
	Register(&Spec{
		Name:    "reboot",
		AnyArgs: true,
		NoFiles: true,
		Run:     runReboot,
	})
}

// rebootOptions are the options reboot takes.
var rebootOptions = []string{"boot_time_command", "connect_timeout", "msg", "post_reboot_delay", "pre_reboot_delay",
	"reboot_command", "reboot_timeout", "search_paths", "test_command"}

// Ansible's reboot commands per system: looked up by distribution name
// with its major version, then by name, then by family.
var (
	rebootBootTime = map[string]string{"freebsd": "/sbin/sysctl kern.boottime", "openbsd": "/sbin/sysctl kern.boottime",
		"macosx": "who -b", "solaris": "who -b", "sunos": "who -b", "aix": "who -b",
		"vmkernel": "grep booted /var/log/vmksummary.log | tail -n 1"}
	rebootShutdown     = map[string]string{"alpine": "reboot", "vmkernel": "reboot"}
	rebootShutdownArgs = map[string]string{"alpine": "", "void": `-r +{delay_min} "{message}"`,
		"freebsd": `-r +{delay_sec}s "{message}"`, "linux": `-r {delay_min} "{message}"`,
		"macosx": `-r +{delay_min} "{message}"`, "openbsd": `-r +{delay_min} "{message}"`,
		"solaris": `-y -g {delay_sec} -i 6 "{message}"`, "sunos": `-y -g {delay_sec} -i 6 "{message}"`,
		"vmkernel": "-d {delay_sec}", "aix": "-Fr"}
	rebootTest = map[string]string{"solaris": "who", "vmkernel": "who"}
)

// distribution is what reboot's tables are looked up by.
type distribution struct{ name, version, family string }

func (d distribution) pick(table map[string]string, def string) string {
	for _, k := range []string{d.name + d.version, d.name, d.family} {
		if v, ok := table[k]; ok {
			return v
		}
	}
	return def
}

// reboot is one reboot call.
type reboot struct {
	c       *Call
	dist    distribution
	timeout time.Duration // reboot_timeout, for each phase
	connect time.Duration // connect_timeout; 0 leaves the connection's own
}

// runReboot reboots the host as Ansible's reboot action does: it reads the
// boot time (boot_time_command), runs the reboot command (whose lost
// connection counts as success), waits post_reboot_delay, then reconnects
// until the boot time differs and until test_command succeeds, each within
// reboot_timeout with Ansible's growing pauses.
func runReboot(ctx context.Context, c *Call) (*Result, error) {
	if isLocal(c) {
		return Failf("Running %s with local connection would reboot the control node.", c.ModuleAs).
			Set("elapsed", 0).Set("rebooted", false), nil
	}
	if c.Check {
		return Changed().Set("elapsed", 0).Set("rebooted", true), nil
	}
	if bad := invalidOptions(c, rebootOptions...); bad != nil {
		return bad, nil
	}
	o, err := intOptions(c.Args, map[string]int{"reboot_timeout": 600, "connect_timeout": 0,
		"pre_reboot_delay": 0, "post_reboot_delay": 0})
	if err != nil {
		return nil, err
	}
	rb := &reboot{c: c, timeout: time.Duration(o["reboot_timeout"]) * time.Second,
		connect: time.Duration(o["connect_timeout"]) * time.Second}
	if err := rb.distribution(ctx); err != nil {
		return nil, err
	}
	before, err := rb.bootTime(ctx)
	if err != nil {
		if transport.IsUnreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		return Failf("%v", err).Set("reboot", false), nil
	}
	start, fail, err := rb.perform(ctx, max(o["pre_reboot_delay"], 0))
	if err != nil || fail != nil {
		return fail, err
	}
	if err := sleepCtx(ctx, time.Duration(max(o["post_reboot_delay"], 0))*time.Second); err != nil {
		return nil, err
	}
	res, err := rb.validate(ctx, before)
	if err != nil {
		return nil, err
	}
	return res.Set("elapsed", int(time.Since(start).Seconds())), nil
}

// isLocal tells whether the task reaches the controller itself.
func isLocal(c *Call) bool {
	if _, ok := c.Conn.(*local.Conn); ok {
		return true
	}
	if c.Var == nil {
		return false
	}
	v, _ := c.Var("ansible_connection")
	return v == "local"
}

// distribution learns the host's distribution from setup, when a command
// is left to the tables.
func (rb *reboot) distribution(ctx context.Context) error {
	a := rb.c.Args
	if a.Has("reboot_command") && a.Has("boot_time_command") && a.Has("test_command") {
		return nil
	}
	if rb.c.RunModule == nil {
		return errors.New("reboot cannot learn the host's distribution here")
	}
	res, err := rb.c.RunModule(ctx, "ansible.legacy.setup", map[string]any{"gather_subset": "min"})
	if err != nil {
		return err
	}
	if res.Failed {
		return fmt.Errorf("Failed to determine system distribution. %s", res.Msg)
	}
	f := res.Facts
	name, _ := f["ansible_distribution"].(string)
	version, _ := f["ansible_distribution_version"].(string)
	family, _ := f["ansible_os_family"].(string)
	major, _, _ := strings.Cut(version, ".")
	rb.dist = distribution{name: strings.ToLower(name), version: major, family: strings.ToLower(family)}
	return nil
}

// command is an option that must be text, or def.
func (rb *reboot) command(name, def string) (string, error) {
	v, ok := rb.c.Args[name]
	if !ok || v == nil || v == "" {
		return def, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", fmt.Errorf("Invalid value given for '%s': '%s' cannot be converted to a str without losing information.", name, pyType(v))
	}
	return s, nil
}

// bootTime runs the boot time command.
func (rb *reboot) bootTime(ctx context.Context) (string, error) {
	cmd, err := rb.command("boot_time_command", rb.dist.pick(rebootBootTime, "cat /proc/sys/kernel/random/boot_id"))
	if err != nil {
		return "", err
	}
	res, err := rb.run(ctx, cmd)
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("%s: failed to get host boot time info, rc: %d, stdout: %s, stderr: %s",
			rb.c.ModuleAs, res.ExitCode, res.Stdout, res.Stderr)
	}
	return strings.TrimSpace(string(res.Stdout)), nil
}

// run runs a command line as Ansible's low-level commands run: through
// the shell, on a terminal where Ansible's ssh connection uses one.
func (rb *reboot) run(ctx context.Context, cmd string) (transport.Result, error) {
	return rb.c.Run(ctx, transport.Command{Shell: cmd, PTY: rb.c.tty()})
}

// perform runs the reboot command; it returns when the reboot started,
// or the failure.
func (rb *reboot) perform(ctx context.Context, preDelay int) (time.Time, *Result, error) {
	cmd, err := rb.rebootCommand(ctx, preDelay)
	if err != nil {
		return time.Time{}, nil, err
	}
	res, err := rb.run(ctx, cmd)
	start := time.Now()
	switch {
	case ctx.Err() != nil:
		return start, nil, ctx.Err()
	case err != nil && !transport.IsUnreachable(err):
		return start, nil, err
	case err == nil && res.ExitCode != 0:
		return start, Failf("Reboot command failed. Error was: '%s, %s'", strings.TrimSpace(string(res.Stdout)),
			strings.TrimSpace(string(res.Stderr))).Set("rebooted", false).Set("elapsed", 0).
			Set("start", start.UTC().Format("2006-01-02 15:04:05.000000")), nil
	}
	return start, nil, nil
}

// rebootCommand is the reboot command: the reboot_command option, or the
// system's shutdown command with its arguments, the program found in
// search_paths unless given by absolute path.
func (rb *reboot) rebootCommand(ctx context.Context, preDelay int) (string, error) {
	given, err := rb.command("reboot_command", "")
	if err != nil {
		return "", err
	}
	bin, args, _ := strings.Cut(given, " ")
	if given == "" {
		bin = rb.dist.pick(rebootShutdown, "shutdown")
		msg, _ := ToStr(rb.c.Args["msg"])
		if !rb.c.Args.Has("msg") {
			msg = "Reboot initiated by Ansible"
		}
		args = strings.NewReplacer("{delay_sec}", fmt.Sprint(preDelay), "{delay_min}", fmt.Sprint(preDelay/60),
			"{message}", msg).Replace(rb.dist.pick(rebootShutdownArgs, `-r {delay_min} "{message}"`))
	}
	if !strings.HasPrefix(bin, "/") {
		if bin, err = rb.findCommand(ctx, bin); err != nil {
			return "", err
		}
	}
	return bin + " " + args, nil
}

// findCommand finds a program in search_paths with the find module, as
// Ansible does.
func (rb *reboot) findCommand(ctx context.Context, bin string) (string, error) {
	paths := []any{"/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"}
	if v, ok := rb.c.Args["search_paths"]; ok {
		l, err := ToList(v)
		if err != nil {
			return "", fmt.Errorf("'search_paths' must be a string or flat list of strings, got %s", PyRepr(v))
		}
		paths = l
	}
	if rb.c.RunModule == nil {
		return "", errors.New("reboot cannot search for " + bin + " here")
	}
	res, err := rb.c.RunModule(ctx, "ansible.legacy.find", map[string]any{"paths": paths, "patterns": []any{bin}, "file_type": "any"})
	if err != nil {
		return "", err
	}
	if files, _ := res.Get("files").([]any); len(files) > 0 {
		if f, ok := files[0].(map[string]any); ok {
			if p, ok := f["path"].(string); ok {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("Unable to find command \"%s\" in search paths: %s", bin, PyRepr(paths))
}

// validate waits for the host to come back with another boot time, then
// for the test command to succeed.
func (rb *reboot) validate(ctx context.Context, before string) (*Result, error) {
	phases := []struct {
		desc  string
		fresh bool // a new connection for every try, not only after failures
		try   func(context.Context) error
	}{
		{"last boot time check", true, func(ctx context.Context) error {
			now, err := rb.bootTime(ctx)
			if err == nil && (now == "" || now == before) {
				err = errors.New("boot time has not changed")
			}
			return err
		}},
		{"post-reboot test command", false, rb.testCommand},
	}
	for _, p := range phases {
		if err := rb.untilSuccess(ctx, p.fresh, p.try); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return Failf("Timed out waiting for %s (timeout=%d)", p.desc, int(rb.timeout.Seconds())).Set("rebooted", true), nil
		}
	}
	return Changed().Set("rebooted", true), nil
}

// testCommand runs test_command, which must exit 0.
func (rb *reboot) testCommand(ctx context.Context) error {
	cmd, err := rb.command("test_command", rb.dist.pick(rebootTest, "whoami"))
	if err != nil {
		return err
	}
	res, err := rb.run(ctx, cmd)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("Test command failed: %s %s", res.Stderr, res.Stdout)
	}
	return nil
}

// untilSuccess retries try until it succeeds or reboot_timeout passes,
// over a new connection after a failure (and every time with fresh),
// pausing 2^n seconds (at most 12) and a random fraction between tries; it
// returns the last error.
func (rb *reboot) untilSuccess(ctx context.Context, fresh bool, try func(context.Context) error) error {
	end := time.Now().Add(rb.timeout)
	var last error
	for fails := 0; time.Now().Before(end); fails++ {
		if last = rb.attempt(ctx, fresh || fails > 0, try); last == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pause := float64(min(1<<min(fails, 4), 12)) + rand.Float64()
		if err := sleepCtx(ctx, time.Duration(pause*float64(time.Second))); err != nil {
			return err
		}
	}
	return last
}

// attempt connects (afresh with fresh; within connect_timeout when
// given) and tries once.
func (rb *reboot) attempt(ctx context.Context, fresh bool, try func(context.Context) error) error {
	cctx := ctx
	if rb.connect > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, rb.connect)
		defer cancel()
	}
	conn, err := rb.c.Connect(cctx, fresh)
	if err != nil {
		return err
	}
	rb.c.Conn = conn
	return try(ctx)
}
