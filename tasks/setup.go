package tasks

import (
	"context"
	"fmt"
	"path"
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

// factScript prints what the facts are computed from, in one POSIX sh run:
// key=value lines, then sections introduced by "@@name" lines.
const factScript = `p() { printf '%s=%s\n' "$1" "$2"; }
n=$(uname -n)
p nodename "$n"; p kernel "$(uname -r)"; p kernel_version "$(uname -v)"; p machine "$(uname -m)"; p system "$(uname -s)"
p user_id "$(id -un)"; p user_uid "$(id -u)"; p user_gid "$(id -g)"
a=$(getent hosts "$n" 2>/dev/null | awk '{print $1; exit}')
p fqdn_fwd "$(getent hosts "$n" 2>/dev/null | head -n1)"
[ -n "$a" ] && p fqdn_rev "$(getent hosts "$a" 2>/dev/null | head -n1)"
p bits "$(getconf LONG_BIT 2>/dev/null)"
p date "$(date +'%s %z %Z')"
p1=$(cat /proc/1/comm 2>/dev/null)
if [ -z "$p1" ] && [ -L /sbin/init ]; then p1=$(basename "$(readlink /sbin/init)"); fi
case "$p1" in init|*sh) p1=;; esac
if [ -z "$p1" ]; then
  if [ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] || [ -d /dev/.systemd ]; then p1=systemd
  elif command -v initctl >/dev/null 2>&1 && [ -d /etc/init ]; then p1=upstart
  elif [ -e /sbin/openrc ]; then p1=openrc
  elif [ -d /etc/init.d ]; then p1=sysvinit
  else p1=service; fi
fi
p service_mgr "$p1"
for m in apt-get dnf yum zypper apk pacman emerge pkg xbps-install swupd installp; do command -v $m >/dev/null 2>&1 && p pkg "$m"; done
py=; for c in /usr/bin/python3 /usr/libexec/platform-python /usr/bin/python; do [ -x "$c" ] && { py=$c; break; }; done
[ -z "$py" ] && py=$(command -v python3 2>/dev/null)
[ -n "$py" ] && p python "$py $("$py" -S -c 'import sys;print(" ".join(str(x) for x in sys.version_info))' 2>/dev/null)"
p route "$(ip -4 route get 8.8.8.8 2>/dev/null | head -n1)"
for i in /sys/class/net/*; do [ -e "$i" ] && p iface "$(basename "$i") $(cat "$i/mtu" 2>/dev/null) $(cat "$i/address" 2>/dev/null)"; done
ip -o -4 addr show 2>/dev/null | while read -r _ dev _ cidr rest; do p addr4 "$dev $cidr $rest"; done
echo @@os-release; cat /etc/os-release 2>/dev/null
echo @@debian_version; cat /etc/debian_version 2>/dev/null
echo @@redhat-release; cat /etc/redhat-release 2>/dev/null
echo @@passwd; getent passwd "$(id -un)" 2>/dev/null
echo @@cpuinfo; grep -E '^(processor|physical id|cpu cores)' /proc/cpuinfo 2>/dev/null
echo @@meminfo; grep -E '^(MemTotal|MemFree|SwapTotal|SwapFree):' /proc/meminfo 2>/dev/null
echo @@uptime; cat /proc/uptime 2>/dev/null
echo @@resolv; grep -E '^(nameserver|search|domain)' /etc/resolv.conf 2>/dev/null
echo @@env; awk 'BEGIN{for(k in ENVIRON){if(k=="AWKPATH"||k=="AWKLIBPATH")continue;v=ENVIRON[k];gsub(/\n/,"\001",v);print k"="v}}'
`

// runSetup gathers facts with one command on the host.
func runSetup(ctx context.Context, c *Call) (*Result, error) {
	if bad := badSubset(c.Args.Strings("gather_subset")); bad != nil {
		return bad, nil
	}
	script, factPath := factScript, ""
	if gathersLocal(c.Args.Strings("gather_subset")) {
		script, factPath = factScript+localFactScript, hostPath(c.Conn, c.Args.Str("fact_path"))
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script, "sh", factPath}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 && len(res.Stdout) == 0 {
		return Failf("gathering facts failed (rc %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr))), nil
	}
	facts, warns := parseFacts(string(res.Stdout))
	facts["gather_subset"] = c.Args.List("gather_subset")
	facts["module_setup"] = true
	if filters := c.Args.Strings("filter"); len(filters) > 0 {
		facts = filterFacts(facts, filters)
	}
	return &Result{Facts: facts, Warnings: warns}, nil
}

func filterFacts(facts map[string]any, filters []string) map[string]any {
	out := map[string]any{}
	for k, v := range facts {
		for _, f := range filters {
			if ok, _ := path.Match(f, k); ok {
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

// parseFacts turns the fact script's output into Ansible's facts
// (ansible_hostname, ansible_distribution, ..., ansible_local) and the
// warnings about local facts that could not be read.
func parseFacts(out string) (map[string]any, []string) {
	r := rawFacts{kv: map[string][]string{}, sections: map[string][]string{}}
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "@@"); ok {
			section = name
			if _, seen := r.sections[name]; !seen {
				r.sections[name] = nil // a section without lines was still printed
			}
			continue
		}
		if section != "" {
			r.sections[section] = append(r.sections[section], line)
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			r.kv[k] = append(r.kv[k], v)
		}
	}
	f := map[string]any{}
	platformFacts(r, f)
	distributionFacts(r, f)
	userFacts(r, f)
	hardwareFacts(r, f)
	networkFacts(r, f)
	f["ansible_service_mgr"] = r.one("service_mgr")
	f["ansible_pkg_mgr"] = pkgMgr(r, f["ansible_os_family"])
	pythonFacts(r, f)
	dateFacts(r, f)
	f["ansible_env"] = envFacts(r.sections["env"])
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
	major, _, _ := strings.Cut(version, ".")
	f["ansible_distribution"] = name
	f["ansible_distribution_version"] = version
	f["ansible_distribution_major_version"] = major
	f["ansible_distribution_release"] = osr["VERSION_CODENAME"]
	family := osFamilies[name]
	if family == "" {
		family = name
	}
	f["ansible_os_family"] = family
}

func userFacts(r rawFacts, f map[string]any) {
	f["ansible_user_id"] = r.one("user_id")
	f["ansible_user_uid"], _ = strconv.Atoi(r.one("user_uid"))
	f["ansible_user_gid"], _ = strconv.Atoi(r.one("user_gid"))
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

func hardwareFacts(r rawFacts, f map[string]any) {
	vcpus, cores := 0, 0
	sockets := map[string]bool{}
	for _, l := range r.sections["cpuinfo"] {
		k, v, _ := strings.Cut(l, ":")
		switch strings.TrimSpace(k) {
		case "processor":
			vcpus++
		case "physical id":
			sockets[strings.TrimSpace(v)] = true
		case "cpu cores":
			cores, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	count := max(len(sockets), 1)
	if cores == 0 {
		cores = vcpus
	}
	f["ansible_processor_vcpus"] = vcpus
	f["ansible_processor_count"] = count
	f["ansible_processor_cores"] = cores
	f["ansible_processor_threads_per_core"] = max(vcpus/max(cores*count, 1), 1)
	mem := map[string]int{}
	for _, l := range r.sections["meminfo"] {
		fields := strings.Fields(l)
		if len(fields) >= 2 {
			n, _ := strconv.Atoi(fields[1])
			mem[strings.TrimSuffix(fields[0], ":")] = n / 1024
		}
	}
	f["ansible_memtotal_mb"] = mem["MemTotal"]
	f["ansible_memfree_mb"] = mem["MemFree"]
	f["ansible_swaptotal_mb"] = mem["SwapTotal"]
	f["ansible_swapfree_mb"] = mem["SwapFree"]
	if up := strings.Fields(strings.Join(r.sections["uptime"], " ")); len(up) > 0 {
		secs, _ := strconv.ParseFloat(up[0], 64)
		f["ansible_uptime_seconds"] = int(secs)
	}
}

// networkFacts builds ansible_default_ipv4, ansible_interfaces and
// ansible_all_ipv4_addresses from the route and addresses.
func networkFacts(r rawFacts, f map[string]any) {
	ifaces := map[string][2]string{}
	var names []any
	for _, l := range r.kv["iface"] {
		parts := strings.Fields(l)
		if len(parts) == 0 {
			continue
		}
		names = append(names, parts[0])
		var mtu, mac string
		if len(parts) > 1 {
			mtu = parts[1]
		}
		if len(parts) > 2 {
			mac = parts[2]
		}
		ifaces[parts[0]] = [2]string{mtu, mac}
	}
	f["ansible_interfaces"] = names
	all := []any{}
	addrs := map[string][]string{}
	for _, l := range r.kv["addr4"] {
		parts := strings.Fields(l)
		if len(parts) < 2 {
			continue
		}
		addrs[parts[0]] = append(addrs[parts[0]], l)
		if ip, _, _ := strings.Cut(parts[1], "/"); !strings.HasPrefix(ip, "127.") {
			all = append(all, ip)
		}
	}
	f["ansible_all_ipv4_addresses"] = all
	f["ansible_default_ipv4"] = defaultIPv4(r.one("route"), ifaces, addrs)
	dns := map[string]any{}
	for _, l := range r.sections["resolv"] {
		fields := strings.Fields(l)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			ns, _ := dns["nameservers"].([]any)
			dns["nameservers"] = append(ns, fields[1])
		case "search":
			dns["search"] = stringsToAny(fields[1:])
		case "domain":
			dns["domain"] = fields[1]
		}
	}
	f["ansible_dns"] = dns
}

func stringsToAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// defaultIPv4 reads "8.8.8.8 via GW dev IF src ADDR" and the interface's
// address line "IF ADDR/PREFIX brd BCAST ...".
func defaultIPv4(route string, ifaces map[string][2]string, addrs map[string][]string) map[string]any {
	out := map[string]any{}
	fields := strings.Fields(route)
	for i := 0; i+1 < len(fields); i++ {
		switch fields[i] {
		case "via":
			out["gateway"] = fields[i+1]
		case "dev":
			out["interface"], out["alias"] = fields[i+1], fields[i+1]
		case "src":
			out["address"] = fields[i+1]
		}
	}
	dev, _ := out["interface"].(string)
	if dev == "" {
		return map[string]any{}
	}
	if info, ok := ifaces[dev]; ok {
		out["mtu"], _ = strconv.Atoi(info[0])
		out["macaddress"] = info[1]
		out["type"] = "ether"
		if dev == "lo" {
			out["type"] = "loopback"
		}
	}
	for _, l := range addrs[dev] {
		parts := strings.Fields(l)
		ip, prefix, _ := strings.Cut(parts[1], "/")
		if ip != out["address"] {
			continue
		}
		out["prefix"] = prefix
		n, _ := strconv.Atoi(prefix)
		out["netmask"] = maskString(n)
		out["network"] = networkOf(ip, n)
		for i := 2; i+1 < len(parts); i++ {
			if parts[i] == "brd" {
				out["broadcast"] = parts[i+1]
			}
		}
	}
	return out
}

func maskString(n int) string {
	var m uint32
	if n > 0 {
		m = ^uint32(0) << (32 - n)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&255, m>>8&255, m&255)
}

func networkOf(ip string, n int) string {
	parts := strings.Split(ip, ".")
	if len(parts) != 4 {
		return ""
	}
	var v uint32
	for _, p := range parts {
		x, _ := strconv.Atoi(p)
		v = v<<8 | uint32(x)
	}
	var m uint32
	if n > 0 {
		m = ^uint32(0) << (32 - n)
	}
	v &= m
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&255, v>>8&255, v&255)
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

func pythonFacts(r rawFacts, f map[string]any) {
	parts := strings.Fields(r.one("python"))
	if len(parts) < 6 {
		return
	}
	nums := make([]int, 3)
	for i := range 3 {
		nums[i], _ = strconv.Atoi(parts[1+i])
	}
	serial, _ := strconv.Atoi(parts[5])
	f["ansible_python"] = map[string]any{
		"executable": parts[0], "has_sslcontext": true, "type": "cpython",
		"version":      map[string]any{"major": nums[0], "minor": nums[1], "micro": nums[2], "releaselevel": parts[4], "serial": serial},
		"version_info": []any{nums[0], nums[1], nums[2], parts[4], serial},
	}
	f["ansible_python_version"] = fmt.Sprintf("%d.%d.%d", nums[0], nums[1], nums[2])
}

// dateFacts builds ansible_date_time from the host's clock and zone.
func dateFacts(r rawFacts, f map[string]any) {
	parts := strings.Fields(r.one("date"))
	if len(parts) < 3 {
		return
	}
	epoch, _ := strconv.ParseInt(parts[0], 10, 64)
	off := parts[1]
	sign := 1
	if strings.HasPrefix(off, "-") {
		sign = -1
	}
	h, _ := strconv.Atoi(strings.TrimLeft(off, "+-")[:2])
	m, _ := strconv.Atoi(strings.TrimLeft(off, "+-")[2:])
	t := time.Unix(epoch, 0).In(time.FixedZone(parts[2], sign*(h*3600+m*60)))
	u := t.UTC()
	f["ansible_date_time"] = map[string]any{
		"date": t.Format("2006-01-02"), "day": t.Format("02"), "epoch": parts[0], "epoch_int": parts[0],
		"hour": t.Format("15"), "minute": t.Format("04"), "second": t.Format("05"), "month": t.Format("01"),
		"year": t.Format("2006"), "time": t.Format("15:04:05"), "tz": parts[2], "tz_offset": off,
		"weekday": t.Weekday().String(), "weekday_number": strconv.Itoa(int(t.Weekday())),
		"iso8601": u.Format("2006-01-02T15:04:05Z"), "iso8601_basic_short": t.Format("20060102T150405"),
	}
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
