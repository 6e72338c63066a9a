package tasks

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "hostname",
		Args: []Arg{
			{Name: "name", Type: Str, Required: true},
			{Name: "use", Type: Str, Choices: []string{"alpine", "debian", "freebsd", "generic", "macos", "macosx",
				"darwin", "openbsd", "openrc", "redhat", "sles", "solaris", "systemd"}},
		},
		Facts:   HostFacts,
		NoFiles: true,
		Run:     runHostname,
	})
}

// hostnameStrategies are the strategies use: names, as Ansible's STRATS.
var hostnameStrategies = map[string]string{"alpine": "Alpine", "debian": "Systemd", "freebsd": "FreeBSD",
	"generic": "Base", "macos": "Darwin", "macosx": "Darwin", "darwin": "Darwin", "openbsd": "OpenBSD",
	"openrc": "OpenRC", "redhat": "RedHat", "sles": "SLES", "solaris": "Solaris", "systemd": "Systemd"}

// hostnameDistros are the strategies of the Linux distributions Ansible's
// hostname module knows (by the capitalized os-release ID), where systemd
// does not run.
var hostnameDistros = func() map[string]string {
	out := map[string]string{"Gentoo": "OpenRC", "Alpine": "Alpine", "Sles": "SLES"}
	for _, d := range strings.Fields("Redhat Centos Anolis Cloudlinuxserver Cloudlinux Alinux Scientific Oracle Virtuozzo Amazon Altlinux Eurolinux") {
		out[d] = "RedHat"
	}
	for _, d := range strings.Fields("Debian Kylin Cumulus-linux Kali Parrot Ubuntu Linuxmint Linaro Devuan Raspbian Uos Deepin Neon Void Pop") {
		out[d] = "File"
	}
	return out
}()

// hostnameFiles are the files the file-based strategies keep the name in.
var hostnameFiles = map[string]string{"File": "/etc/hostname", "Alpine": "/etc/hostname", "SLES": "/etc/HOSTNAME",
	"OpenBSD": "/etc/myname", "RedHat": "/etc/sysconfig/network", "OpenRC": "/etc/conf.d/hostname"}

// hostnameProbe reports, in one run: the system, the os-release ID and
// version, whether systemd manages the host, the strategy files, and
// hostnamectl's transient and static names when the strategy is systemd
// ($1 "systemd", or "auto" and systemd runs).
const hostnameProbe = `PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin
exec 4>&1
run() { k=$1; shift; echo "@@$k"; e=$("$@" 2>&1 >&4); r=$?; echo; p ${k}_rc $r; echo "@@${k}_err"; printf '%s\n' "$e"; }
p system "$(uname -s)"
p id "$(sed -n 's/^ID=//p' /etc/os-release 2>/dev/null | tr -d '"'"'")"
p version "$(sed -n 's/^VERSION_ID=//p' /etc/os-release 2>/dev/null | tr -d '"'"'")"
sd=; if command -v systemctl >/dev/null 2>&1; then for c in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e $c ] && sd=1; done; fi
p systemd "$sd"
for f in /etc/hostname /etc/HOSTNAME /etc/myname /etc/sysconfig/network /etc/conf.d/hostname; do [ -f $f ] && { echo "@@$f"; cat $f; echo; }; done
if [ "$1" = systemd ] || { [ "$1" = auto ] && [ -n "$sd" ] && [ "$(uname -s)" = Linux ]; }; then
  if command -v hostnamectl >/dev/null 2>&1; then run transient hostnamectl --transient status; run static hostnamectl --static status; else p nohostnamectl 1; fi
fi
`

// hostState is what the probe found.
type hostState struct {
	r        rawFacts
	strategy string
}

func runHostname(ctx context.Context, c *Call) (*Result, error) {
	name := c.Args.Str("name")
	st, err := probeHostname(ctx, c, c.Args.Str("use"))
	if err != nil {
		return nil, err
	}
	if bad := st.unsupported(); bad != nil {
		return bad, nil
	}
	current, permanent, bad := st.names()
	if bad != nil {
		return bad, nil
	}
	steps, bad := st.steps(name, current, permanent)
	if bad != nil {
		return bad, nil
	}
	script := factProbeHead + hostnameApplyHead
	if !c.Check {
		script += strings.Join(steps, "")
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", script + factProbes["platform"], "sh", name, st.newContent(name)}})
	if err != nil {
		return nil, err
	}
	after := parseFactOutput(string(res.Stdout))
	if rc := after.one("set_rc"); rc != "" && rc != "0" {
		return Failf("Command failed rc=%s, out=%s, err=%s", rc, sectionText(after, "set"), sectionText(after, "set_err")), nil
	}
	if msg := after.one("write_err"); msg != "" {
		return Failf("failed to update hostname: %s", msg), nil
	}
	return hostnameResult(name, current, permanent, len(steps) > 0, after), nil
}

// probeHostname runs the probe and picks the strategy: use's, else
// systemd when it manages a Linux host, else the platform's.
func probeHostname(ctx context.Context, c *Call, use string) (*hostState, error) {
	st := &hostState{strategy: hostnameStrategies[use]}
	mode := "auto"
	if use != "" {
		mode = strings.ToLower(st.strategy)
	}
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", factProbeHead + hostnameProbe, "sh", mode}})
	if err != nil {
		return nil, err
	}
	st.r = parseFactOutput(string(res.Stdout))
	switch {
	case st.strategy != "":
	case st.r.one("system") == "Linux" && st.r.one("systemd") != "":
		st.strategy = "Systemd"
	default:
		st.strategy = st.platformStrategy()
	}
	return st, nil
}

// platformStrategy is the strategy of the host's platform and
// distribution, as Ansible's Hostname subclasses.
func (st *hostState) platformStrategy() string {
	switch st.r.one("system") {
	case "Linux":
		s := hostnameDistros[st.distribution()]
		if s == "SLES" {
			if major, _ := strconv.Atoi(strings.Split(st.r.one("version"), ".")[0]); major >= 12 {
				return "Unimplemented"
			}
		}
		if s == "" {
			return "Unimplemented"
		}
		return s
	case "OpenBSD":
		return "OpenBSD"
	case "FreeBSD", "NetBSD":
		return "FreeBSD"
	case "Darwin":
		return "Darwin"
	case "SunOS":
		return "Solaris"
	}
	return "Unimplemented"
}

// distribution is Ansible's get_distribution: the os-release ID
// capitalized, with Amazon and Redhat named so.
func (st *hostState) distribution() string {
	id := st.r.one("id")
	if id == "" {
		return "OtherLinux"
	}
	d := strings.ToUpper(id[:1]) + strings.ToLower(id[1:])
	switch d {
	case "Amzn":
		return "Amazon"
	case "Rhel":
		return "Redhat"
	}
	return d
}

// unsupported is the failure for a strategy the module cannot use here.
func (st *hostState) unsupported() *Result {
	switch st.strategy {
	case "Unimplemented":
		platform := st.r.one("system")
		if platform == "Linux" {
			platform += " (" + st.distribution() + ")"
		}
		return Failf("hostname module cannot be used on platform %s", platform)
	case "Base":
		return Failf("hostname: the generic strategy cannot read or set the host name")
	case "FreeBSD", "Darwin", "Solaris":
		return Failf("hostname: the %s strategy is not supported by drover", st.strategy)
	case "Systemd":
		if st.r.one("nohostnamectl") != "" {
			return Failf("Failed to find required executable \"hostnamectl\" in paths: %s", "/sbin:/usr/sbin:/usr/local/sbin")
		}
	}
	return nil
}

// names are the current and permanent names as the strategy reads them.
func (st *hostState) names() (string, string, *Result) {
	if st.strategy == "Systemd" {
		for _, k := range []string{"transient", "static"} {
			if rc := st.r.one(k + "_rc"); rc != "0" {
				return "", "", Failf("Command failed rc=%s, out=%s, err=%s", rc, sectionText(st.r, k), sectionText(st.r, k+"_err"))
			}
		}
		return strings.TrimSpace(sectionText(st.r, "transient")), strings.TrimSpace(sectionText(st.r, "static")), nil
	}
	file := hostnameFiles[st.strategy]
	lines := st.r.sections[file]
	var permanent string
	switch {
	case st.strategy == "RedHat":
		v, found := keyedLine(lines, "HOSTNAME", "=")
		if !found {
			return "", "", Failf("Unable to locate HOSTNAME entry in %s", file)
		}
		permanent = strings.TrimSpace(v)
	case st.strategy == "OpenRC":
		v, _ := keyedLine(lines, "hostname=", "")
		permanent = strings.Trim(v, `"`)
	default:
		permanent = strings.TrimSpace(sectionText(st.r, file))
	}
	return permanent, permanent, nil
}

// keyedLine is the rest of the first stripped line starting with key
// (after sep when set).
func keyedLine(lines []string, key, sep string) (string, bool) {
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, key) {
			continue
		}
		if sep == "" {
			return l[len(key):], true
		}
		_, v, _ := strings.Cut(l, sep)
		return v, true
	}
	return "", false
}

// sectionText is a section's text as the command printed it: the probe
// ends each with a line break of its own, which it drops.
func sectionText(r rawFacts, k string) string {
	lines := r.sections[k]
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// hostnameApplyHead defines set (a command, reporting its rc, output and
// error) and write (the new file content, $2, into a file in place, as
// Ansible's open('w') does).
const hostnameApplyHead = `PATH=$PATH:/sbin:/usr/sbin:/usr/local/sbin
exec 4>&1
set_() { echo "@@set"; e=$("$@" 2>&1 >&4); r=$?; echo; p set_rc $r; echo "@@set_err"; printf '%s\n' "$e"; [ $r = 0 ]; }
write() { e=$( { printf '%s' "$2" > "$1"; } 2>&1) || p write_err "$e"; }
`

// steps are the shell steps that change what differs, in the strategy's
// order (systemd: permanent first), none when nothing does.
func (st *hostState) steps(name, current, permanent string) ([]string, *Result) {
	var steps []string
	if st.strategy == "Systemd" {
		if len(name) > 64 && (current != name || permanent != name) {
			return nil, Failf("name cannot be longer than 64 characters on systemd servers, try a shorter name")
		}
		if permanent != name {
			steps = append(steps, `set_ hostnamectl --pretty --static set-hostname "$1" || exit 0`+"\n")
		}
		if current != name {
			steps = append(steps, `set_ hostnamectl --transient set-hostname "$1" || exit 0`+"\n")
		}
		return steps, nil
	}
	if current != name && st.strategy == "Alpine" {
		steps = append(steps, "set_ hostname -F /etc/hostname || exit 0\n")
	}
	if permanent != name {
		steps = append(steps, "write "+transport.Quote(hostnameFiles[st.strategy])+` "$2"`+"\n")
	}
	return steps, nil
}

// newContent is the strategy file's content naming name.
func (st *hostState) newContent(name string) string {
	lines := st.r.sections[hostnameFiles[st.strategy]]
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the probe's own line break
	}
	switch st.strategy {
	case "RedHat":
		return replaceKeyed(lines, "HOSTNAME", "HOSTNAME="+name, true)
	case "OpenRC":
		return replaceKeyed(lines, "hostname=", `hostname="`+name+`"`, false)
	}
	return name + "\n"
}

// replaceKeyed replaces the lines starting with key (stripped; only the
// first unless all) with line, appending it when none does and all is set.
func replaceKeyed(lines []string, key, line string, all bool) string {
	var b strings.Builder
	found := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), key) && (all || !found) {
			l, found = line, true
		} else if !all {
			l = strings.TrimSpace(l)
		}
		b.WriteString(l + "\n")
	}
	if !found && all {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// hostnameResult is Ansible's result: the name facts (the FQDN as the host
// resolves its current name) and, when changed, the diff.
func hostnameResult(name, current, permanent string, changed bool, after rawFacts) *Result {
	node := after.one("nodename")
	fqdn := fqdnOf(node, after.one("fqdn_rev"), after.one("fqdn_fwd"))
	short, _, _ := strings.Cut(name, ".")
	_, domain, _ := strings.Cut(fqdn, ".")
	r := &Result{Changed: changed, Facts: map[string]any{"ansible_hostname": short, "ansible_nodename": name,
		"ansible_fqdn": fqdn, "ansible_domain": domain}}
	r.Set("name", name)
	if changed {
		before := permanent
		if name != current {
			before = current
		}
		setDiff(r, map[string]any{"before": fmt.Sprintf("hostname = %s\n", before), "after": fmt.Sprintf("hostname = %s\n", name)})
	}
	return r
}
