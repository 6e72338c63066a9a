package tasks

import (
	"context"
	"slices"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name:    "systemd",
		Aliases: []string{"systemd_service"},
		Args: []Arg{
			{Name: "name", Aliases: []string{"service", "unit"}, Type: Str},
			{Name: "state", Type: Str, Choices: []string{"reloaded", "restarted", "started", "stopped"}},
			{Name: "enabled", Type: Bool},
			{Name: "force", Type: Bool},
			{Name: "masked", Type: Bool},
			{Name: "daemon_reload", Aliases: []string{"daemon-reload"}, Type: Bool, Default: false},
			{Name: "daemon_reexec", Aliases: []string{"daemon-reexec"}, Type: Bool, Default: false},
			{Name: "scope", Type: Str, Default: "system", Choices: []string{"system", "user", "global"}},
			{Name: "no_block", Type: Bool, Default: false},
		},
		RequiredOneOf: [][]string{{"state", "enabled", "masked", "daemon_reload", "daemon_reexec"}},
		Run:           runSystemd,
	})
}

// systemdEnabledStates are the states `systemctl is-enabled` prints for a
// unit systemd knows (systemd 244's list, as Ansible has it).
var systemdEnabledStates = []string{"enabled", "enabled-runtime", "linked", "linked-runtime", "masked",
	"masked-runtime", "static", "indirect", "disabled", "generated", "transient"}

// systemctlArgv is systemctl with the scope, no_block and force options.
func systemctlArgv(c *Call) []string {
	argv := []string{"systemctl"}
	if s := c.Args.Str("scope"); s != "system" {
		argv = append(argv, "--"+s)
	}
	if c.Args.Bool("no_block") {
		argv = append(argv, "--no-block")
	}
	if c.Args.Bool("force") {
		argv = append(argv, "--force")
	}
	return argv
}

// systemdPrelude prepares the environment systemctl runs with: XDG_RUNTIME_DIR is
// set to the user's runtime directory when missing, as Ansible does.
const systemdPrelude = `[ -n "$XDG_RUNTIME_DIR" ] || { XDG_RUNTIME_DIR=/run/user/$(id -u); export XDG_RUNTIME_DIR; }`

// sysvScript is the init script path of a service name.
func sysvScript(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/etc/init.d/" + name
}

// sysvEnabledCmd is a sh test for a service started in some runlevel.
func sysvEnabledCmd(name string) string {
	n := globWords(name)
	return `if [ -d /etc/rc0.d/ ]; then set -- /etc/rc?.d/S??` + n + `; else set -- /etc/init.d/rc?.d/S??` + n + `; fi; [ -e "$1" ] || [ -L "$1" ]`
}

// systemdState is what one command learned of a unit.
type systemdState struct {
	secs      Sections
	status    map[string]any
	isSystemd bool
	isInitd   bool
	checkRC   bool // systemd could not be asked at all: run systemctl for its error
}

// readSystemd runs daemon-reload/reexec (unless in check mode) and asks
// systemd about the unit in one command.
func readSystemd(ctx context.Context, c *Call, unit string) (Sections, error) {
	sc := shList(systemctlArgv(c))
	s := (&HostScript{}).Line(systemdPrelude)
	s.Section("bin", "command -v systemctl || { echo \"$PATH\"; exit 1; }")
	if c.Args.Bool("daemon_reload") && !c.Check {
		s.Section("reload", sc+" daemon-reload 2>&1 >/dev/null")
	}
	if c.Args.Bool("daemon_reexec") && !c.Check {
		s.Section("reexec", sc+" daemon-reexec 2>&1 >/dev/null")
	}
	if unit != "" {
		u := transport.Quote(unit)
		base, sep, _ := strings.Cut(unit, "@")
		if sep != "" {
			base += "@"
		}
		s.Section("show", sc+" show "+u)
		s.Section("show_err", sc+" show "+u+" 2>&1 >/dev/null")
		s.Section("is_enabled", sc+" is-enabled "+u)
		s.Section("is_enabled_l", sc+" is-enabled "+u+" -l")
		s.Section("list", sc+" list-unit-files "+u)
		s.Section("list_base", sc+" list-unit-files "+transport.Quote(base+"*"))
		s.Section("is_active", sc+" is-active "+u)
		s.Section("initd", "[ -e "+transport.Quote(sysvScript(unit))+" ]")
		s.Section("sysv_enabled", sysvEnabledCmd(unit))
		s.Section("chroot", systemdChrootCmd)
		s.Section("offline", `[ "$SYSTEMD_OFFLINE" = 1 ]`)
	}
	secs, _, err := runHostScript(ctx, c, s, nil)
	return secs, err
}

// systemdChrootCmd exits 0 when the command runs in a chroot, as
// Ansible's is_chroot decides.
const systemdChrootCmd = `if [ -n "$debian_chroot" ]; then exit 0; fi
r=$(stat -c %d:%i / 2>/dev/null); p=$(stat -c %d:%i /proc/1/root/. 2>/dev/null)
if [ -n "$p" ]; then [ "$r" != "$p" ]; exit $?; fi
i=2; case "$(stat -f --format=%T / 2>/dev/null)" in *btrfs*) i=256;; *xfs*) i=128;; esac
[ "$(stat -c %i / 2>/dev/null)" != "$i" ]`

// parseSystemctlShow reads `systemctl show` output; only Exec* values may
// span lines (between braces), as Ansible parses it.
func parseSystemctlShow(out string) map[string]any {
	parsed := map[string]any{}
	var multi []string
	key := ""
	for _, line := range strings.Split(out, "\n") {
		if key == "" {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			if strings.HasPrefix(k, "Exec") && strings.HasPrefix(strings.TrimLeft(v, " \t"), "{") &&
				!strings.HasSuffix(strings.TrimRight(v, " \t"), "}") {
				key, multi = k, []string{v}
				continue
			}
			parsed[k] = strings.TrimSpace(v)
			continue
		}
		multi = append(multi, line)
		if strings.HasSuffix(strings.TrimRight(line, " \t"), "}") {
			parsed[key] = strings.TrimSpace(strings.Join(multi, "\n"))
			multi, key = nil, ""
		}
	}
	return parsed
}

// requestIgnored is systemctl's answer when it ignores a request.
func requestIgnored(out string) bool {
	return !strings.Contains(out, "=") && (strings.Contains(out, "ignoring request") || strings.Contains(out, "ignoring command"))
}

// classify decides, as Ansible does, whether systemd knows the unit.
func (st *systemdState) classify(unit string) *Result {
	s := st.secs
	st.isInitd = s.RC("initd") == 0
	show, showErr := s.Out("show"), s.Out("show_err")
	switch {
	case s.RC("show") == 0 && !requestIgnored(show) && !requestIgnored(showErr):
		if show != "" {
			st.status = parseSystemctlShow(show)
			ls, ok := st.status["LoadState"]
			st.isSystemd = ok && ls != "not-found"
			if _, bad := st.status["LoadError"]; st.isSystemd && ls != "masked" && bad {
				return Failf("Error loading unit file '%s': %v", unit, st.status["LoadError"])
			}
		}
	case showErr != "" && s.RC("show") == 1 && strings.Contains(showErr, "Failed to parse bus message"):
		st.status = parseSystemctlShow(show)
		base, sep, _ := strings.Cut(unit, "@")
		st.isSystemd = strings.Contains(s.Out("list_base"), base+sep)
		st.status["ActiveState"] = strings.TrimRight(s.Out("is_active"), "\n")
	default:
		switch {
		case slices.Contains(systemdEnabledStates, strings.TrimSpace(s.Out("is_enabled"))):
			st.isSystemd = true
		case s.RC("list") == 0:
			st.isSystemd = true
		default:
			st.checkRC = true
		}
	}
	return nil
}

// systemdMissing is Ansible's failure for a unit neither systemd nor
// /etc/init.d knows.
func systemdMissing(unit string) *Result {
	return Failf("Could not find the requested service %s: host", unit)
}

// runSystemd controls a systemd unit with systemctl, as Ansible's systemd
// module does: daemon-reload, mask, enable and state, in that order.
func runSystemd(ctx context.Context, c *Call) (*Result, error) {
	unit := c.Args.Str("name")
	if strings.ContainsAny(unit, "*?[") {
		for _, g := range []string{"*", "?", "["} {
			if strings.Contains(unit, g) {
				return Failf("This module does not currently support using glob patterns, found '%s' in service name: %s", g, unit), nil
			}
		}
	}
	for _, a := range []string{"state", "enabled", "masked"} {
		if c.Args.Has(a) && unit == "" {
			return Failf("missing parameter(s) required by '%s': name", a), nil
		}
	}
	secs, err := readSystemd(ctx, c, unit)
	if err != nil {
		return sysErr(err)
	}
	if secs.RC("bin") != 0 {
		return Failf("Failed to find required executable \"systemctl\" in paths: %s", strings.TrimSpace(secs.Out("bin"))), nil
	}
	for _, op := range []string{"reload", "reexec"} {
		if sec, ok := secs[op]; ok && sec.RC != 0 {
			return Failf("failure %d during daemon-%s: %s", sec.RC, op, sec.Out), nil
		}
	}
	r := &Result{Values: map[string]any{"name": nilIfEmpty(unit), "status": map[string]any{}}}
	if unit == "" {
		return r, nil
	}
	st := &systemdState{secs: secs, status: map[string]any{}}
	if f := st.classify(unit); f != nil {
		return f, nil
	}
	if st.checkRC {
		return systemctlCheck(ctx, c, strings.TrimSpace(secs.Out("bin")))
	}
	r.Values["status"] = st.status
	if st.isInitd && !st.isSystemd {
		r.Warnings = append(r.Warnings, "The service ("+unit+") is actually an init script but the system is managed by systemd")
	}
	return systemdApply(ctx, c, r, st, unit)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// systemctlCheck runs systemctl alone when systemd could not be asked
// about the unit: its failure ("System has not been booted with systemd")
// is the module's, as with Ansible's run_command(check_rc=True).
func systemctlCheck(ctx context.Context, c *Call, bin string) (*Result, error) {
	argv := systemctlArgv(c)
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", systemdPrelude + "\nexec " + shList(argv)}})
	if err != nil {
		return sysErr(err)
	}
	if res.ExitCode == 0 {
		return Failf("Could not find the requested service %s: host", c.Args.Str("name")), nil
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	msg := strings.TrimRight(stderr, " \t\r\n")
	if msg == "" {
		msg = strings.TrimRight(stdout, " \t\r\n")
	}
	argv[0] = bin
	r := Failf("%s", msg).Set("cmd", strings.Join(argv, " ")).Set("rc", res.ExitCode)
	setOutput(r, stdout, stderr)
	return r, nil
}

// systemdApply masks, enables and starts or stops the unit as asked.
func systemdApply(ctx context.Context, c *Call, r *Result, st *systemdState, unit string) (*Result, error) {
	found := st.isSystemd || st.isInitd
	if c.Args.Has("masked") {
		masked := strings.TrimSpace(st.secs.Out("is_enabled")) == "masked"
		if masked != c.Args.Bool("masked") {
			r.Changed = true
			action := "unmask"
			if c.Args.Bool("masked") {
				action = "mask"
			}
			if !c.Check {
				rc, _, _, err := systemctlRun(ctx, c, action, unit)
				if err != nil {
					return sysErr(err)
				}
				if rc != 0 && !found {
					return systemdMissing(unit), nil
				}
			}
		}
	}
	if c.Args.Has("enabled") {
		if res, err := systemdEnable(ctx, c, r, st, unit, found); res != nil || err != nil {
			return res, err
		}
	}
	if c.Args.Has("state") {
		return systemdSetState(ctx, c, r, st, unit, found)
	}
	return r, nil
}

// systemctlRun runs one systemctl verb on the unit.
func systemctlRun(ctx context.Context, c *Call, verb, unit string) (int, string, string, error) {
	line := systemdPrelude + "\nexec " + shList(append(systemctlArgv(c), verb, unit))
	return runArgv(ctx, c, []string{"/bin/sh", "-c", line}, nil)
}

// systemdEnable enables or disables the unit when it is not as asked.
func systemdEnable(ctx context.Context, c *Call, r *Result, st *systemdState, unit string, found bool) (*Result, error) {
	if !found {
		return systemdMissing(unit), nil
	}
	want := c.Args.Bool("enabled")
	enabled := false
	switch st.secs.RC("is_enabled_l") {
	case 0:
		lines := strings.Split(strings.TrimRight(st.secs.Out("is_enabled_l"), "\n"), "\n")
		enabled = !(len(lines) == 1 && (lines[0] == "indirect" || lines[0] == "alias"))
	case 1:
		enabled = c.Args.Str("scope") == "system" && st.isInitd &&
			!strings.HasSuffix(strings.TrimSpace(st.secs.Out("is_enabled_l")), "disabled") && st.secs.RC("sysv_enabled") == 0
	}
	r.Set("enabled", enabled)
	if enabled == want {
		return nil, nil
	}
	r.Changed = true
	action := "disable"
	if want {
		action = "enable"
	}
	if !c.Check {
		rc, out, errOut, err := systemctlRun(ctx, c, action, unit)
		if err != nil {
			return sysErr(err)
		}
		if rc != 0 {
			return Failf("Unable to %s service %s: %s", action, unit, out+errOut), nil
		}
	}
	r.Set("enabled", !enabled)
	return nil, nil
}

// systemdSetState starts, stops, restarts or reloads the unit.
func systemdSetState(ctx context.Context, c *Call, r *Result, st *systemdState, unit string, found bool) (*Result, error) {
	if !found {
		return systemdMissing(unit), nil
	}
	state := c.Args.Str("state")
	r.Set("state", state)
	active, ok := st.status["ActiveState"]
	if !ok {
		if st.secs.RC("chroot") == 0 || st.secs.RC("offline") == 0 {
			r.Warnings = append(r.Warnings, "Target is a chroot or systemd is offline. This can lead to false positives or prevent the init system tools from working.")
			return r, nil
		}
		return Failf("Service is in unknown state").Set("status", st.status), nil
	}
	running := active == "active" || active == "activating"
	action := ""
	switch state {
	case "started":
		if !running {
			action = "start"
		}
	case "stopped":
		if running || active == "deactivating" {
			action = "stop"
		}
	default:
		action = strings.TrimSuffix(state, "ed")
		if !running {
			action = "start"
		}
		r.Set("state", "started")
	}
	if action == "" {
		return r, nil
	}
	r.Changed = true
	if c.Check {
		return r, nil
	}
	rc, _, errOut, err := systemctlRun(ctx, c, action, unit)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		return Failf("Unable to %s service %s: %s", action, unit, errOut), nil
	}
	return r, nil
}
