package tasks

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "setup",
		Args: []Arg{
			{Name: "gather_subset", Type: List, Default: []any{"all"}},
			{Name: "gather_timeout", Type: Int, Default: 10},
			{Name: "filter", Type: List, Default: []any{}},
			{Name: "fact_path", Type: Path, Default: "/etc/ansible/facts.d"},
		},
		Facts:   HostFacts,
		NoFiles: true,
		Run:     runSetup,
	})
}

// runSetup gathers the facts of the collectors gather_subset selects with
// one command on the host, then keeps those filter matches; Python
// interpreter discovery, which Ansible's setup (a Python module) reports
// the first time, is added unfiltered.
func runSetup(ctx context.Context, c *Call) (*Result, error) {
	collectors, err := selectedCollectors(c.Args.Strings("gather_subset"))
	if err != nil {
		return Failf("%s", err), nil
	}
	_, d, err := PythonInterpreter(ctx, c, c.InterpreterPython)
	if err != nil {
		return nil, err
	}
	script := factScriptFor(collectors)
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script, "sh", hostPath(c.Conn, c.Args.Str("fact_path"))}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 && len(res.Stdout) == 0 {
		return Failf("gathering facts failed (rc %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr))), nil
	}
	facts, warns := collectFacts(string(res.Stdout), collectors)
	facts["gather_subset"] = c.Args.List("gather_subset")
	facts["module_setup"] = true
	r := &Result{Facts: filterFacts(facts, c.Args.Strings("filter")), Warnings: warns}
	return r.ReportDiscovery(d), nil
}

// filterFacts keeps the facts whose name, or name without its ansible_
// prefix, matches one of the shell patterns, as Ansible's setup does; no
// pattern, "*" or an empty one keeps all.
func filterFacts(facts map[string]any, filters []string) map[string]any {
	if len(filters) == 0 || slices.Contains(filters, "") || slices.Contains(filters, "*") {
		return facts
	}
	out := map[string]any{}
	for k, v := range facts {
		for _, f := range filters {
			prefixed := !strings.HasPrefix(f, "ansible_") && !strings.HasPrefix(f, "facter") && !strings.HasPrefix(f, "ohai")
			if fnMatch(k, f) || prefixed && fnMatch(k, "ansible_"+f) {
				out[k] = v
			}
		}
	}
	return out
}

// rawFacts is the script's output split into values and sections.
type rawFacts struct {
	kv       map[string][]string
	sections map[string][]string
}

func (r rawFacts) one(k string) string {
	if v := r.kv[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseFactOutput splits the fact script's output into key=value lines and
// "@@name" sections.
func parseFactOutput(out string) rawFacts {
	r := rawFacts{kv: map[string][]string{}, sections: map[string][]string{}}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if kv, ok := strings.CutPrefix(line, "@="); ok {
			k, v, _ := strings.Cut(kv, "=")
			r.kv[k] = append(r.kv[k], v)
			continue
		}
		if name, ok := strings.CutPrefix(line, "@@"); ok {
			section = name
			if _, seen := r.sections[name]; !seen {
				r.sections[name] = nil // a section without lines was still printed
			}
			continue
		}
		if section != "" {
			r.sections[section] = append(r.sections[section], line)
		}
	}
	return r
}

// collectFacts turns the fact script's output into the collectors' facts
// (ansible_hostname, ansible_distribution, ..., ansible_local) and the
// warnings about local facts that could not be read.
func collectFacts(out string, collectors []*factCollector) (map[string]any, []string) {
	r := parseFactOutput(out)
	f := map[string]any{}
	for _, c := range collectors {
		c.fill(r, f)
	}
	lines, gathered := r.sections["local"]
	if !gathered {
		return f, nil
	}
	local, warns := localFacts(parseLocalFacts(lines))
	f["ansible_local"] = local
	return f, warns
}

func platformFacts(r rawFacts, f map[string]any) {
	node := r.one("nodename")
	short, _, _ := strings.Cut(node, ".")
	f["ansible_nodename"] = node
	f["ansible_hostname"] = short
	fqdn := fqdnOf(node, r.one("fqdn_rev"), r.one("fqdn_fwd"))
	f["ansible_fqdn"] = fqdn
	_, domain, _ := strings.Cut(fqdn, ".")
	f["ansible_domain"] = domain
	f["ansible_kernel"] = r.one("kernel")
	f["ansible_kernel_version"] = r.one("kernel_version")
	f["ansible_system"] = r.one("system")
	f["ansible_machine"] = r.one("machine")
	arch := r.one("machine")
	if len(arch) == 4 && arch[0] == 'i' && strings.HasSuffix(arch, "86") {
		arch = "i386"
	}
	f["ansible_architecture"] = arch
	f["ansible_userspace_bits"] = r.one("bits")
	if r.one("bits") == "32" && arch == "x86_64" {
		arch = "i386"
	}
	f["ansible_userspace_architecture"] = arch
	if id := strings.TrimSpace(r.one("machine_id")); id != "" {
		f["ansible_machine_id"] = id
	}
	if v := pythonVersion(r); v != nil {
		f["ansible_python_version"] = fmt.Sprintf("%d.%d.%d", v.nums[0], v.nums[1], v.nums[2])
	}
}

// fqdnOf follows Python's socket.getfqdn: the reverse lookup of the host's
// address, first name with a dot, else the canonical name.
func fqdnOf(node, rev, fwd string) string {
	line := rev
	if line == "" {
		line = fwd
	}
	names := strings.Fields(line)
	if len(names) < 2 {
		return node
	}
	for _, n := range names[1:] {
		if strings.Contains(n, ".") {
			return n
		}
	}
	return names[1]
}

// osRelease parses /etc/os-release.
func osRelease(lines []string) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			out[k] = strings.Trim(v, `"'`)
		}
	}
	return out
}

var distNames = map[string]string{"debian": "Debian", "ubuntu": "Ubuntu", "centos": "CentOS", "rhel": "RedHat",
	"fedora": "Fedora", "rocky": "Rocky", "almalinux": "AlmaLinux", "alpine": "Alpine", "arch": "Archlinux",
	"opensuse-leap": "openSUSE Leap", "opensuse-tumbleweed": "openSUSE Tumbleweed", "sles": "SLES",
	"amzn": "Amazon", "ol": "OracleLinux", "linuxmint": "Linux Mint", "gentoo": "Gentoo", "raspbian": "Debian"}

var osFamilies = map[string]string{"Debian": "Debian", "Ubuntu": "Debian", "Linux Mint": "Debian",
	"CentOS": "RedHat", "RedHat": "RedHat", "Fedora": "RedHat", "Rocky": "RedHat", "AlmaLinux": "RedHat",
	"Amazon": "RedHat", "OracleLinux": "RedHat", "Alpine": "Alpine", "Archlinux": "Archlinux",
	"openSUSE Leap": "Suse", "openSUSE Tumbleweed": "Suse", "SLES": "Suse", "Gentoo": "Gentoo"}

func distributionFacts(r rawFacts, f map[string]any) {
	osr := osRelease(r.sections["os-release"])
	name := distNames[osr["ID"]]
	if name == "" {
		name = osr["NAME"]
	}
	version := osr["VERSION_ID"]
	if name == "Debian" {
		if dv := strings.TrimSpace(strings.Join(r.sections["debian_version"], "")); dv != "" && dv[0] >= '0' && dv[0] <= '9' {
			version = dv
		}
	}
	major, minor, _ := strings.Cut(version, ".")
	minor, _, _ = strings.Cut(minor, ".")
	if minor != "" {
		f["ansible_distribution_minor_version"] = minor
	}
	f["ansible_distribution"] = name
	f["ansible_distribution_version"] = version
	f["ansible_distribution_major_version"] = major
	f["ansible_distribution_release"] = osr["VERSION_CODENAME"]
	family := osFamilies[name]
	if family == "" {
		family = name
	}
	f["ansible_os_family"] = family
	if file, ok := distributionFiles[family]; ok {
		f["ansible_distribution_file_path"], f["ansible_distribution_file_variety"] = file, family
		f["ansible_distribution_file_parsed"] = true
	}
}

// distributionFiles are the files Ansible reads the distribution from, by
// family.
var distributionFiles = map[string]string{"Debian": "/etc/os-release", "RedHat": "/etc/redhat-release"}

func userFacts(r rawFacts, f map[string]any) {
	f["ansible_user_id"] = r.one("user_id")
	f["ansible_user_uid"], _ = strconv.Atoi(r.one("user_uid"))
	f["ansible_user_gid"], _ = strconv.Atoi(r.one("user_gid"))
	f["ansible_real_user_id"] = f["ansible_user_uid"]
	f["ansible_real_group_id"] = f["ansible_user_gid"]
	f["ansible_effective_user_id"], _ = strconv.Atoi(r.one("euid"))
	f["ansible_effective_group_id"], _ = strconv.Atoi(r.one("egid"))
	for _, l := range r.sections["passwd"] {
		fields := strings.Split(l, ":")
		if len(fields) >= 7 {
			f["ansible_user_gecos"] = strings.Split(fields[4], ",")[0]
			f["ansible_user_dir"] = fields[5]
			f["ansible_user_shell"] = fields[6]
			break
		}
	}
}

func pkgMgrFacts(r rawFacts, f map[string]any) {
	f["ansible_pkg_mgr"] = pkgMgr(r, f["ansible_os_family"])
}

// pkgMgr picks the package manager as Ansible does for the common
// families.
func pkgMgr(r rawFacts, family any) string {
	have := map[string]bool{}
	for _, p := range r.kv["pkg"] {
		have[path.Base(p)] = true
	}
	switch {
	case family == "Debian" && have["apt-get"]:
		return "apt"
	case family == "RedHat" && have["dnf"]:
		return "dnf"
	case family == "RedHat" && have["yum"]:
		return "yum"
	}
	order := []struct{ bin, name string }{{"dnf", "dnf"}, {"yum", "yum"}, {"apt-get", "apt"}, {"zypper", "zypper"},
		{"apk", "apk"}, {"pacman", "pacman"}, {"emerge", "portage"}, {"pkg", "pkgng"}, {"xbps-install", "xbps"},
		{"swupd", "swupd"}, {"installp", "installp"}}
	for _, o := range order {
		if have[o.bin] {
			return o.name
		}
	}
	return "unknown"
}

// pyVersion is the host Python's path and sys.version_info.
type pyVersion struct {
	path         string
	nums         [3]int
	releaselevel string
	serial       int
}

// pythonVersion is the host Python the fact script found, or nil.
func pythonVersion(r rawFacts) *pyVersion {
	parts := strings.Fields(r.one("python"))
	if len(parts) < 6 {
		return nil
	}
	v := &pyVersion{path: parts[0], releaselevel: parts[4]}
	for i := range 3 {
		v.nums[i], _ = strconv.Atoi(parts[1+i])
	}
	v.serial, _ = strconv.Atoi(parts[5])
	return v
}

func pythonFacts(r rawFacts, f map[string]any) {
	v := pythonVersion(r)
	if v == nil {
		return
	}
	f["ansible_python"] = map[string]any{
		"executable": v.path, "has_sslcontext": true, "type": "cpython",
		"version":      map[string]any{"major": v.nums[0], "minor": v.nums[1], "micro": v.nums[2], "releaselevel": v.releaselevel, "serial": v.serial},
		"version_info": []any{v.nums[0], v.nums[1], v.nums[2], v.releaselevel, v.serial},
	}
}

// dateFacts builds ansible_date_time from the host's clock and zone:
// "EPOCH NANOS OFFSET ZONE WEEK" and the zone's names in January and July.
func dateFacts(r rawFacts, f map[string]any) {
	parts := strings.Fields(r.one("date"))
	if len(parts) < 5 {
		return
	}
	epoch, _ := strconv.ParseInt(parts[0], 10, 64)
	nanos, _ := strconv.ParseInt(parts[1], 10, 64)
	t := time.Unix(epoch, nanos).In(time.FixedZone(parts[3], offsetSeconds(parts[2])))
	u := t.UTC()
	f["ansible_date_time"] = map[string]any{
		"date": t.Format("2006-01-02"), "day": t.Format("02"), "epoch": parts[0], "epoch_int": parts[0],
		"hour": t.Format("15"), "minute": t.Format("04"), "second": t.Format("05"), "month": t.Format("01"),
		"year": t.Format("2006"), "time": t.Format("15:04:05"), "tz": parts[3], "tz_offset": parts[2],
		"tz_dst": dstZone(parts[3], strings.Fields(r.one("tzdst"))), "weeknumber": parts[4],
		"weekday": t.Weekday().String(), "weekday_number": strconv.Itoa(int(t.Weekday())),
		"iso8601": u.Format("2006-01-02T15:04:05Z"), "iso8601_basic_short": t.Format("20060102T150405"),
		"iso8601_micro": u.Format("2006-01-02T15:04:05.000000Z"), "iso8601_basic": strings.Replace(t.Format("20060102T150405.000000"), ".", "", 1),
	}
}

// offsetSeconds reads a +HHMM zone offset.
func offsetSeconds(off string) int {
	digits := strings.TrimLeft(off, "+-")
	if len(digits) < 4 {
		return 0
	}
	h, _ := strconv.Atoi(digits[:2])
	m, _ := strconv.Atoi(digits[2:4])
	if strings.HasPrefix(off, "-") {
		return -(h*3600 + m*60)
	}
	return h*3600 + m*60
}

// dstZone is Python's time.tzname[1]: of the zone's names in January and
// July ("OFFSET NAME OFFSET NAME"), the one further east; the current
// name when the zone keeps one.
func dstZone(current string, janJul []string) string {
	if len(janJul) < 4 || janJul[1] == janJul[3] {
		return current
	}
	if offsetSeconds(janJul[2]) > offsetSeconds(janJul[0]) {
		return janJul[3]
	}
	return janJul[1]
}

// envFacts parses the env section: NAME=value lines, newlines inside values
// sent as \x01.
func envFacts(lines []string) map[string]any {
	out := map[string]any{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			continue
		}
		out[k] = strings.ReplaceAll(v, "\x01", "\n")
	}
	return out
}
