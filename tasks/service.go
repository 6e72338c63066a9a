package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "service",
		Args: []Arg{
			{Name: "name", Type: Str, Required: true},
			{Name: "state", Type: Str, Choices: []string{"started", "stopped", "reloaded", "restarted"}},
			{Name: "sleep", Type: Int},
			{Name: "pattern", Type: Str},
			{Name: "enabled", Type: Bool},
			{Name: "runlevel", Type: Str, Default: "default"},
			{Name: "arguments", Aliases: []string{"args"}, Type: Str, Default: ""},
			{Name: "use", Type: Str, Default: "auto"},
		},
		RequiredOneOf: [][]string{{"state", "enabled"}},
		Run:           runService,
	})
}

// serviceMgr is the host's service manager: the use argument, else the
// service_mgr fact, else asked of the host as the setup module would.
func serviceMgr(ctx context.Context, c *Call) (string, error) {
	if u := strings.ToLower(c.Args.Str("use")); u != "" && u != "auto" {
		return u, nil
	}
	if v, ok := factOf(c, "service_mgr"); ok {
		return v, nil
	}
	return probeOnce(ctx, c, serviceMgrScript)
}

// hostProbes caches what a probe script printed, per connection.
var hostProbes sync.Map // probeKey -> string

type probeKey struct {
	conn   transport.Conn
	script string
}

// probeOnce runs a probe script the first time a connection needs it and
// returns its trimmed output (the service or package manager, which do
// not change during a run).
func probeOnce(ctx context.Context, c *Call, script string) (string, error) {
	key := probeKey{c.Conn, script}
	if v, ok := hostProbes.Load(key); ok {
		return v.(string), nil
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script}})
	if err != nil {
		return "", err
	}
	out := strings.TrimSpace(string(res.Stdout))
	hostProbes.Store(key, out)
	return out, nil
}

// serviceMgrScript prints the service manager as the setup module finds it.
const serviceMgrScript = `p1=$(cat /proc/1/comm 2>/dev/null)
if [ -z "$p1" ] && [ -L /sbin/init ]; then p1=$(basename "$(readlink /sbin/init)"); fi
case "$p1" in init|*sh) p1=;; esac
if [ -z "$p1" ]; then
  if [ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] || [ -d /dev/.systemd ]; then p1=systemd
  elif command -v initctl >/dev/null 2>&1 && [ -d /etc/init ]; then p1=upstart
  elif [ -e /sbin/openrc ]; then p1=openrc
  elif [ -d /etc/init.d ]; then p1=sysvinit
  else p1=service; fi
fi
echo "$p1"`

// factOf reads a fact gathered for the host (ansible_facts.NAME, else
// ansible_NAME); ok is false when facts were not gathered.
func factOf(c *Call, name string) (string, bool) {
	if c.Var == nil {
		return "", false
	}
	if f, ok := c.Var("ansible_facts"); ok {
		if m, ok := f.(map[string]any); ok {
			if v, ok := m[name]; ok && v != nil {
				s, _ := ToStr(v)
				return s, s != ""
			}
		}
	}
	if v, ok := c.Var("ansible_" + name); ok && v != nil {
		s, _ := ToStr(v)
		return s, s != ""
	}
	return "", false
}

// runService runs the module for the host's service manager, as
// Ansible's service action does: systemd hosts get the systemd module,
// sysvinit hosts the sysvinit module (the arguments they do not take are
// dropped with a warning), others (containers whose PID 1 is not an init,
// OpenRC, upstart) Linux's service module.
func runService(ctx context.Context, c *Call) (*Result, error) {
	mgr, err := serviceMgr(ctx, c)
	if err != nil {
		return sysErr(err)
	}
	switch mgr {
	case "systemd":
		return runModuleWithout(ctx, c, "systemd", []string{"pattern", "runlevel", "sleep", "arguments"})
	case "sysvinit":
		return runModuleWithout(ctx, c, "sysvinit", []string{"runlevel"})
	}
	return runLinuxService(ctx, c)
}

// runModuleWithout runs another module with the task's arguments less use
// and the ones it does not take (dropped with Ansible's warning).
func runModuleWithout(ctx context.Context, c *Call, name string, unused []string) (*Result, error) {
	raw := map[string]any{}
	var warnings []string
	for k, v := range c.Args {
		switch {
		case k == "use" || v == nil:
		case slices.Contains(unused, k):
			if c.Args.Str(k) == "" || k == "runlevel" && c.Args.Str(k) == "default" {
				continue
			}
			warnings = append(warnings, fmt.Sprintf(`Ignoring "%s" as it is not used in "%s"`, k, name))
		default:
			raw[k] = v
		}
	}
	slices.Sort(warnings)
	r, err := runOtherModule(ctx, c, name, raw)
	if r != nil {
		r.Warnings = append(warnings, r.Warnings...)
	}
	return r, err
}

// runOtherModule runs another module for the same host with raw arguments (as
// the package and service actions hand their task to the host's module).
func runOtherModule(ctx context.Context, c *Call, name string, raw map[string]any) (*Result, error) {
	s, ok := Lookup(name)
	if !ok || s.Run == nil {
		return Failf("Could not find a module for %s.", name), nil
	}
	args, err := s.Prepare(raw)
	if err != nil {
		return Failf("%v", err), nil
	}
	sub := *c
	sub.Module, sub.Args = s.Name, args
	return s.Run(ctx, &sub)
}

// svcTools is what the host offers to manage a service, as Ansible's
// LinuxService.get_service_tools finds it.
type svcTools struct {
	bins       map[string]string // program name → path
	initScript string
	systemd    bool
	secs       Sections
}

// svcBinaries are the programs looked for.
var svcBinaries = []string{"service", "chkconfig", "update-rc.d", "rc-service", "rc-update", "initctl", "systemctl", "start", "stop", "restart", "insserv"}

// svcDetach runs a command as Ansible's daemonize does: in / with only the
// C locale in its environment and no input; its output is read from files,
// so that a daemon it leaves behind holding them does not keep the command
// from ending. Prints stdout, a unit separator, stderr; exits with its status.
const svcDetach = `svc() { t=$(mktemp -d 2>/dev/null) || { t=/tmp/.drover-svc.$$; mkdir -m 700 "$t"; }
(cd / && exec env -i LANG=C.UTF-8 LC_ALL=C.UTF-8 LC_MESSAGES=C.UTF-8 "$@" </dev/null >"$t/o" 2>"$t/e"); r=$?
cat "$t/o"; printf '\037'; cat "$t/e"; rm -rf "$t"; return $r; }`

// readSvcTools finds the tools, the init script, whether systemd runs, the
// rc.d links and (when state is asked) the service's status, in one command.
func readSvcTools(ctx context.Context, c *Call) (*svcTools, error) {
	name := c.Args.Str("name")
	n, init := transport.Quote(name), transport.Quote("/etc/init.d/"+name)
	s := (&HostScript{}).Line(svcDetach)
	s.Line(`P="$PATH:/sbin:/usr/sbin:/bin:/usr/bin"`)
	s.Section("bins", `for b in `+strings.Join(svcBinaries, " ")+`; do p=$(PATH=$P command -v "$b") && echo "$b=$p"; done; true`)
	s.Section("init", "[ -f "+init+" ]")
	s.Section("systemd", `PATH=$P command -v systemctl >/dev/null || exit 1
for d in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$d" ] && exit 0; done
grep -q systemd /proc/1/comm`)
	s.Section("slinks", "ls -d /etc/rc?.d/S??"+globWords(name))
	s.Section("klinks", "ls -d /etc/rc?.d/K??"+globWords(name))
	if c.Args.Has("enabled") {
		s.Section("rc_update", "PATH=$P rc-update show")
		s.Section("insserv", "PATH=$P insserv -n -v "+n+" 2>&1 >/dev/null")
		s.Section("insserv_r", "PATH=$P insserv -n -r -v "+n+" 2>&1 >/dev/null")
		s.Section("chkconfig", "PATH=$P chkconfig --list "+n+" 2>&1")
	}
	if c.Args.Has("state") && !c.Args.Has("pattern") {
		s.Line(`rs=$(PATH=$P command -v rc-service); sv=$(PATH=$P command -v service); SC=
if [ -n "$rs" ]; then SC="$rs "` + n + `; elif [ -n "$sv" ]; then SC="$sv "` + n + `; elif [ -f ` + init + ` ]; then SC=` + init + `; fi`)
		s.Section("status", `[ -n "$SC" ] || exit 127; svc $SC status `+c.Args.Str("arguments"))
		s.Section("openrc", `[ -n "$rs" ] || exit 127; svc $SC status`)
	}
	secs, _, err := runHostScript(ctx, c, s, nil)
	if err != nil {
		return nil, err
	}
	t := &svcTools{bins: map[string]string{}, secs: secs, systemd: secs.RC("systemd") == 0}
	for _, l := range strings.Split(secs.Out("bins"), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			t.bins[k] = v
		}
	}
	if secs.RC("init") == 0 {
		t.initScript = "/etc/init.d/" + name
	}
	return t, nil
}

// svcManager is how a service is controlled and enabled on the host.
type svcManager struct {
	svcCmd, enableCmd string
}

// pick chooses the tools as LinuxService does; upstart jobs are treated
// as init scripts. A non-nil result is the module's failure.
func (t *svcTools) pick(name string) (svcManager, *Result) {
	var m svcManager
	switch {
	case t.bins["rc-service"] != "":
		m.svcCmd, m.enableCmd = t.bins["rc-service"], t.bins["rc-update"]
		return m, nil
	case t.initScript != "":
		for _, b := range []string{"update-rc.d", "insserv", "chkconfig"} {
			if t.bins[b] != "" {
				m.enableCmd = t.bins[b]
				break
			}
		}
	}
	if m.enableCmd == "" {
		return m, Failf("Could not find the requested service %s: host", name)
	}
	m.svcCmd = t.bins["service"]
	if m.svcCmd == "" && t.initScript == "" {
		return m, Failf("cannot find 'service' binary or init script for service,  possible typo in service name?, aborting")
	}
	return m, nil
}

// runLinuxService is Ansible's service module on Linux hosts without
// systemd: init scripts run through service (or directly), enabled with
// update-rc.d, insserv or chkconfig; OpenRC through rc-service/rc-update.
func runLinuxService(ctx context.Context, c *Call) (*Result, error) {
	name := c.Args.Str("name")
	t, err := readSvcTools(ctx, c)
	if err != nil {
		return sysErr(err)
	}
	if t.systemd {
		return runOtherModule(ctx, c, "systemd", systemdArgsOf(c))
	}
	m, fail := t.pick(name)
	if fail != nil {
		return fail, nil
	}
	r := (&Result{}).Set("name", name)
	var enableSteps [][]string
	if c.Args.Has("enabled") {
		var done *Result
		enableSteps, done = svcEnablePlan(c, t, m, r)
		if done != nil {
			return done, nil
		}
		r.Set("enabled", c.Args.Bool("enabled"))
	}
	if !c.Args.Has("state") {
		return svcFinish(ctx, c, r, enableSteps, "")
	}
	running, done, err := svcRunning(ctx, c, t, m)
	if done != nil || err != nil {
		return done, err
	}
	return svcChangeState(ctx, c, r, t, m, running, enableSteps)
}

// systemdArgsOf are the service arguments systemd takes.
func systemdArgsOf(c *Call) map[string]any {
	raw := map[string]any{}
	for _, k := range []string{"name", "state", "enabled"} {
		if c.Args.Has(k) {
			raw[k] = c.Args[k]
		}
	}
	return raw
}

// svcRunning decides whether the service runs, from the status command's
// result (or ps and the pattern), as LinuxService.get_service_status does.
func svcRunning(ctx context.Context, c *Call, t *svcTools, m svcManager) (bool, *Result, error) {
	if p := c.Args.Str("pattern"); p != "" {
		res, err := c.Run(ctx, transport.Command{Argv: []string{"ps", "auxww"}})
		if err != nil {
			return false, nil, err
		}
		if res.ExitCode != 0 {
			return false, Failf("failed determining service state, possible typo of service name?"), nil
		}
		for _, l := range strings.Split(string(res.Stdout), "\n") {
			if strings.Contains(l, p) && !strings.Contains(l, "pattern=") {
				return true, nil, nil
			}
		}
		return false, nil, nil
	}
	sec := t.secs["status"]
	stdout, _, _ := strings.Cut(sec.Out, "\x1f")
	if m.svcCmd != "" && lastPathElem(m.svcCmd) == "rc-service" {
		o, _, _ := strings.Cut(t.secs.Out("openrc"), "\x1f")
		return strings.Contains(o, "started"), nil, nil
	}
	if running, ok := svcStatusGuess(c.Args.Str("name"), sec.RC, stdout); ok {
		return running, nil, nil
	}
	return false, Failf("failed determining service state, possible typo of service name?"), nil
}

// svcStatusGuess reads a status command's exit status and output the way
// Ansible does; ok is false when it cannot tell.
func svcStatusGuess(name string, rc int, stdout string) (running, ok bool) {
	if slices.Contains([]int{1, 2, 3, 4, 69}, rc) {
		return false, true
	}
	if strings.Count(stdout, "\n") <= 1 {
		clean := strings.ReplaceAll(strings.ToLower(stdout), strings.ToLower(name), "")
		switch {
		case strings.Contains(clean, "stop"):
			return false, true
		case strings.Contains(clean, "run"):
			return !strings.Contains(clean, "not "), true
		case strings.Contains(clean, "start") && !strings.Contains(clean, "not "):
			return true, true
		case strings.Contains(clean, "could not access pid file"), strings.Contains(clean, "is dead and pid file exists"),
			strings.Contains(clean, "dead but subsys locked"), strings.Contains(clean, "dead but pid file exists"):
			return false, true
		}
	}
	if rc == 0 {
		return true, true
	}
	if name == "iptables" && strings.Contains(stdout, "ACCEPT") {
		return true, true
	}
	return false, false
}

// svcEnablePlan decides whether enabling or disabling changes anything
// and returns the commands that do it. A non-nil result ends the module
// (check mode of tools Ansible exits early for, or a failure).
func svcEnablePlan(c *Call, t *svcTools, m svcManager, r *Result) ([][]string, *Result) {
	name, want := c.Args.Str("name"), c.Args.Bool("enabled")
	onOff := map[bool]string{true: "on", false: "off"}
	switch base := lastPathElem(m.enableCmd); base {
	case "update-rc.d":
		enabled := strings.TrimSpace(t.secs.Out("slinks")) != "" && t.secs.RC("slinks") == 0
		if enabled == want {
			return nil, nil
		}
		r.Changed = true
		if !want {
			return [][]string{{m.enableCmd, name, "disable"}}, nil
		}
		steps := [][]string{{m.enableCmd, name, "enable"}}
		if t.secs.RC("klinks") != 0 || strings.TrimSpace(t.secs.Out("klinks")) == "" {
			steps = append([][]string{{m.enableCmd, name, "defaults"}}, steps...)
		}
		return steps, nil
	case "insserv":
		marker, sec := "enable service", "insserv"
		if !want {
			marker, sec = "remove service", "insserv_r"
		}
		if !strings.Contains(t.secs.Out(sec), marker) {
			return nil, nil
		}
		r.Changed = true
		if c.Check {
			return nil, &Result{Changed: true}
		}
		if want {
			return [][]string{{m.enableCmd, name}}, nil
		}
		return [][]string{{m.enableCmd, "-r", name}}, nil
	case "chkconfig":
		out := t.secs.Out("chkconfig")
		if !strings.Contains(out, name) {
			return nil, Failf("service %s does not support chkconfig", name)
		}
		if strings.Contains(out, "3:"+onOff[want]) && strings.Contains(out, "5:"+onOff[want]) {
			return nil, nil
		}
		r.Changed = true
		if c.Check {
			return nil, &Result{Changed: true}
		}
		return [][]string{{m.enableCmd, name, onOff[want]}}, nil
	case "rc-update":
		if !svcOpenRCChange(t.secs.Out("rc_update"), name, c.Args.Str("runlevel"), want) {
			return nil, nil
		}
		r.Changed = true
		if c.Check {
			return nil, &Result{Changed: true}
		}
		verb := map[bool]string{true: "add", false: "delete"}[want]
		return [][]string{{m.enableCmd, verb, name, c.Args.Str("runlevel")}}, nil
	}
	return nil, Failf("cannot detect command to enable service %s, typo or init system potentially unknown", name)
}

func lastPathElem(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// svcOpenRCChange reads `rc-update show`: whether the service must be
// added to or deleted from the runlevel.
func svcOpenRCChange(show, name, runlevel string, want bool) bool {
	for _, line := range strings.Split(show, "\n") {
		svc, levels, ok := strings.Cut(line, "|")
		if !ok || strings.TrimSpace(svc) != name {
			continue
		}
		in := slices.Contains(strings.Fields(levels), runlevel)
		return in != want
	}
	return want
}

// svcChangeState starts, stops, reloads or restarts the service when its
// state asks for it, after the enable steps.
func svcChangeState(ctx context.Context, c *Call, r *Result, t *svcTools, m svcManager, running bool, enableSteps [][]string) (*Result, error) {
	state := c.Args.Str("state")
	change := (!running && (state == "reloaded" || state == "started")) ||
		(running && (state == "reloaded" || state == "stopped")) || state == "restarted"
	if c.Check && change {
		return &Result{Changed: true, Msg: "service state changed"}, nil
	}
	var action string
	switch {
	case !change:
	case state == "started", !running && state == "reloaded":
		action = "start"
	case state == "stopped":
		action = "stop"
	case state == "reloaded":
		action = "reload"
	default:
		action = "restart"
	}
	r.Changed = r.Changed || change
	if state == "stopped" {
		r.Set("state", "stopped")
	} else {
		r.Set("state", "started")
	}
	return svcFinish(ctx, c, r, enableSteps, svcControl(c, t, m, action))
}

// svcControl is the sh code that runs the control action (nothing for
// ""). Each command prints stdout, \x1f, stderr; a restart done as stop
// and start prints both, then both exit statuses, separated by \x1d.
func svcControl(c *Call, t *svcTools, m svcManager, action string) string {
	if action == "" {
		return ""
	}
	name, args := transport.Quote(c.Args.Str("name")), c.Args.Str("arguments")
	cmd := transport.Quote(m.svcCmd) + " " + name
	if m.svcCmd == "" {
		cmd = transport.Quote("/etc/init.d/" + c.Args.Str("name"))
	}
	if lastPathElem(m.svcCmd) == "rc-service" {
		_, stderr, _ := strings.Cut(t.secs.Out("openrc"), "\x1f")
		if action == "start" && strings.Contains(stderr, "crashed") {
			return "svc " + cmd + " zap >/dev/null\nsvc " + cmd + " " + action + " " + args
		}
		return "svc " + cmd + " " + action + " " + args
	}
	if action != "restart" {
		return "svc " + cmd + " " + action + " " + args
	}
	sleep := ""
	if n := c.Args.Int("sleep"); n > 0 {
		sleep = fmt.Sprintf("sleep %d\n", n)
	}
	return "svc " + cmd + " stop " + args + "; r1=$?; printf '\\035'\n" + sleep + "svc " + cmd + " start " + args +
		"; r2=$?; printf '\\035%s %s' $r1 $r2"
}

// svcFinish runs the enable steps and the control action (one command),
// unless in check mode, and fails as Ansible does.
func svcFinish(ctx context.Context, c *Call, r *Result, steps [][]string, control string) (*Result, error) {
	if c.Check || (len(steps) == 0 && control == "") {
		return r, nil
	}
	s := (&HostScript{}).Line(svcDetach)
	for i, st := range steps {
		s.Section(fmt.Sprintf("enable%d", i), `LANG=C.UTF-8 LC_ALL=C.UTF-8 LC_MESSAGES=C.UTF-8 `+shList(st)+` 2>&1`)
	}
	if control != "" {
		s.Section("control", control)
	}
	secs, _, err := runHostScript(ctx, c, s, nil)
	if err != nil {
		return sysErr(err)
	}
	for i, st := range steps {
		sec := secs[fmt.Sprintf("enable%d", i)]
		if sec.RC != 0 {
			return svcEnableFailure(st, sec), nil
		}
	}
	if control == "" {
		return r, nil
	}
	return svcControlResult(r, secs["control"]), nil
}

// svcEnableFailure is Ansible's message for a failed enable command.
func svcEnableFailure(step []string, sec Section) *Result {
	switch lastPathElem(step[0]) {
	case "update-rc.d":
		return Failf("%s", sec.Out)
	case "insserv":
		return Failf("Failed to install service. rc: %d, out: , err: %s", sec.RC, sec.Out)
	}
	return Failf("Error when trying to %s %s: rc=%d %s", step[len(step)-1], step[1], sec.RC, sec.Out)
}

// svcControlResult reads the control action's output; a restart's two
// commands are merged as Ansible merges them.
func svcControlResult(r *Result, sec Section) *Result {
	rc := sec.RC
	parts := strings.Split(sec.Out, "\x1d")
	var out, errOut string
	if len(parts) == 3 {
		var r1, r2 int
		fmt.Sscan(parts[2], &r1, &r2)
		o1, e1, _ := strings.Cut(parts[0], "\x1f")
		o2, e2, _ := strings.Cut(parts[1], "\x1f")
		if r1 != 0 && r2 == 0 {
			rc, out, errOut = 0, o2, e2
		} else {
			rc, out, errOut = r1+r2, o1+o2, e1+e2
		}
	} else {
		out, errOut, _ = strings.Cut(sec.Out, "\x1f")
	}
	if rc == 0 || strings.Contains(errOut, "Job is already running") {
		return r
	}
	if errOut != "" {
		return Failf("%s", errOut)
	}
	return Failf("%s", out)
}
