package tasks

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
)

// Python interpreter discovery, as Ansible runs it before a Python module
// when ansible_python_interpreter (or interpreter_python) is auto,
// auto_silent, auto_legacy or auto_legacy_silent: used by the Python
// module fallback to run modules, and reported as the
// discovered_interpreter_python fact by the native modules that stand in
// for Python ones (ping, setup).

// pythonFallback is Ansible's INTERPRETER_PYTHON_FALLBACK: the
// interpreters discovery looks for, in order.
var pythonFallback = []string{"python3.11", "python3.10", "python3.9", "python3.8", "python3.7", "python3.6", "python3.5",
	"/usr/bin/python3", "/usr/libexec/platform-python", "python2.7", "/usr/bin/python", "python"}

// pythonDistroMap is Ansible's _INTERPRETER_PYTHON_DISTRO_MAP: the Python
// a distribution (or family) ships, by version.
var pythonDistroMap = map[string]map[string]string{
	"redhat": {"6": "/usr/bin/python", "8": "/usr/libexec/platform-python", "9": "/usr/bin/python3"},
	"debian": {"8": "/usr/bin/python", "10": "/usr/bin/python3"},
	"fedora": {"23": "/usr/bin/python3"},
	"ubuntu": {"14": "/usr/bin/python", "16": "/usr/bin/python3"},
}

// distroFamily maps distribution names (lower case) to the families of
// the distro map, as Ansible's fact gathering groups them.
var distroFamily = func() map[string]string {
	fam := map[string][]string{
		"redhat": {"redhat", "rhel", "fedora", "centos", "scientific", "slc", "ascendos", "cloudlinux", "psbm",
			"oraclelinux", "ovs", "oel", "amazon", "virtuozzo", "xenserver", "alibaba", "euleros", "openeuler",
			"almalinux", "rocky", "tencentos", "eurolinux", "kylin linux advanced server"},
		"debian": {"debian", "ubuntu", "raspbian", "neon", "kde neon", "linux mint", "steamos", "devuan", "kali",
			"cumulus linux", "pop!_os", "parrot", "pardus gnu/linux", "uos", "deepin", "osmc"},
	}
	out := map[string]string{}
	for f, names := range fam {
		for _, n := range names {
			out[n] = f
		}
	}
	return out
}()

// autoModes are the values of ansible_python_interpreter that ask for
// discovery.
var autoModes = map[string]bool{"auto": true, "auto_silent": true, "auto_legacy": true, "auto_legacy_silent": true}

// PythonInterpreter is the host's Python for c: ansible_python_interpreter,
// else configured (interpreter_python; "" is auto), else discovery. The
// Discovery is set when discovery ran for this call because the host has
// no discovered_interpreter_python fact yet (once per connection and mode;
// later calls get the same answer until the fact is stored).
func PythonInterpreter(ctx context.Context, c *Call, configured string) (string, *Discovery, error) {
	chosen := configured
	if v, ok := c.lookupVar("ansible_python_interpreter"); ok {
		chosen, _ = ToStr(v)
	}
	chosen = strings.TrimSpace(chosen)
	if chosen != "" && !autoModes[chosen] {
		return chosen, nil, nil
	}
	if chosen == "" {
		chosen = "auto"
	}
	if v, ok := c.lookupVar("discovered_interpreter_python"); ok {
		if s, _ := ToStr(v); s != "" {
			return s, nil, nil
		}
	}
	d, err := discovered(ctx, c, chosen)
	if err != nil {
		return "", nil, err
	}
	return d.Interp, &d, nil
}

// lookupVar is Var, none without the task's variables.
func (c *Call) lookupVar(name string) (any, bool) {
	if c.Var == nil {
		return nil, false
	}
	return c.Var(name)
}

// ReportDiscovery adds what discovery found to a module's result, as
// Ansible does: the discovered_interpreter_python fact and the warnings.
func (r *Result) ReportDiscovery(d *Discovery) *Result {
	if d == nil {
		return r
	}
	if r.Facts == nil {
		r.Facts = map[string]any{}
	}
	r.Facts["discovered_interpreter_python"] = d.Interp
	r.Warnings = append(r.Warnings, d.Warnings...)
	return r
}

// discoveryCacheKey keys the run's discoveries in the Session.
type discoveryCacheKey struct{}

// discovered runs discovery once per connection and mode in a run.
func discovered(ctx context.Context, c *Call, mode string) (Discovery, error) {
	init := func() any { return &discoveryCache{m: map[discoveryKey]Discovery{}} }
	cache := init().(*discoveryCache)
	if c.Session != nil {
		cache = c.Session.Value(discoveryCacheKey{}, init).(*discoveryCache)
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	key := discoveryKey{conn: c.Conn, mode: mode}
	if d, ok := cache.m[key]; ok {
		return d, nil
	}
	d, err := discoverPython(ctx, c, mode)
	if err != nil {
		return Discovery{}, err
	}
	cache.m[key] = d
	return d, nil
}

// Discovery is what Python interpreter discovery found on a host: the
// interpreter and Ansible's warnings about the choice.
type Discovery struct {
	Interp   string
	Warnings []string
}

type discoveryKey struct {
	conn transport.Conn
	mode string
}

type discoveryCache struct {
	mu sync.Mutex
	m  map[discoveryKey]Discovery
}

var foundRe = regexp.MustCompile(`(?s)PLATFORM[\r\n]+(.*)FOUND(.*)ENDFOUND`)

// discoverPython runs Ansible's interpreter discovery with one command:
// the platform, which interpreters of the fallback list exist, and
// /etc/os-release; then picks the distribution's own Python when it is
// there, else the first one found, with Ansible's warnings.
func discoverPython(ctx context.Context, c *Call, mode string) (Discovery, error) {
	fallback := pythonFallback
	if v, ok := c.lookupVar("ansible_interpreter_python_fallback"); ok {
		if l, err := ToList(v); err == nil {
			fallback = nil
			for _, x := range l {
				s, _ := ToStr(x)
				fallback = append(fallback, s)
			}
		}
	}
	var cmd strings.Builder
	cmd.WriteString("echo PLATFORM; uname; echo FOUND; ")
	for _, p := range fallback {
		fmt.Fprintf(&cmd, "command -v %s; ", transport.Quote(p))
	}
	cmd.WriteString("echo ENDFOUND; echo OSRELEASE; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null")
	res, err := c.Conn.Run(ctx, transport.Command{Shell: cmd.String()})
	if err != nil {
		return Discovery{}, err
	}
	return pickPython(c.Host, mode, fallback, string(res.Stdout)), nil
}

// pickPython decides discovery from the probe's output.
func pickPython(host, mode string, fallback []string, out string) Discovery {
	silent := strings.HasSuffix(mode, "_silent")
	legacy := strings.HasPrefix(mode, "auto_legacy")
	probe, osRelease, _ := strings.Cut(out, "OSRELEASE")
	m := foundRe.FindStringSubmatch(probe)
	if m == nil {
		return Discovery{Interp: "/usr/bin/python"}
	}
	platform := strings.ToLower(strings.TrimSpace(m[1]))
	var found []string
	for _, l := range pyfmt.SplitLines(m[2], false) {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "/") {
			found = append(found, l)
		}
	}
	d := Discovery{}
	warn := func(format string, a ...any) {
		if !silent {
			d.Warnings = append(d.Warnings, fmt.Sprintf(format, a...))
		}
	}
	if len(found) == 0 {
		warn("No python interpreters found for host %s (tried %s)", host, PyRepr(stringsToAny(fallback)))
		d.Interp = "/usr/bin/python"
		return d
	}
	d.Interp = found[0]
	distro, version := osReleaseID(osRelease)
	versions := pythonDistroMap[distro]
	if versions == nil {
		versions = pythonDistroMap[distroFamily[distro]]
	}
	if platform != "linux" || distro == "" || version == "" || versions == nil {
		warn("Platform %s on host %s is using the discovered Python interpreter at %s, but future installation of "+
			"another Python interpreter could change the meaning of that path. See %s for more information.",
			platform, host, found[0], discoveryDocs)
		return d
	}
	want := fuzzyVersion(version, versions)
	switch {
	case legacy && want != "/usr/bin/python" && containsString(found, "/usr/bin/python"):
		warn("Distribution %s %s on host %s should use %s, but is using /usr/bin/python for backward compatibility "+
			"with prior Ansible releases. See %s for more information", distro, version, host, want, discoveryDocs)
		d.Interp = "/usr/bin/python"
	case !containsString(found, want):
		if !containsString(fallback, want) {
			warn("Platform interpreter %s on host %s is missing from bootstrap list", want, host)
		}
		warn("Distribution %s %s on host %s should use %s, but is using %s, since the discovered platform python "+
			"interpreter was not present. See %s for more information.", distro, version, host, want, found[0], discoveryDocs)
	default:
		d.Interp = want
	}
	return d
}

const discoveryDocs = "https://docs.ansible.com/ansible-core/2.14/reference_appendices/interpreter_discovery.html"

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// osReleaseID reads ID and VERSION_ID of os-release text.
func osReleaseID(text string) (id, version string) {
	for _, l := range pyfmt.SplitLines(text, false) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = strings.ToLower(v)
		case "VERSION_ID":
			version = v
		}
	}
	return id, version
}

// fuzzyVersion picks the map entry for version: an exact match, else the
// newest version not newer than it (the oldest when it is older than all),
// comparing as Python's LooseVersion does.
func fuzzyVersion(version string, m map[string]string) string {
	if v, ok := m[version]; ok {
		return v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return looseLess(keys[i], keys[j]) })
	pick := keys[0]
	for _, k := range keys {
		if !looseLess(version, k) {
			pick = k
		}
	}
	return m[pick]
}

var looseRe = regexp.MustCompile(`\d+|[a-z]+|\.`)

// looseLess compares versions as LooseVersion: numbers numerically,
// letters as text.
func looseLess(a, b string) bool {
	pa, pb := looseParts(a), looseParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, y := pa[i], pb[i]
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		switch {
		case xerr == nil && yerr == nil && xn != yn:
			return xn < yn
		case (xerr == nil) != (yerr == nil):
			return xerr == nil
		case x != y:
			return x < y
		}
	}
	return len(pa) < len(pb)
}

func looseParts(v string) []string {
	var out []string
	for _, p := range looseRe.FindAllString(strings.ToLower(v), -1) {
		if p != "." {
			out = append(out, p)
		}
	}
	return out
}
