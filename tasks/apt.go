package tasks

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "apt",
		Args: []Arg{
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "build-dep", "fixed", "latest", "present"}},
			{Name: "update_cache", Aliases: []string{"update-cache"}, Type: Bool},
			{Name: "update_cache_retries", Type: Int, Default: 5},
			{Name: "update_cache_retry_max_delay", Type: Int, Default: 12},
			{Name: "cache_valid_time", Type: Int, Default: 0},
			{Name: "purge", Type: Bool, Default: false},
			{Name: "package", Aliases: []string{"pkg", "name"}, Type: List, Elements: Str},
			{Name: "deb", Type: Path},
			{Name: "default_release", Aliases: []string{"default-release"}, Type: Str},
			{Name: "install_recommends", Aliases: []string{"install-recommends"}, Type: Bool},
			{Name: "force", Type: Bool, Default: false},
			{Name: "upgrade", Type: Str, Default: "no", Choices: []string{"dist", "full", "no", "safe", "yes"}},
			{Name: "dpkg_options", Type: Str, Default: aptDpkgOptions},
			{Name: "autoremove", Type: Bool, Default: false},
			{Name: "autoclean", Type: Bool, Default: false},
			{Name: "fail_on_autoremove", Type: Bool, Default: false},
			{Name: "policy_rc_d", Type: Int},
			{Name: "only_upgrade", Type: Bool, Default: false},
			{Name: "force_apt_get", Type: Bool, Default: false},
			{Name: "clean", Type: Bool, Default: false},
			{Name: "allow_unauthenticated", Aliases: []string{"allow-unauthenticated"}, Type: Bool, Default: false},
			{Name: "allow_downgrade", Aliases: []string{"allow-downgrade", "allow_downgrades", "allow-downgrades"}, Type: Bool, Default: false},
			{Name: "allow_change_held_packages", Type: Bool, Default: false},
			{Name: "lock_timeout", Type: Int, Default: 60},
		},
		MutuallyExclusive: [][]string{{"deb", "package", "upgrade"}},
		RequiredOneOf:     [][]string{{"autoremove", "deb", "package", "update_cache", "upgrade"}},
		Run:               runApt,
	})
}

// aptDpkgOptions are Ansible's default dpkg options.
const aptDpkgOptions = "force-confdef,force-confold"

// aptEnv is the environment apt-get and dpkg run with (Ansible's
// APT_ENV_VARS, with the C.UTF-8 locale).
var aptEnv = map[string]string{"DEBIAN_FRONTEND": "noninteractive", "DEBIAN_PRIORITY": "critical",
	"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LC_MESSAGES": "C.UTF-8", "LC_CTYPE": "C.UTF-8"}

// aptGetZero is apt-get's summary when it did nothing.
const aptGetZero = "\n0 upgraded, 0 newly installed"

// apt is one apt call: its arguments and what the host told.
type apt struct {
	c         *Call
	aptGet    string // apt-get's path
	aptitude  string // aptitude's path, "" when absent
	dpkg      map[string]dpkgPkg
	policy    map[string]*aptPolicy
	auto      []string // requested packages marked automatically installed
	specs     []string // the package specs read
	cacheTime int
}

// expandDpkgOptions is Ansible's expand_dpkg_options.
func expandDpkgOptions(opts string) string {
	var out []string
	for _, o := range strings.Split(opts, ",") {
		out = append(out, `-o "Dpkg::Options::=--`+o+`"`)
	}
	return strings.Join(out, " ")
}

// runApt installs, upgrades or removes packages with apt-get and dpkg, as
// Ansible's apt module does (package state from dpkg-query and apt-cache
// instead of python-apt).
func runApt(ctx context.Context, c *Call) (*Result, error) {
	a := &apt{c: c}
	names := aptNames(c)
	for _, n := range names {
		if strings.Count(n, "=") > 1 {
			return Failf("invalid package spec: %s", n), nil
		}
	}
	if err := a.read(ctx, names); err != nil {
		return sysErr(err)
	}
	if a.aptGet == "" {
		return Failf("Failed to find required executable \"apt-get\""), nil
	}
	p := c.Args
	if p.Bool("clean") {
		out, errOut, res, err := a.clean(ctx)
		if res != nil || err != nil {
			return res, err
		}
		if len(names) == 0 && p.Str("upgrade") == "no" && !p.Has("deb") {
			r := &Result{Changed: true, Msg: out}
			setOutput(r, out, errOut)
			return r, nil
		}
	}
	updated, res, err := a.updateCache(ctx)
	if res != nil || err != nil {
		return res, err
	}
	if (p.Bool("update_cache") || p.Int("cache_valid_time") > 0) && len(names) == 0 && p.Str("upgrade") == "no" && !p.Has("deb") {
		return (&Result{Changed: updated}).Set("cache_updated", updated).Set("cache_update_time", a.cacheTime), nil
	}
	return a.act(ctx, names, updated)
}

// aptNames are the package argument's names, stripped ("*" dropped).
func aptNames(c *Call) []string {
	var out []string
	for _, n := range c.Args.Strings("package") {
		if n != "*" {
			out = append(out, strings.TrimSpace(n))
		}
	}
	return out
}

// act carries out upgrade, deb, the package states and cleanups.
func (a *apt) act(ctx context.Context, names []string, updated bool) (*Result, error) {
	p := a.c.Args
	if up := p.Str("upgrade"); up != "no" {
		return a.upgrade(ctx, up)
	}
	if p.Has("deb") {
		if p.Str("state") != "present" {
			return Failf("deb only supports state=present"), nil
		}
		return a.installDeb(ctx)
	}
	if p.Str("state") == "latest" && slices.Contains(p.Strings("package"), "*") {
		if len(names) > 0 {
			return Failf("unable to install additional packages when upgrading all installed packages"), nil
		}
		return a.upgrade(ctx, "yes")
	}
	if len(names) == 0 {
		if p.Bool("autoclean") {
			return a.cleanup(ctx, "autoclean")
		}
		if p.Bool("autoremove") {
			return a.cleanup(ctx, "autoremove")
		}
	}
	if p.Str("state") == "absent" {
		return a.remove(ctx, names)
	}
	r, err := a.install(ctx, names, p.Str("state"))
	if r != nil && !r.Failed {
		r.Set("cache_updated", updated).Set("cache_update_time", a.cacheTime)
	}
	return r, err
}

// read asks the host, in one command, for apt-get's path, the packages'
// dpkg and apt-cache state, their auto marks and the cache's age.
func (a *apt) read(ctx context.Context, specs []string) error {
	a.specs = specs
	var names []string
	for _, s := range specs {
		n, _, _ := aptSplitSpec(s)
		names = append(names, n)
	}
	s := &HostScript{}
	s.Section("apt_get", "command -v apt-get")
	s.Section("aptitude", "command -v aptitude")
	s.Section("stamp", "stat -c %Y /var/lib/apt/periodic/update-success-stamp || stat -c %Y /var/lib/apt/lists")
	if len(names) > 0 {
		list := shList(names)
		s.Section("dpkg", "dpkg-query -W -f='"+dpkgQueryFormat+"' -- "+list)
		rel := ""
		if r := a.c.Args.Str("default_release"); r != "" {
			rel = "-o " + transport.Quote("APT::Default-Release="+r) + " "
		}
		s.Section("policy", "apt-cache "+rel+"policy -- "+list)
		s.Section("auto", "apt-mark showauto -- "+list)
	}
	secs, _, err := runHostScript(ctx, a.c, s, aptEnv)
	if err != nil {
		return err
	}
	a.aptGet = strings.TrimSpace(secs.Out("apt_get"))
	a.aptitude = strings.TrimSpace(secs.Out("aptitude"))
	a.cacheTime, _ = strconv.Atoi(strings.TrimSpace(firstLine(secs.Out("stamp"))))
	a.dpkg = parseDpkgQuery(secs.Out("dpkg"))
	a.policy = parseAptPolicy(secs.Out("policy"))
	a.auto = strings.Fields(secs.Out("auto"))
	return nil
}

// updateCache runs apt-get update (with retries) when asked and the cache
// is older than cache_valid_time; it reports whether the cache changed.
func (a *apt) updateCache(ctx context.Context) (bool, *Result, error) {
	p := a.c.Args
	if !p.Bool("update_cache") && p.Int("cache_valid_time") == 0 {
		return false, nil, nil
	}
	if time.Unix(int64(a.cacheTime), 0).Add(time.Duration(p.Int("cache_valid_time")) * time.Second).After(time.Now()) {
		return false, nil, nil
	}
	if a.c.Check {
		return true, nil, nil
	}
	jitter := time.Duration(rand.Intn(1000)) * time.Millisecond
	errText := ""
	for retry := 0; retry < p.Int("update_cache_retries"); retry++ {
		rc, out, errOut, err := runArgv(ctx, a.c, []string{a.aptGet, "update", "-q", "-o", fmt.Sprintf("DPkg::Lock::Timeout=%d", p.Int("lock_timeout"))}, aptEnv)
		if err != nil {
			return false, nil, err
		}
		if rc == 0 && !strings.Contains(out+errOut, "\nE: ") && !strings.HasPrefix(errOut, "E: ") {
			before := a.cacheTime
			if err := a.read(ctx, a.specs); err != nil {
				return false, nil, err
			}
			return a.cacheTime != before, nil, nil
		}
		errText = strings.TrimSpace(errOut)
		delay := time.Duration(1<<retry)*time.Second + jitter
		if max := time.Duration(p.Int("update_cache_retry_max_delay")) * time.Second; delay > max {
			delay = max + jitter
		}
		if err := sleepCtx(ctx, delay); err != nil {
			return false, nil, err
		}
	}
	if errText == "" {
		errText = "unknown reason"
	}
	return false, Failf("Failed to update apt cache: %s", errText), nil
}

// pkgStatus is Ansible's package_status: installed, the installed version
// matches, the version that would be installed ("" none, "*" let apt
// choose) and whether files are left.
type pkgStatus struct {
	installed, versionOK bool
	installable          string
	hasFiles             bool
}

// status computes package_status from dpkg and apt-cache's answers. A
// non-empty string is Ansible's failure message.
func (a *apt) status(ctx context.Context, name, cmp, version string, install bool) (pkgStatus, string, error) {
	pol, known := a.policy[name]
	if !known || len(pol.Versions) == 0 && pol.Installed == "" {
		if !install {
			return pkgStatus{}, "", nil
		}
		return a.virtualStatus(ctx, name, cmp, version)
	}
	d := a.dpkg[name]
	st := pkgStatus{installed: d.Installed(), hasFiles: d.HasFiles()}
	best := pol.Candidate
	if cmp == "=" {
		best = ""
		for _, v := range pol.Versions {
			if fnmatch(v, version) {
				best = v
				break
			}
		}
	}
	if !st.installed {
		st.installable = best
		return st, "", nil
	}
	cur := d.Version
	switch cmp {
	case "=":
		st.versionOK = fnmatch(cur, version)
		if best != "" && cur != best && fnmatch(best, version) {
			st.installable = best
		}
	case ">=":
		st.versionOK = debVersionCompare(cur, version) >= 0
		if best != "" && cur != best && debVersionCompare(best, version) >= 0 {
			st.installable = best
		}
	default:
		st.versionOK = true
		if best != "" && cur != best {
			st.installable = best
		}
	}
	return st, "", nil
}

// virtualStatus handles a name apt has no versions of: a virtual package
// provided by one installed package counts as that package; otherwise apt
// decides what provides it.
func (a *apt) virtualStatus(ctx context.Context, name, cmp, version string) (pkgStatus, string, error) {
	rc, out, _, err := runArgv(ctx, a.c, []string{"apt-cache", "showpkg", "--", name}, aptEnv)
	if err != nil {
		return pkgStatus{}, "", err
	}
	providers := aptReverseProvides(out)
	if rc != 0 || len(providers) == 0 {
		return pkgStatus{}, fmt.Sprintf("No package matching '%s' is available", name), nil
	}
	if len(providers) == 1 {
		sub := &apt{c: a.c}
		if err := sub.read(ctx, providers); err != nil {
			return pkgStatus{}, "", err
		}
		st, _, err := sub.status(ctx, providers[0], cmp, version, true)
		if err != nil || st.installed {
			return st, "", err
		}
	}
	return pkgStatus{installable: "*"}, "", nil
}

// aptFlags are the optional flags of apt-get install/remove commands.
func aptFlag(on bool, flag string) string {
	if on {
		return flag
	}
	return ""
}

// install is Ansible's install(): the packages not installed (or not at
// the wanted version, or upgradable with latest) go to apt-get install.
func (a *apt) install(ctx context.Context, specs []string, state string) (*Result, error) {
	p := a.c.Args
	upgrade, onlyUpgrade := state == "latest", p.Bool("only_upgrade")
	var list, names []string
	for _, spec := range specs {
		if state == "build-dep" {
			list = append(list, "'"+spec+"'")
			continue
		}
		name, cmp, version := aptSplitSpec(spec)
		names = append(names, name)
		st, fail, err := a.status(ctx, name, cmp, version, true)
		if err != nil {
			return sysErr(err)
		}
		if fail != "" {
			return Failf("%s", fail), nil
		}
		if !st.installed && onlyUpgrade {
			continue
		}
		if !st.versionOK && st.installable == "" {
			return Failf("no available installation candidate for %s", spec), nil
		}
		switch {
		case st.installable != "" && ((!st.installed && !onlyUpgrade) || upgrade || !st.versionOK):
			switch {
			case st.installable != "*":
				list = append(list, "'"+name+"="+st.installable+"'")
			case version != "":
				list = append(list, "'"+name+"="+version+"'")
			default:
				list = append(list, "'"+name+"'")
			}
		case st.versionOK && st.installable != "" && cmp == "=":
			list = append(list, "'"+name+"="+version+"'")
		}
	}
	r := OK()
	if len(list) > 0 {
		res, err := a.runInstall(ctx, list, state)
		if res == nil || err != nil || res.Failed {
			return res, err
		}
		r = res
	}
	if state != "build-dep" && !a.c.Check {
		if res, err := a.markManual(ctx, names); res != nil || err != nil {
			return res, err
		}
	}
	return r, nil
}

// runInstall runs apt-get install (or build-dep) for the quoted specs.
func (a *apt) runInstall(ctx context.Context, list []string, state string) (*Result, error) {
	p := a.c.Args
	force := aptFlag(p.Bool("force"), "--force-yes")
	check := aptFlag(a.c.Check, "--simulate")
	only := aptFlag(p.Bool("only_upgrade"), "--only-upgrade")
	fixed := aptFlag(state == "fixed", "--fix-broken")
	noRemove := aptFlag(p.Bool("fail_on_autoremove"), "--no-remove")
	opts := expandDpkgOptions(p.Str("dpkg_options"))
	var cmd string
	if state == "build-dep" {
		cmd = fmt.Sprintf("%s -y %s %s %s %s %s %s build-dep %s", a.aptGet, opts, only, fixed, force, noRemove, check, strings.Join(list, " "))
	} else {
		cmd = fmt.Sprintf("%s -y %s %s %s %s %s %s %s install %s", a.aptGet, opts, only, fixed, force,
			aptFlag(p.Bool("autoremove"), "--auto-remove"), noRemove, check, strings.Join(list, " "))
	}
	cmd += a.installOptions()
	rc, out, errOut, err := a.runPolicy(ctx, cmd)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		r := Failf("'%s' failed: %s", cmd, errOut).Set("rc", rc)
		setOutput(r, out, errOut)
		return r, nil
	}
	r := &Result{Changed: state != "build-dep" || !strings.Contains(out, aptGetZero)}
	setOutput(r, out, errOut)
	return r.Set("diff", a.diff(out)), nil
}

// installOptions are the flags Ansible appends to an install command.
func (a *apt) installOptions() string {
	p := a.c.Args
	s := ""
	if r := p.Str("default_release"); r != "" {
		s += " -t '" + r + "'"
	}
	if p.Has("install_recommends") {
		if p.Bool("install_recommends") {
			s += " -o APT::Install-Recommends=yes"
		} else {
			s += " -o APT::Install-Recommends=no"
		}
	}
	if p.Bool("allow_unauthenticated") {
		s += " --allow-unauthenticated"
	}
	if p.Bool("allow_downgrade") {
		s += " --allow-downgrades"
	}
	if p.Bool("allow_change_held_packages") {
		s += " --allow-change-held-packages"
	}
	return s
}

// diff is parse_diff of apt's output with --diff, else {}.
func (a *apt) diff(out string) map[string]any {
	if !a.c.Diff {
		return map[string]any{}
	}
	return aptParseDiff(out)
}

// aptParseDiff is Ansible's parse_diff: apt's output between "Reading
// state information..." and the "N upgraded" summary.
func aptParseDiff(out string) map[string]any {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	start := -1
	for i, l := range lines {
		if l == "Resolving dependencies..." {
			start = i
			break
		}
	}
	if start < 0 {
		for i, l := range lines {
			if l == "Reading state information..." {
				start = i
				break
			}
		}
	}
	end := len(lines)
	re := regexp.MustCompile(`^[0-9]+ (packages )?upgraded`)
	for i, l := range lines {
		if re.MatchString(l) {
			end = i
			break
		}
	}
	start++
	end++
	if end > len(lines) {
		end = len(lines)
	}
	if start > end {
		start = end
	}
	return map[string]any{"prepared": strings.Join(lines[start:end], "\n")}
}

// runPolicy runs an apt-get/dpkg command line (split as shlex), with
// /usr/sbin/policy-rc.d answering policy_rc_d while it runs when asked,
// and apt's lock waited for up to lock_timeout.
func (a *apt) runPolicy(ctx context.Context, cmd string) (int, string, string, error) {
	argv, err := shlex.Python(cmd, false)
	if err != nil {
		return 1, "", err.Error(), nil
	}
	if len(argv) > 0 && strings.HasSuffix(argv[0], "apt-get") {
		argv = append(argv[:1], append([]string{"-o", fmt.Sprintf("DPkg::Lock::Timeout=%d", a.c.Args.Int("lock_timeout"))}, argv[1:]...)...)
	}
	if !a.c.Args.Has("policy_rc_d") {
		return a.runLocked(ctx, argv)
	}
	script := fmt.Sprintf(`p=/usr/sbin/policy-rc.d; b=
if [ -e $p ]; then b=$(mktemp -d) && mv $p "$b/" || { echo "Fail to move $p to $b" >&2; exit 1; }; fi
printf '#!/bin/sh\nexit %d\n' > $p && chmod 0755 $p
"$@"; r=$?
if [ -n "$b" ]; then mv "$b/policy-rc.d" $p && rmdir "$b"; else rm -f $p; fi
exit $r`, a.c.Args.Int("policy_rc_d"))
	return a.runLocked(ctx, append([]string{"/bin/sh", "-c", script, "sh"}, argv...))
}

// dpkgLocked matches dpkg's refusals while another process holds its lock.
var dpkgLocked = regexp.MustCompile(`dpkg (frontend lock|status database) (was|is) locked by another process`)

// runLocked runs argv; when dpkg finds its lock taken it is run again
// (every second, up to lock_timeout), as apt-get waits for the lock.
func (a *apt) runLocked(ctx context.Context, argv []string) (int, string, string, error) {
	deadline := time.Now().Add(time.Duration(a.c.Args.Int("lock_timeout")) * time.Second)
	for {
		rc, out, errOut, err := runArgv(ctx, a.c, argv, aptEnv)
		if err != nil || rc == 0 || !dpkgLocked.MatchString(errOut) || time.Now().After(deadline) {
			return rc, out, errOut, err
		}
		if err := sleepCtx(ctx, time.Second); err != nil {
			return rc, out, errOut, err
		}
	}
}

// markManual marks requested packages apt considers automatically
// installed as manually installed (apt-mark manual), as Ansible does after
// an install.
func (a *apt) markManual(ctx context.Context, names []string) (*Result, error) {
	var auto []string
	for _, n := range names {
		if slices.Contains(a.auto, n) {
			auto = append(auto, n)
		}
	}
	if len(auto) == 0 {
		return nil, nil
	}
	argv := append([]string{"apt-mark", "manual"}, auto...)
	rc, out, errOut, err := runArgv(ctx, a.c, argv, aptEnv)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		r := Failf("'%s' failed: %s", strings.Join(argv, " "), errOut).Set("rc", rc)
		setOutput(r, out, errOut)
		return r, nil
	}
	return nil, nil
}

// remove is Ansible's remove(): installed packages (or, with purge, ones
// with files left) go to apt-get remove.
func (a *apt) remove(ctx context.Context, specs []string) (*Result, error) {
	p := a.c.Args
	var list []string
	for _, spec := range specs {
		name, cmp, version := aptSplitSpec(spec)
		st, _, err := a.status(ctx, name, cmp, version, false)
		if err != nil {
			return sysErr(err)
		}
		if st.versionOK || (st.hasFiles && p.Bool("purge")) {
			list = append(list, "'"+spec+"'")
		}
	}
	if len(list) == 0 {
		return OK(), nil
	}
	packages := strings.Join(list, " ")
	cmd := fmt.Sprintf("%s -q -y %s %s %s %s %s remove %s", a.aptGet, expandDpkgOptions(p.Str("dpkg_options")),
		aptFlag(p.Bool("purge"), "--purge"), aptFlag(p.Bool("force"), "--force-yes"),
		aptFlag(p.Bool("autoremove"), "--auto-remove"), aptFlag(a.c.Check, "--simulate"), packages)
	rc, out, errOut, err := a.runPolicy(ctx, cmd)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		r := Failf("'apt-get remove %s' failed: %s", packages, errOut).Set("rc", rc)
		setOutput(r, out, errOut)
		return r, nil
	}
	r := Changed()
	setOutput(r, out, errOut)
	return r.Set("diff", a.diff(out)), nil
}

// cleanup runs apt-get autoremove or autoclean.
func (a *apt) cleanup(ctx context.Context, op string) (*Result, error) {
	p := a.c.Args
	cmd := fmt.Sprintf("%s -y %s %s %s %s %s", a.aptGet, expandDpkgOptions(p.Str("dpkg_options")),
		aptFlag(p.Bool("purge"), "--purge"), aptFlag(p.Bool("force"), "--force-yes"), op, aptFlag(a.c.Check, "--simulate"))
	rc, out, errOut, err := a.runPolicy(ctx, cmd)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		r := Failf("'apt-get %s' failed: %s", op, errOut).Set("rc", rc)
		setOutput(r, out, errOut)
		return r, nil
	}
	marker := map[string]string{"autoremove": "The following packages will be REMOVED", "autoclean": "Del "}[op]
	r := &Result{Changed: strings.Contains(out, marker)}
	setOutput(r, out, errOut)
	return r.Set("diff", a.diff(out)), nil
}

// clean runs apt-get clean.
func (a *apt) clean(ctx context.Context) (string, string, *Result, error) {
	rc, out, errOut, err := runArgv(ctx, a.c, []string{"apt-get", "clean"}, aptEnv)
	if err != nil {
		r, err := sysErr(err)
		return "", "", r, err
	}
	if rc != 0 {
		return "", "", Failf("apt-get clean failed").Set("stdout", out).Set("rc", rc), nil
	}
	if errOut != "" {
		return "", "", Failf("apt-get clean failed: %s", errOut).Set("stdout", out).Set("rc", rc), nil
	}
	return out, errOut, nil, nil
}

// upgrade runs a system upgrade (aptitude unless force_apt_get or absent).
func (a *apt) upgrade(ctx context.Context, mode string) (*Result, error) {
	p := a.c.Args
	useAptGet := p.Bool("force_apt_get") || a.aptitude == ""
	autoremove := aptFlag(p.Bool("autoremove"), "--auto-remove")
	tool, sub, name := a.aptGet, "upgrade --with-new-pkgs "+autoremove, "apt-get"
	switch {
	case mode == "dist" || mode == "full" && useAptGet:
		sub = "dist-upgrade " + autoremove
	case mode == "full":
		tool, sub, name = a.aptitude, "full-upgrade", "aptitude"
	case !useAptGet:
		tool, sub, name = a.aptitude, "safe-upgrade", "aptitude"
	}
	force := ""
	if p.Bool("force") {
		force = "--force-yes"
		if name == "aptitude" {
			force = "--assume-yes --allow-untrusted"
		}
	}
	cmd := fmt.Sprintf("%s -y %s %s %s %s %s %s %s", tool, expandDpkgOptions(p.Str("dpkg_options")), force,
		aptFlag(p.Bool("fail_on_autoremove"), "--no-remove"), aptFlag(p.Bool("allow_unauthenticated"), "--allow-unauthenticated"),
		aptFlag(p.Bool("allow_downgrade"), "--allow-downgrades"), aptFlag(a.c.Check, "--simulate"), sub)
	if r := p.Str("default_release"); r != "" {
		cmd += " -t '" + r + "'"
	}
	rc, out, errOut, err := a.runPolicy(ctx, cmd)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		r := Failf("'%s %s' failed: %s", name, sub, errOut).Set("rc", rc)
		return r.Set("stdout", out).Set("stdout_lines", Lines(out)), nil
	}
	zero := aptGetZero
	if name == "aptitude" {
		zero = "No packages will be installed, upgraded, or removed."
	}
	r := &Result{Changed: !strings.Contains(out, zero), Msg: out}
	setOutput(r, out, errOut)
	if r.Changed {
		r.Set("diff", a.diff(out))
	}
	return r, nil
}
