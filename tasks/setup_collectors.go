package tasks

import "strings"

// factCollector is one of Ansible's fact collectors as setup runs it: its
// gather_subset name, the fact names it also answers to, the collectors
// whose facts it needs, the parts of the fact script it reads and how it
// turns them into facts.
type factCollector struct {
	name     string
	ids      []string
	requires []string
	probes   []string
	fill     func(r rawFacts, f map[string]any)
}

// factCollectors are Ansible's Linux collectors, in the order Ansible runs
// them.
var factCollectors = []*factCollector{
	{name: "platform", ids: strings.Fields("architecture kernel kernel_version machine machine_id python_version system"),
		probes: []string{"platform", "python"}, fill: platformFacts},
	{name: "distribution", ids: strings.Fields("distribution_major_version distribution_release distribution_version os_family"),
		probes: []string{"distribution"}, fill: distributionFacts},
	{name: "lsb", probes: []string{"lsb"}, fill: lsbFacts},
	{name: "selinux", probes: []string{"selinux"}, fill: selinuxFacts},
	{name: "apparmor", probes: []string{"apparmor"}, fill: apparmorFacts},
	{name: "chroot", ids: []string{"is_chroot"}, probes: []string{"chroot"}, fill: chrootFacts},
	{name: "fips", probes: []string{"fips"}, fill: fipsFacts},
	{name: "python", probes: []string{"python"}, fill: pythonFacts},
	{name: "caps", ids: []string{"system_capabilities", "system_capabilities_enforced"}, probes: []string{"caps"}, fill: capsFacts},
	{name: "pkg_mgr", requires: []string{"distribution"}, probes: []string{"pkg_mgr"}, fill: pkgMgrFacts},
	{name: "service_mgr", requires: []string{"distribution", "platform"}, probes: []string{"service_mgr"},
		fill: func(r rawFacts, f map[string]any) { f["ansible_service_mgr"] = sectionLine(r, "service_mgr") }},
	{name: "cmdline", probes: []string{"cmdline"}, fill: cmdlineFacts},
	{name: "date_time", probes: []string{"date_time"}, fill: dateFacts},
	{name: "env", probes: []string{"env"}, fill: func(r rawFacts, f map[string]any) { f["ansible_env"] = envFacts(r.sections["env"]) }},
	{name: "loadavg", probes: []string{"loadavg"}, fill: loadavgFacts},
	{name: "ssh_pub_keys", ids: strings.Fields("ssh_host_key_dsa_public ssh_host_key_ecdsa_public ssh_host_key_ed25519_public ssh_host_key_rsa_public ssh_host_pub_keys"),
		probes: []string{"ssh_pub_keys"}, fill: sshPubKeyFacts},
	{name: "user", ids: strings.Fields("effective_group_ids effective_user_id real_user_id user_dir user_gecos user_gid user_id user_shell user_uid"),
		probes: []string{"user"}, fill: userFacts},
	{name: "virtual", ids: strings.Fields("virtualization_role virtualization_tech_guest virtualization_tech_host virtualization_type"),
		probes: []string{"virtual"}, fill: virtualFacts},
	{name: "hardware", ids: strings.Fields("devices mounts processor processor_cores processor_count"), requires: []string{"platform"},
		probes: []string{"hardware", "mounts", "devices"}, fill: hardwareFacts},
	{name: "dns", probes: []string{"dns"}, fill: dnsFacts},
	{name: "fibre_channel_wwn", probes: []string{"fibre_channel_wwn"}, fill: fcWWNFacts},
	{name: "iscsi", probes: []string{"iscsi"}, fill: iscsiFacts},
	{name: "nvme", probes: []string{"nvme"}, fill: nvmeFacts},
	{name: "network", ids: strings.Fields("all_ipv4_addresses all_ipv6_addresses default_ipv4 default_ipv6 interfaces"),
		requires: []string{"distribution", "platform"}, probes: []string{"network"}, fill: networkFacts},
	{name: "local", probes: []string{"local"}, fill: func(rawFacts, map[string]any) {}},
	{name: "facter", ids: []string{"facter"}, probes: []string{"facter"}, fill: prefixedJSONFacts("facter", "facter_")},
	{name: "ohai", probes: []string{"ohai"}, fill: prefixedJSONFacts("ohai", "ohai_")},
}

// factProbeHead defines p, which prints one "@=key=value" line (read as a
// value wherever it appears, also after a section began).
const factProbeHead = "p() { printf '@=%s=%s\\n' \"$1\" \"$2\"; }\n"

// factProbes are the parts of the fact script, each printing key=value
// lines or a section introduced by an "@@name" line.
var factProbes = map[string]string{
	"platform": `n=$(uname -n)
p nodename "$n"; p kernel "$(uname -r)"; p kernel_version "$(uname -v)"; p machine "$(uname -m)"; p system "$(uname -s)"
a=$(getent hosts "$n" 2>/dev/null | awk '{print $1; exit}')
p fqdn_fwd "$(getent hosts "$n" 2>/dev/null | head -n1)"
[ -n "$a" ] && p fqdn_rev "$(getent hosts "$a" 2>/dev/null | head -n1)"
p bits "$(getconf LONG_BIT 2>/dev/null)"
for f in /var/lib/dbus/machine-id /etc/machine-id; do [ -s $f ] && { p machine_id "$(cat $f)"; break; }; done
`,
	"python": `py=; for c in /usr/bin/python3 /usr/libexec/platform-python /usr/bin/python; do [ -x "$c" ] && { py=$c; break; }; done
[ -z "$py" ] && py=$(command -v python3 2>/dev/null)
[ -n "$py" ] && p python "$py $("$py" -S -c 'import sys;print(" ".join(str(x) for x in sys.version_info))' 2>/dev/null)"
`,
	"distribution": `echo @@os-release; cat /etc/os-release 2>/dev/null
echo @@debian_version; cat /etc/debian_version 2>/dev/null
echo @@redhat-release; cat /etc/redhat-release 2>/dev/null
`,
	"lsb": `echo @@lsb; if command -v lsb_release >/dev/null 2>&1; then lsb_release -a 2>/dev/null; echo "rc=$?"; fi
echo @@lsb-release; cat /etc/lsb-release 2>/dev/null
`,
	"selinux": `l=; for f in /lib/*/libselinux.so.1 /usr/lib/*/libselinux.so.1 /lib*/libselinux.so.1 /usr/lib*/libselinux.so.1; do [ -e "$f" ] && l=1; done
if [ -n "$l" ]; then
  if [ -e /sys/fs/selinux/enforce ]; then p selinux "$(cat /sys/fs/selinux/policyvers 2>/dev/null) $(cat /sys/fs/selinux/enforce 2>/dev/null)"
    echo @@selinux-config; cat /etc/selinux/config 2>/dev/null
  else p selinux disabled; fi
fi
`,
	"apparmor": `[ -e /sys/kernel/security/apparmor ] && p apparmor enabled
`,
	"chroot": `p debian_chroot "$debian_chroot"; p root_id "$(stat -c '%d %i' / 2>/dev/null)"; p proc1_root_id "$(stat -c '%d %i' /proc/1/root/. 2>/dev/null)"
p rootfs "$(stat -f --format=%T / 2>/dev/null)"
`,
	"fips": `p fips "$(cat /proc/sys/crypto/fips_enabled 2>/dev/null)"
`,
	"caps": `if command -v capsh >/dev/null 2>&1; then echo @@caps; capsh --print 2>/dev/null; echo "rc=$?"; fi
`,
	"pkg_mgr": `for m in apt-get dnf yum zypper apk pacman emerge pkg xbps-install swupd installp; do command -v $m >/dev/null 2>&1 && p pkg "$m"; done
`,
	"service_mgr": "echo @@service_mgr\n" + serviceMgrScript + "\n",
	"cmdline":     "p cmdline \"$(cat /proc/cmdline 2>/dev/null)\"\n",
	"date_time": `p date "$(date +'%s %N %z %Z %W')"
y=$(date +%Y); p tzdst "$(date -d "$y-01-01 12:00" +'%z %Z' 2>/dev/null) $(date -d "$y-07-01 12:00" +'%z %Z' 2>/dev/null)"
`,
	"env":     `echo @@env; awk 'BEGIN{for(k in ENVIRON){if(k=="AWKPATH"||k=="AWKLIBPATH")continue;v=ENVIRON[k];gsub(/\n/,"\001",v);print k"="v}}'` + "\n",
	"loadavg": "p loadavg \"$(cat /proc/loadavg 2>/dev/null)\"\n",
	"ssh_pub_keys": `for d in /etc/ssh /etc/openssh /etc; do f=; for a in dsa rsa ecdsa ed25519; do
  [ -r $d/ssh_host_${a}_key.pub ] && { f=1; p sshkey "$a $(cat $d/ssh_host_${a}_key.pub)"; }; done; [ -n "$f" ] && break; done
`,
	"user": `p user_id "$(id -un)"; p user_uid "$(id -ru)"; p user_gid "$(id -rg)"; p euid "$(id -u)"; p egid "$(id -g)"
echo @@passwd; getent passwd "$(id -un)" 2>/dev/null
`,
	"virtual": `echo @@cgroup; cat /proc/1/cgroup 2>/dev/null
echo @@environ; { tr '\0' '\n' < /proc/1/environ; } 2>/dev/null
echo @@virt; for f in /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /proc/xen /dev/kvm; do [ -e $f ] && echo "exists $f"; done
grep -q control_d /proc/xen/capabilities 2>/dev/null && echo xen_host
echo "container $(cat /run/systemd/container 2>/dev/null)"
for k in product_name sys_vendor product_family bios_vendor; do echo "dmi_$k $(cat /sys/devices/virtual/dmi/id/$k 2>/dev/null)"; done
grep -E '^(model name|vendor_id|machine)' /proc/cpuinfo 2>/dev/null | sed 's/^/cpu /'
cut -d' ' -f1 /proc/modules 2>/dev/null | sed 's/^/module /'
`,
	"hardware": `echo @@cpuinfo; grep -E '^(processor|physical id|core id|cpu cores|siblings|vendor_id|model name|Processor)' /proc/cpuinfo 2>/dev/null
p nproc "$(nproc 2>/dev/null)"
echo @@meminfo; grep -E '^(MemTotal|MemFree|SwapTotal|SwapFree|Buffers|Cached|SwapCached):' /proc/meminfo 2>/dev/null
echo @@uptime; cat /proc/uptime 2>/dev/null
echo @@dmi; cd /sys/devices/virtual/dmi/id 2>/dev/null && grep -s -H '' bios_date bios_vendor bios_version board_asset_tag board_name board_serial board_vendor board_version chassis_asset_tag chassis_serial chassis_vendor chassis_version chassis_type product_name product_serial product_uuid product_version sys_vendor; cd /
`,
	"mounts": `echo @@uuids; lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null
echo @@binds; findmnt -lnur 2>/dev/null | awk '$2 ~ /\]/ {print $1}'
echo @@mounts; while read -r dev mnt fs opts rest; do
  case "$dev" in /*|\\*|*:/*) ;; *) continue;; esac; [ "$fs" = none ] && continue
  echo "$dev $mnt $fs $opts|$(stat -f -c '%S %s %b %f %a %c %d' "$(printf '%b' "$mnt")" 2>/dev/null)"
done < /proc/mounts
`,
	"devices": `echo @@links; for t in id label uuid; do for l in /dev/disk/by-$t/*; do [ -L "$l" ] && echo "$t ${l##*/} $(readlink "$l")"; done; done
for s in /sys/block/*/slaves/*; do [ -e "$s" ] && echo "masters ${s##*/} $(basename "${s%/slaves/*}")"; done
p lvm "$( [ "$(id -u)" = 0 ] && command -v vgs >/dev/null 2>&1 && echo yes)"
echo @@devices; for d in /sys/block/*; do [ -e "$d" ] || continue; b=${d##*/}
  echo "dev $b"; [ -L "$d" ] || { ls "$d" | grep -q device && echo physical; }
  for h in $d/holders/*; do [ -e "$h" ] && echo "holder ${h##*/}"; done
done
echo @@devfiles; cd /sys/block 2>/dev/null && grep -s -H '' */device/vendor */device/model */device/sas_address */device/sas_device_handle */removable */size */queue/rotational */queue/logical_block_size */queue/discard_granularity */queue/scheduler */*/start */*/size; cd /
`,
	"dns":               "echo @@resolv; grep -E '^(nameserver|search|domain|sortlist|options)' /etc/resolv.conf 2>/dev/null\n",
	"fibre_channel_wwn": "echo @@fcwwn; cat /sys/class/fc_host/*/port_name 2>/dev/null\n",
	"iscsi":             "echo @@iscsi; cat /etc/iscsi/initiatorname.iscsi 2>/dev/null\n",
	"nvme":              "echo @@nvme; cat /etc/nvme/hostnqn 2>/dev/null\n",
	"network": `p route "$(ip -4 route get 8.8.8.8 2>/dev/null | head -n1)"
p route6 "$(ip -6 route get 2404:6800:400a:800::1012 2>/dev/null | head -n1)"
for i in /sys/class/net/*; do [ -d "$i" ] || continue
  p iface "${i##*/}|$(cat $i/mtu 2>/dev/null)|$(cat $i/address 2>/dev/null)|$(cat $i/flags 2>/dev/null)|$(cat $i/type 2>/dev/null)|$(cat $i/operstate 2>/dev/null)|$(cat $i/speed 2>/dev/null)|$( [ -e $i/device ] && basename "$(readlink $i/device)")|$( [ -e $i/device/driver/module ] && basename "$(readlink -f $i/device/driver/module)")"
done
ip -o -4 addr show 2>/dev/null | while read -r _ dev _ cidr rest; do p addr4 "$dev $cidr $rest"; done
ip -o -6 addr show 2>/dev/null | while read -r _ dev _ cidr rest; do p addr6 "$dev $cidr $rest"; done
`,
	"facter": `echo @@facter; for c in facter; do command -v $c >/dev/null 2>&1 && $c --json 2>/dev/null; done
`,
	"ohai": `echo @@ohai; command -v ohai >/dev/null 2>&1 && ohai 2>/dev/null
`,
}

// sectionLine is a section's first line, "" without one.
func sectionLine(r rawFacts, k string) string {
	if l := r.sections[k]; len(l) > 0 {
		return l[0]
	}
	return ""
}

// factScriptFor is the fact script the collectors need: each probe once,
// in the collectors' order, then the local facts for fact_path ($1).
func factScriptFor(collectors []*factCollector) string {
	var b strings.Builder
	b.WriteString(factProbeHead)
	seen := map[string]bool{}
	for _, c := range collectors {
		for _, p := range c.probes {
			if seen[p] {
				continue
			}
			seen[p] = true
			if p == "local" {
				b.WriteString(localFactScript)
				continue
			}
			b.WriteString(factProbes[p])
		}
	}
	return b.String()
}
