package tasks

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "sysvinit",
		Args: []Arg{
			{Name: "name", Aliases: []string{"service"}, Type: Str, Required: true},
			{Name: "state", Type: Str, Choices: []string{"started", "stopped", "restarted", "reloaded"}},
			{Name: "enabled", Type: Bool},
			{Name: "sleep", Type: Int, Default: 1},
			{Name: "pattern", Type: Str},
			{Name: "arguments", Aliases: []string{"args"}, Type: Str},
			{Name: "runlevels", Type: List, Elements: Str},
			{Name: "daemonize", Type: Bool, Default: false},
		},
		RequiredOneOf: [][]string{{"state", "enabled"}},
		Run:           runSysvinit,
	})
}

// sysvRun runs a command with its output in files, so that a daemon
// it starts holding its output does not keep it from ending. Prints
// stdout, \x1f, stderr.
const sysvRun = `run() { t=$(mktemp -d 2>/dev/null) || { t=/tmp/.drover-sysv.$$; mkdir -m 700 "$t"; }
"$@" </dev/null >"$t/o" 2>"$t/e"; r=$?
cat "$t/o"; printf '\037'; cat "$t/e"; rm -rf "$t"; return $r; }`

// sysvState is what one command learned of an init script service.
type sysvState struct {
	secs       Sections
	script     string
	bins       map[string]string
	enabled    bool            // started in some runlevel
	runlevels  map[string]bool // by runlevel, with runlevels
	started    bool
	worked     bool
	warnings   []string
	statusOut  string
	statusCode int
}

// readSysv finds the tools, the enabled runlevels and the status in one
// command.
func readSysv(ctx context.Context, c *Call) (*sysvState, error) {
	name := c.Args.Str("name")
	st := &sysvState{script: sysvScript(name), bins: map[string]string{}, runlevels: map[string]bool{}}
	s := (&HostScript{}).Line(sysvRun).Line(`P="$PATH:/sbin:/usr/sbin:/bin:/usr/bin"`)
	s.Section("exists", "[ -e "+transport.Quote(st.script)+" ]")
	s.Section("bins", `for b in chkconfig update-rc.d insserv service ps; do p=$(PATH=$P command -v "$b") && echo "$b=$p"; done; true`)
	s.Section("enabled", sysvEnabledCmd(name))
	for i, rl := range c.Args.Strings("runlevels") {
		s.Section(fmt.Sprintf("rl%d", i), sysvRunlevelCmd(name, rl))
	}
	if !c.Args.Has("pattern") {
		s.Section("status", `sv=$(PATH=$P command -v service); if [ -n "$sv" ]; then run "$sv" `+transport.Quote(name)+
			` status; else run `+transport.Quote(st.script)+` status; fi`)
	}
	secs, _, err := runHostScript(ctx, c, s, nil)
	if err != nil {
		return nil, err
	}
	st.secs = secs
	for _, l := range strings.Split(secs.Out("bins"), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			st.bins[k] = v
		}
	}
	st.enabled = secs.RC("enabled") == 0
	for i, rl := range c.Args.Strings("runlevels") {
		st.runlevels[rl] = secs.RC(fmt.Sprintf("rl%d", i)) == 0
	}
	return st, nil
}

// sysvRunlevelCmd tests for a start link in one runlevel.
func sysvRunlevelCmd(name, rl string) string {
	n, r := globWords(name), globWords(rl)
	return `if [ -d /etc/rc0.d/ ]; then set -- /etc/rc` + r + `.d/S??` + n + `; else set -- /etc/init.d/rc` + r + `.d/S??` + n + `; fi; [ -e "$1" ] || [ -L "$1" ]`
}

// psHas tells whether a line of `ps auxww` contains pattern (ps runs on
// its own, so that no command of drover's holding the pattern is listed).
func psHas(ctx context.Context, c *Call, pattern string) (bool, error) {
	res, err := c.Run(ctx, transport.Command{Argv: []string{"ps", "auxww"}})
	if err != nil || res.ExitCode != 0 {
		return false, err
	}
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if strings.Contains(l, pattern) {
			return true, nil
		}
	}
	return false, nil
}

// decideStarted reads the status (or ps) as Ansible's sysvinit module.
func (st *sysvState) decideStarted(ctx context.Context, c *Call) error {
	name := c.Args.Str("name")
	if p := c.Args.Str("pattern"); p != "" {
		found, err := psHas(ctx, c, p)
		if err != nil {
			return err
		}
		st.started, st.worked = found, found
	} else {
		sec := st.secs["status"]
		out, _, _ := strings.Cut(sec.Out, "\x1f")
		st.statusOut, st.statusCode = out, sec.RC
		if name == "iptables" && strings.Contains(out, "ACCEPT") {
			st.started, st.worked = true, true
		}
		if !st.worked && strings.Count(out, "\n") <= 1 {
			clean := strings.ReplaceAll(strings.ToLower(out), strings.ToLower(name), "")
			for _, w := range []string{"stop", "is dead ", "dead but ", "could not access pid file", "inactive"} {
				if strings.Contains(clean, w) {
					st.worked = true
					break
				}
			}
			if !st.worked {
				for _, w := range []string{"run", "start", "active"} {
					if strings.Contains(clean, w) && !strings.Contains(clean, "not ") {
						st.started, st.worked = true, true
						break
					}
				}
			}
		}
		if !st.worked && slices.Contains([]int{1, 2, 3, 4, 69}, sec.RC) {
			st.worked = true
		}
		if !st.worked && sec.RC == 0 {
			st.started, st.worked = true, true
		}
		if !st.worked {
			found, err := psHas(ctx, c, name)
			if err != nil {
				return err
			}
			if found {
				st.started, st.worked = true, true
				st.warnings = append(st.warnings, "Used ps output to match service name and determine it is up, this is very unreliable")
			}
		}
	}
	if !st.worked {
		st.warnings = append(st.warnings, "Unable to determine if service is up, assuming it is down")
	}
	return nil
}

// runSysvinit is Ansible's sysvinit module: an init script started,
// stopped, restarted or reloaded directly (status through service), and
// enabled with update-rc.d or chkconfig. Ansible's service action uses it
// on hosts whose service manager is sysvinit.
func runSysvinit(ctx context.Context, c *Call) (*Result, error) {
	name := c.Args.Str("name")
	st, err := readSysv(ctx, c)
	if err != nil {
		return sysErr(err)
	}
	if st.secs.RC("exists") != 0 {
		return Failf("Could not find the requested service %s: ", name), nil
	}
	if err := st.decideStarted(ctx, c); err != nil {
		return sysErr(err)
	}
	r := &Result{Warnings: st.warnings}
	status := map[string]any{}
	r.Set("name", name).Set("status", status)
	if res, err := sysvEnable(ctx, c, st, r, status); res != nil || err != nil {
		return res, err
	}
	return sysvState2(ctx, c, st, r, status)
}

// sysvEntry is a status entry as Ansible starts it.
func sysvEntry() map[string]any {
	return map[string]any{"changed": false, "rc": nil, "stdout": nil, "stderr": nil}
}

// sysvEnable enables or disables the service (all runlevels or the
// runlevels argument) with update-rc.d or chkconfig.
func sysvEnable(ctx context.Context, c *Call, st *sysvState, r *Result, status map[string]any) (*Result, error) {
	name := c.Args.Str("name")
	entry := sysvEntry()
	status["enabled"] = entry
	rls := c.Args.Strings("runlevels")
	var argv []string
	want := c.Args.Bool("enabled")
	if len(rls) > 0 {
		entry["runlevels"] = toAnyList(rls)
		for _, rl := range rls {
			if !c.Args.Has("enabled") || want != st.runlevels[rl] {
				r.Changed, entry["changed"] = true, true
			}
		}
		verb := map[bool]string{true: "enable", false: "disable"}[want]
		switch {
		case st.bins["update-rc.d"] != "":
			argv = append([]string{st.bins["update-rc.d"], name, verb}, rls...)
		case st.bins["chkconfig"] != "":
			argv = []string{st.bins["chkconfig"], "--level", strings.Join(rls, ""), name, map[bool]string{true: "on", false: "off"}[want]}
		}
	} else if c.Args.Has("enabled") && want != st.enabled {
		r.Changed, entry["changed"] = true, true
		switch {
		case st.bins["update-rc.d"] != "":
			argv = []string{st.bins["update-rc.d"], name, map[bool]string{true: "defaults", false: "disable"}[want]}
		case st.bins["chkconfig"] != "":
			argv = []string{st.bins["chkconfig"], name, map[bool]string{true: "on", false: "off"}[want]}
		}
	}
	if c.Check || !r.Changed {
		return nil, nil
	}
	rc, out, errOut := 0, "", ""
	if argv != nil {
		var err error
		if rc, out, errOut, err = runArgv(ctx, c, argv, nil); err != nil {
			return sysErr(err)
		}
	}
	if entry["changed"] == true {
		entry["rc"], entry["stdout"], entry["stderr"] = rc, out, errOut
		if strings.Contains(errOut, "illegal runlevel specified") {
			f := Failf("Illegal runlevel specified for enable operation on service %s", name)
			f.Values = r.Values
			return f, nil
		}
	}
	return nil, nil
}

// sysvAction maps a state to the script's verb.
var sysvAction = regexp.MustCompile(`p?ed$`)

// sysvState2 changes the running state as asked.
func sysvState2(ctx context.Context, c *Call, st *sysvState, r *Result, status map[string]any) (*Result, error) {
	state := c.Args.Str("state")
	key := state
	if key == "" {
		key = "null"
	}
	entry := sysvEntry()
	status[key] = entry
	if state == "" {
		return r, nil
	}
	action := sysvAction.ReplaceAllString(strings.ToLower(state), "")
	var verbs []string
	switch {
	case action == "restart":
		verbs = []string{"stop", "start"}
	case st.started != (action == "start"), st.started == (action == "stop"):
		verbs = []string{action}
	}
	if len(verbs) == 0 {
		return r, nil
	}
	r.Changed, entry["changed"] = true, true
	if c.Check {
		return r, nil
	}
	s := (&HostScript{}).Line(sysvRun)
	for i, v := range verbs {
		cmd := "run " + transport.Quote(st.script) + " " + v + " " + c.Args.Str("arguments")
		if c.Args.Bool("daemonize") {
			cmd = "cd / && " + cmd
		}
		s.Section(fmt.Sprintf("v%d", i), cmd)
		if action == "restart" && c.Args.Int("sleep") > 0 {
			s.Line(fmt.Sprintf("sleep %d", c.Args.Int("sleep")))
		}
	}
	secs, _, err := runHostScript(ctx, c, s, nil)
	if err != nil {
		return sysErr(err)
	}
	for i := range verbs {
		sec := secs[fmt.Sprintf("v%d", i)]
		out, errOut, _ := strings.Cut(sec.Out, "\x1f")
		if sec.RC != 0 {
			f := Failf("Failed to %s service: %s", action, c.Args.Str("name")).Set("rc", sec.RC)
			setOutput(f, out, errOut)
			return f, nil
		}
		entry["rc"], entry["stdout"], entry["stderr"] = sec.RC, out, errOut
	}
	return r, nil
}
