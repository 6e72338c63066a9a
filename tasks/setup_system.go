package tasks

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// lsbFacts are ansible_lsb, from lsb_release -a or else /etc/lsb-release.
func lsbFacts(r rawFacts, f map[string]any) {
	lsb := map[string]any{}
	bin := r.sections["lsb"]
	if len(bin) > 0 && slices.Contains(bin, "rc=0") {
		keys := map[string]string{"LSB Version": "release", "Distributor ID": "id", "Description": "description",
			"Release": "release", "Codename": "codename"}
		readLSB(bin, ":", keys, lsb)
	}
	if len(lsb) == 0 {
		keys := map[string]string{"DISTRIB_ID": "id", "DISTRIB_RELEASE": "release", "DISTRIB_DESCRIPTION": "description",
			"DISTRIB_CODENAME": "codename"}
		readLSB(r.sections["lsb-release"], "=", keys, lsb)
	}
	if rel, ok := lsb["release"].(string); ok {
		lsb["major_release"], _, _ = strings.Cut(rel, ".")
	}
	for k, v := range lsb {
		lsb[k] = strings.Trim(v.(string), `'"\`)
	}
	f["ansible_lsb"] = lsb
}

// readLSB reads "Key<sep>value" lines into the keys' facts.
func readLSB(lines []string, sep string, keys map[string]string, out map[string]any) {
	for _, l := range lines {
		k, v, ok := strings.Cut(l, sep)
		if name := keys[strings.TrimSpace(k)]; ok && name != "" {
			out[name] = strings.TrimSpace(v)
		}
	}
}

var selinuxModes = map[string]string{"1": "enforcing", "0": "permissive", "-1": "disabled",
	"enforcing": "enforcing", "permissive": "permissive", "disabled": "disabled"}

// selinuxFacts are ansible_selinux: without libselinux (through which
// Ansible asks) only that it is missing; else disabled, or enabled with
// the policy version, the current and configured modes and policy type.
func selinuxFacts(r rawFacts, f map[string]any) {
	v, present := r.kv["selinux"]
	f["ansible_selinux_python_present"] = present
	if !present {
		f["ansible_selinux"] = map[string]any{"status": "Missing selinux Python library"}
		return
	}
	fields := strings.Fields(v[0])
	if len(fields) < 2 {
		f["ansible_selinux"] = map[string]any{"status": "disabled"}
		return
	}
	config := map[string]string{}
	for _, l := range r.sections["selinux-config"] {
		if k, val, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			config[k] = strings.TrimSpace(val)
		}
	}
	mode := func(s string) string {
		if m, ok := selinuxModes[s]; ok {
			return m
		}
		return "unknown"
	}
	out := map[string]any{"status": "enabled", "policyvers": "unknown", "mode": mode(fields[1]),
		"config_mode": mode(config["SELINUX"]), "type": config["SELINUXTYPE"]}
	if n, err := strconv.Atoi(fields[0]); err == nil {
		out["policyvers"] = n
	}
	if out["type"] == "" {
		out["type"] = "unknown"
	}
	f["ansible_selinux"] = out
}

func apparmorFacts(r rawFacts, f map[string]any) {
	status := "disabled"
	if r.one("apparmor") == "enabled" {
		status = "enabled"
	}
	f["ansible_apparmor"] = map[string]any{"status": status}
}

// chrootFacts compares / with init's root, as Ansible does; without
// access to init's root, a root directory not at the file system's first
// inode means a chroot.
func chrootFacts(r rawFacts, f map[string]any) {
	if r.one("debian_chroot") != "" {
		f["ansible_is_chroot"] = true
		return
	}
	root, proc1 := r.one("root_id"), r.one("proc1_root_id")
	if proc1 != "" {
		f["ansible_is_chroot"] = root != proc1
		return
	}
	ino := "2"
	switch fs := r.one("rootfs"); {
	case strings.Contains(fs, "btrfs"):
		ino = "256"
	case strings.Contains(fs, "xfs"):
		ino = "128"
	}
	_, rootIno, _ := strings.Cut(root, " ")
	f["ansible_is_chroot"] = rootIno != ino
}

func fipsFacts(r rawFacts, f map[string]any) {
	f["ansible_fips"] = strings.TrimSpace(r.one("fips")) == "1"
}

// capsFacts reads capsh --print's Current line.
func capsFacts(r rawFacts, f map[string]any) {
	f["ansible_system_capabilities_enforced"], f["ansible_system_capabilities"] = "N/A", "N/A"
	lines := r.sections["caps"]
	if len(lines) == 0 || !slices.Contains(lines, "rc=0") {
		return
	}
	enforced, caps := "NA", []any{}
	for _, l := range lines {
		cur, ok := strings.CutPrefix(l, "Current:")
		if !ok {
			continue
		}
		if strings.TrimSpace(strings.Split(l, ":")[1]) == "=ep" {
			enforced = "False"
			continue
		}
		enforced = "True"
		_, list, _ := strings.Cut(cur, "=")
		for _, c := range strings.Split(list, ",") {
			caps = append(caps, strings.TrimSpace(c))
		}
	}
	f["ansible_system_capabilities_enforced"], f["ansible_system_capabilities"] = enforced, caps
}

// cmdlineFacts are ansible_cmdline (last value of each key) and
// ansible_proc_cmdline (repeated keys as lists) from /proc/cmdline.
func cmdlineFacts(r rawFacts, f map[string]any) {
	data := strings.TrimSpace(r.one("cmdline"))
	if data == "" {
		return
	}
	last, all := map[string]any{}, map[string]any{}
	for _, piece := range strings.Fields(data) {
		k, v, ok := strings.Cut(piece, "=")
		if !ok {
			last[k], all[k] = true, true
			continue
		}
		last[k] = v
		switch prev := all[k].(type) {
		case []any:
			all[k] = append(prev, v)
		case string:
			all[k] = []any{prev, v}
		default:
			all[k] = v
		}
	}
	f["ansible_cmdline"], f["ansible_proc_cmdline"] = last, all
}

func loadavgFacts(r rawFacts, f map[string]any) {
	fields := strings.Fields(r.one("loadavg"))
	if len(fields) < 3 {
		return
	}
	out := map[string]any{}
	for i, k := range []string{"1m", "5m", "15m"} {
		out[k], _ = strconv.ParseFloat(fields[i], 64)
	}
	f["ansible_loadavg"] = out
}

// sshPubKeyFacts are the host's public keys: "ALGO KEYTYPE KEY ..." lines.
func sshPubKeyFacts(r rawFacts, f map[string]any) {
	for _, l := range r.kv["sshkey"] {
		fields := strings.Fields(l)
		if len(fields) >= 3 {
			f["ansible_ssh_host_key_"+fields[0]+"_public"] = fields[2]
			f["ansible_ssh_host_key_"+fields[0]+"_public_keytype"] = fields[1]
		}
	}
}

// prefixedJSONFacts are the facts a JSON fact tool (facter, ohai) printed
// in its section, each under prefix.
func prefixedJSONFacts(section, prefix string) func(rawFacts, map[string]any) {
	return func(r rawFacts, f map[string]any) {
		var facts map[string]any
		if json.Unmarshal([]byte(strings.Join(r.sections[section], "\n")), &facts) != nil {
			return
		}
		for k, v := range facts {
			f[prefix+k] = v
		}
	}
}

// virtualState is what the virtual collector found so far: the first
// technology found names the type and role, every one joins the guest or
// host list.
type virtualState struct {
	typ, role   string
	found       bool
	guest, host []string
}

func (v *virtualState) guestTech(tech string, role string) {
	if !slices.Contains(v.guest, tech) {
		v.guest = append(v.guest, tech)
	}
	v.first(tech, role)
}

func (v *virtualState) hostTech(tech string, role string) {
	if !slices.Contains(v.host, tech) {
		v.host = append(v.host, tech)
	}
	v.first(tech, role)
}

func (v *virtualState) first(tech, role string) {
	if v.found {
		return
	}
	v.typ, v.found = tech, true
	if role != "" {
		v.role = role
	}
}

var (
	dockerCgroup = regexp.MustCompile(`/docker(/|-[0-9a-f]+\.scope)`)
	lxcCgroup    = regexp.MustCompile(`/lxc/|/machine.slice/machine-lxc`)
)

// virtualFacts detects containers and hypervisors as Ansible's Linux
// virtual collector does, from cgroups, init's environment, marker files,
// DMI names, cpuinfo and kernel modules.
func virtualFacts(r rawFacts, f map[string]any) {
	v := &virtualState{}
	for _, l := range r.sections["cgroup"] {
		if dockerCgroup.MatchString(l) {
			v.guestTech("docker", "guest")
		}
		if lxcCgroup.MatchString(l) {
			v.guestTech("lxc", "guest")
		}
		if strings.Contains(l, "/system.slice/containerd.service") {
			v.guestTech("containerd", "guest")
		}
	}
	for _, l := range r.sections["environ"] {
		switch {
		case strings.Contains(l, "container=lxc"):
			v.guestTech("lxc", "guest")
		case strings.Contains(l, "container=podman"):
			v.guestTech("podman", "guest")
		}
		if strings.HasPrefix(l, "container=") && len(l) > len("container=") {
			v.guestTech("container", "guest")
		}
	}
	virtualMarkers(r, v)
	virtualHardware(r, v)
	f["ansible_virtualization_type"], f["ansible_virtualization_role"] = v.typ, v.role
	if !v.found {
		f["ansible_virtualization_type"], f["ansible_virtualization_role"] = "NA", "NA"
	}
	slices.Sort(v.guest)
	slices.Sort(v.host)
	f["ansible_virtualization_tech_guest"] = stringsToAny(v.guest)
	f["ansible_virtualization_tech_host"] = stringsToAny(v.host)
}

// virtualInfo is the @@virt section as "exists PATH", "container NAME",
// "dmi_KEY VALUE", "cpu LINE" and "module NAME" values.
func virtualInfo(r rawFacts) (map[string]bool, map[string]string, []string, []string) {
	exists, vals := map[string]bool{}, map[string]string{}
	var cpu, modules []string
	for _, l := range r.sections["virt"] {
		k, val, _ := strings.Cut(l, " ")
		switch k {
		case "exists":
			exists[val] = true
		case "xen_host":
			exists["xen_host"] = true
		case "cpu":
			cpu = append(cpu, val)
		case "module":
			modules = append(modules, val)
		default:
			vals[k] = strings.TrimSpace(val)
		}
	}
	return exists, vals, cpu, modules
}

// virtualMarkers checks openvz, systemd containers, docker's files and xen.
func virtualMarkers(r rawFacts, v *virtualState) {
	exists, vals, _, _ := virtualInfo(r)
	if exists["/proc/vz"] && !exists["/proc/lve"] {
		if exists["/proc/bc"] {
			v.hostTech("openvz", "host")
		} else {
			v.guestTech("openvz", "guest")
		}
		v.typ = "openvz"
	}
	if c := vals["container"]; c != "" {
		v.guestTech(c, "guest")
	}
	if exists["/.dockerenv"] || exists["/.dockerinit"] {
		v.guestTech("docker", "guest")
	}
	for _, t := range []string{"docker", "lxc", "podman", "openvz", "containerd"} {
		if slices.Contains(v.guest, t) || vals["container"] != "" {
			if !slices.Contains(v.guest, "container") {
				v.guest = append(v.guest, "container")
			}
			break
		}
	}
	if exists["/proc/xen"] {
		if exists["xen_host"] {
			v.hostTech("xen", "host")
		} else {
			v.guestTech("xen", "guest")
		}
	}
}

// dmiGuests are the DMI values naming a hypervisor, by the DMI file.
var dmiGuests = []struct{ key, value, tech string }{
	{"dmi_product_name", "KVM", "kvm"}, {"dmi_product_name", "KVM Server", "kvm"}, {"dmi_product_name", "Bochs", "kvm"},
	{"dmi_product_name", "AHV", "kvm"}, {"dmi_sys_vendor", "oVirt", "oVirt"},
	{"dmi_product_name", "VMware Virtual Platform", "VMware"}, {"dmi_product_name", "VMware7,1", "VMware"},
	{"dmi_product_name", "OpenStack Compute", "openstack"}, {"dmi_product_name", "OpenStack Nova", "openstack"},
	{"dmi_bios_vendor", "Xen", "xen"}, {"dmi_bios_vendor", "innotek GmbH", "virtualbox"},
	{"dmi_bios_vendor", "Amazon EC2", "kvm"}, {"dmi_bios_vendor", "DigitalOcean", "kvm"}, {"dmi_bios_vendor", "Hetzner", "kvm"},
	{"dmi_sys_vendor", "QEMU", "kvm"}, {"dmi_sys_vendor", "Amazon EC2", "kvm"}, {"dmi_sys_vendor", "DigitalOcean", "kvm"},
	{"dmi_sys_vendor", "Google", "kvm"}, {"dmi_sys_vendor", "Scaleway", "kvm"}, {"dmi_sys_vendor", "Nutanix", "kvm"},
	{"dmi_sys_vendor", "KubeVirt", "KubeVirt"}, {"dmi_sys_vendor", "Microsoft Corporation", "VirtualPC"},
	{"dmi_sys_vendor", "Parallels Software International Inc.", "parallels"},
	{"dmi_sys_vendor", "OpenStack Foundation", "openstack"},
}

var cpuGuests = []struct {
	re   *regexp.Regexp
	tech string
}{
	{regexp.MustCompile(`^model name.*QEMU Virtual CPU`), "kvm"}, {regexp.MustCompile(`^vendor_id.*User Mode Linux`), "uml"},
	{regexp.MustCompile(`^model name.*UML`), "uml"}, {regexp.MustCompile(`^machine.*CHRP IBM pSeries .emulated by qemu.`), "kvm"},
	{regexp.MustCompile(`^vendor_id.*PowerVM Lx86`), "powervm_lx86"},
}

// virtualHardware checks DMI names, cpuinfo, kernel modules and /dev/kvm.
func virtualHardware(r rawFacts, v *virtualState) {
	exists, vals, cpu, modules := virtualInfo(r)
	guessed := !v.found
	if guessed {
		v.role = "guest"
	}
	for _, g := range dmiGuests {
		if vals[g.key] == g.value {
			v.guestTech(g.tech, "")
		}
	}
	if vals["dmi_sys_vendor"] == "Red Hat" {
		switch {
		case vals["dmi_product_family"] == "RHV":
			v.guestTech("RHV", "")
		case vals["dmi_product_name"] == "RHEV Hypervisor":
			v.guestTech("RHEV", "")
		}
	}
	if guessed && !v.found {
		v.role = ""
	}
	for _, l := range cpu {
		for _, g := range cpuGuests {
			if g.re.MatchString(l) {
				v.guestTech(g.tech, "guest")
			}
		}
	}
	if slices.Contains(modules, "kvm") {
		v.hostTech("kvm", "host")
	}
	if slices.Contains(modules, "vboxdrv") {
		v.hostTech("virtualbox", "host")
	}
	if slices.Contains(modules, "virtio") {
		v.hostTech("kvm", "guest")
	}
	if exists["/dev/kvm"] {
		v.hostTech("kvm", "host")
	}
}
