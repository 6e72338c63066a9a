package tasks

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// debInfo is what a .deb file declares.
type debInfo struct {
	file                       string
	name, version, arch        string
	depends, preDepends        string
	installed                  dpkgPkg
	installedOK, sameInstalled bool
}

// installDeb installs .deb files with dpkg -i after installing the
// dependencies they miss through apt, as Ansible's install_deb does.
func (a *apt) installDeb(ctx context.Context) (*Result, error) {
	files, cleanup, res, err := a.debFiles(ctx)
	defer cleanup()
	if res != nil || err != nil {
		return res, err
	}
	debs, installed, native, res, err := a.readDebs(ctx, files)
	if res != nil || err != nil {
		return res, err
	}
	var deps, toInstall []string
	for _, d := range debs {
		if d.sameInstalled {
			continue
		}
		missing, fail := debCheck(ctx, d, installed, native, a)
		if fail != "" && !(a.c.Args.Bool("force") || strings.Contains(fail, "later version") && a.c.Args.Bool("allow_downgrade")) {
			return Failf("%s", fail), nil
		}
		for _, m := range missing {
			if !containsStr(deps, m) {
				deps = append(deps, m)
			}
		}
		toInstall = append(toInstall, d.file)
	}
	return a.debInstall(ctx, deps, toInstall)
}

// debFiles are the deb argument's files; URLs are downloaded (from the
// host) to temporary files removed afterwards.
func (a *apt) debFiles(ctx context.Context) ([]string, func(), *Result, error) {
	var files, temps []string
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, t := range temps {
			_ = a.c.Conn.Remove(cctx, t)
		}
	}
	for _, f := range strings.Split(a.c.Args.Str("deb"), ",") {
		if !strings.Contains(f, "://") {
			files = append(files, f)
			continue
		}
		u, _ := url.Parse(f)
		name := "/tmp/" + randomHex() + "-" + path.Base(u.Path)
		resp, err := DoHTTP(ctx, a.c, &HTTPRequest{Method: "GET", URL: f, Timeout: 10 * time.Second, ValidateCerts: true,
			UseProxy: true, Agent: "ansible-httpget", Decompress: true, UseNetrc: true})
		if err != nil {
			return nil, cleanup, nil, err
		}
		if resp.Status != 200 {
			return nil, cleanup, Failf("Failure downloading %s, %s", f, toStrOr(resp.Info["msg"])), nil
		}
		err = a.c.Conn.Put(ctx, name, resp.Body, transport.PutOptions{Mode: 0o600})
		resp.Close()
		if err != nil {
			r, err := sysErr(err)
			return nil, cleanup, r, err
		}
		temps = append(temps, name)
		files = append(files, name)
	}
	return files, cleanup, nil, nil
}

// readDebs reads each file's control fields, the installed packages and
// the architectures dpkg accepts, in one command.
func (a *apt) readDebs(ctx context.Context, files []string) ([]*debInfo, map[string][]dpkgProvided, []string, *Result, error) {
	s := &HostScript{}
	for i, f := range files {
		s.Section(fmt.Sprintf("deb%d", i), "dpkg-deb -f "+transport.Quote(f)+" Package Version Architecture Depends Pre-Depends 2>&1")
	}
	s.Section("installed", `dpkg-query -W -f='${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\t${Provides}\n'`)
	s.Section("arch", "dpkg --print-architecture; dpkg --print-foreign-architectures")
	secs, _, err := runHostScript(ctx, a.c, s, aptEnv)
	if err != nil {
		r, err := sysErr(err)
		return nil, nil, nil, r, err
	}
	installed := parseDpkgProvided(secs.Out("installed"))
	native := strings.Fields(secs.Out("arch"))
	var debs []*debInfo
	for i, f := range files {
		sec := secs[fmt.Sprintf("deb%d", i)]
		if sec.RC != 0 {
			return nil, nil, nil, Failf("Unable to install package: %s", strings.TrimSpace(sec.Out)), nil
		}
		fields := debFields(sec.Out)
		d := &debInfo{file: f, name: fields["Package"], version: fields["Version"], arch: fields["Architecture"],
			depends: fields["Depends"], preDepends: fields["Pre-Depends"]}
		for _, p := range installed[d.name] {
			if p.pkg.Installed() && (len(native) < 2 || p.pkg.Arch == d.arch || d.arch == "all" || p.pkg.Arch == "all") {
				d.installed, d.installedOK = p.pkg, true
				d.sameInstalled = debVersionCompare(p.pkg.Version, d.version) == 0
			}
		}
		debs = append(debs, d)
	}
	return debs, installed, native, nil, nil
}

// debFields reads "Field: value" lines (with continuation lines).
func debFields(out string) map[string]string {
	m := map[string]string{}
	last := ""
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && last != "" {
			m[last] += " " + strings.TrimSpace(l)
			continue
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			last = k
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// dpkgProvided is an installed package or one it provides (name with a
// version, "" for an unversioned Provides).
type dpkgProvided struct {
	pkg     dpkgPkg
	version string
}

// parseDpkgProvided reads dpkg-query's list with Provides, by name.
func parseDpkgProvided(out string) map[string][]dpkgProvided {
	m := map[string][]dpkgProvided{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 5 {
			continue
		}
		p := dpkgPkg{Name: f[0], Arch: f[1], Status: f[2], Version: f[3]}
		m[p.Name] = append(m[p.Name], dpkgProvided{pkg: p, version: p.Version})
		for _, prov := range strings.Split(f[4], ",") {
			name, _, ver := debRelation(prov)
			if name != "" {
				m[name] = append(m[name], dpkgProvided{pkg: p, version: ver})
			}
		}
	}
	return m
}

// debRelation splits "name (>= 1.0)" or "name:any" into name, operator
// and version.
func debRelation(s string) (string, string, string) {
	s = strings.TrimSpace(s)
	name, rest, _ := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), ")"))
	for _, op := range []string{"<<", ">>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			return name, op, strings.TrimSpace(rest[len(op):])
		}
	}
	return name, "", ""
}

// debSatisfies tells whether version v meets "op want".
func debSatisfies(v, op, want string) bool {
	if op == "" {
		return true
	}
	if v == "" {
		return false
	}
	c := debVersionCompare(v, want)
	switch op {
	case "<<", "<":
		return c < 0
	case "<=":
		return c <= 0
	case "=":
		return c == 0
	case ">=":
		return c >= 0
	case ">>", ">":
		return c > 0
	}
	return false
}

// debCheck is python-apt's DebPackage.check as far as Ansible relies on
// it: the architecture, a later version installed, and the dependencies
// no installed package satisfies (returned, first installable alternative
// of each). The string is the failure.
func debCheck(ctx context.Context, d *debInfo, installed map[string][]dpkgProvided, arches []string, a *apt) ([]string, string) {
	if d.arch != "all" && !containsStr(arches, d.arch) {
		return nil, fmt.Sprintf("Wrong architecture '%s'", d.arch)
	}
	if d.installedOK && debVersionCompare(d.installed.Version, d.version) > 0 {
		return nil, "A later version is already installed"
	}
	var missing []string
	for _, group := range strings.Split(strings.Join(nonEmpty(d.preDepends, d.depends), ","), ",") {
		if strings.TrimSpace(group) == "" || debGroupInstalled(group, installed) {
			continue
		}
		pick := ""
		for _, alt := range strings.Split(group, "|") {
			name, _, _ := debRelation(alt)
			if a.hasCandidate(ctx, name) {
				pick = name
				break
			}
		}
		if pick == "" {
			return nil, "Dependency is not satisfiable: " + strings.TrimSpace(group)
		}
		missing = append(missing, pick)
	}
	return missing, ""
}

func nonEmpty(l ...string) []string {
	var out []string
	for _, s := range l {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// debGroupInstalled tells whether an installed package satisfies one
// alternative of a dependency group.
func debGroupInstalled(group string, installed map[string][]dpkgProvided) bool {
	for _, alt := range strings.Split(group, "|") {
		name, op, ver := debRelation(alt)
		for _, p := range installed[name] {
			if p.pkg.Installed() && debSatisfies(p.version, op, ver) {
				return true
			}
		}
	}
	return false
}

// hasCandidate asks apt-cache (once per name) whether name can be
// installed.
func (a *apt) hasCandidate(ctx context.Context, name string) bool {
	if a.policy == nil {
		a.policy = map[string]*aptPolicy{}
	}
	if p, ok := a.policy[name]; ok {
		return p.Candidate != ""
	}
	rc, out, _, err := runArgv(ctx, a.c, []string{"apt-cache", "policy", "--", name}, aptEnv)
	if err != nil || rc != 0 {
		return false
	}
	for k, v := range parseAptPolicy(out) {
		a.policy[k] = v
	}
	p, ok := a.policy[name]
	return ok && p.Candidate != ""
}

// debInstall installs the missing dependencies through apt, then the
// files with dpkg -i.
func (a *apt) debInstall(ctx context.Context, deps, files []string) (*Result, error) {
	p := a.c.Args
	var ret *Result
	changed := false
	if len(deps) > 0 {
		if err := a.read(ctx, deps); err != nil {
			return sysErr(err)
		}
		r, err := a.install(ctx, deps, "present")
		if err != nil || r.Failed {
			return r, err
		}
		ret, changed = r, r.Changed
	}
	stdout, stderr := "", ""
	diff := map[string]any{}
	if ret != nil {
		stdout, stderr = toStrOr(ret.Values["stdout"]), toStrOr(ret.Values["stderr"])
		if d, ok := ret.Values["diff"].(map[string]any); ok {
			diff = d
		}
	}
	if len(files) == 0 {
		r := &Result{Changed: changed}
		setOutput(r, stdout, stderr)
		if ret == nil || ret.Values["diff"] == nil {
			return r.Set("diff", ""), nil
		}
		return r.Set("diff", diff), nil
	}
	var opts []string
	for _, o := range strings.Split(p.Str("dpkg_options"), ",") {
		opts = append(opts, "--"+o)
	}
	options := strings.Join(opts, " ")
	if a.c.Check {
		options += " --simulate"
	}
	if p.Bool("force") {
		options += " --force-all"
	}
	cmd := fmt.Sprintf("dpkg %s -i %s", options, strings.Join(files, " "))
	rc, out, errOut, err := a.runPolicy(ctx, cmd)
	if err != nil {
		return sysErr(err)
	}
	if _, ok := diff["prepared"]; ok {
		diff["prepared"] = toStrOr(diff["prepared"]) + "\n\n" + out
	} else if ret == nil {
		diff = aptParseDiff(out)
	}
	if rc != 0 {
		r := Failf("%s failed", cmd)
		setOutput(r, stdout+out, stderr+errOut)
		return r, nil
	}
	r := Changed()
	setOutput(r, stdout+out, stderr+errOut)
	return r.Set("diff", diff), nil
}
