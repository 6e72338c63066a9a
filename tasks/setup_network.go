package tasks

import (
	"fmt"
	"strconv"
	"strings"
)

// interfaceTypes are the link types of /sys/class/net/*/type Ansible names.
var interfaceTypes = map[string]string{"1": "ether", "32": "infiniband", "512": "ppp", "772": "loopback", "65534": "tunnel"}

// networkFacts are the network collector's facts: the interfaces (one fact
// each), their addresses and the default IPv4 and IPv6 routes.
func networkFacts(r rawFacts, f map[string]any) {
	ifaces := map[string]map[string]any{}
	names := []any{}
	for _, l := range r.kv["iface"] {
		iface := interfaceOf(strings.Split(l, "|"))
		if iface == nil {
			continue
		}
		name := iface["device"].(string)
		ifaces[name] = iface
		names = append(names, strings.ReplaceAll(name, ":", "_"))
	}
	f["ansible_interfaces"] = names
	v4 := routeOf(r.one("route"))
	v6 := routeOf(r.one("route6"))
	f["ansible_all_ipv4_addresses"] = ipv4Addresses(r.kv["addr4"], ifaces, v4)
	f["ansible_all_ipv6_addresses"] = ipv6Addresses(r.kv["addr6"], ifaces, v6)
	for name, iface := range ifaces {
		f["ansible_"+strings.ReplaceAll(name, ":", "_")] = iface
	}
	f["ansible_default_ipv4"] = v4
	f["ansible_default_ipv6"] = v6
}

// interfaceOf reads "NAME|MTU|MAC|FLAGS|TYPE|OPERSTATE|SPEED|PCIID|MODULE".
func interfaceOf(p []string) map[string]any {
	if len(p) < 9 || p[0] == "" {
		return nil
	}
	out := map[string]any{"device": p[0]}
	if p[2] != "" && p[2] != "00:00:00:00:00:00" {
		out["macaddress"] = p[2]
	}
	if mtu, err := strconv.Atoi(p[1]); err == nil {
		out["mtu"] = mtu
	}
	if flags, err := strconv.ParseInt(strings.TrimPrefix(p[3], "0x"), 16, 64); err == nil {
		out["promisc"] = flags&0x100 != 0
	}
	if p[4] != "" {
		out["type"] = interfaceTypes[p[4]]
		if out["type"] == "" {
			out["type"] = "unknown"
		}
	}
	if p[5] != "" {
		out["active"] = p[5] != "down"
	}
	if speed, err := strconv.Atoi(p[6]); err == nil {
		out["speed"] = speed
	}
	if p[7] != "" {
		out["pciid"] = p[7]
	}
	if p[8] != "" {
		out["module"] = p[8]
	}
	return out
}

// routeOf reads "ip route get" output: "DEST via GW dev IF src ADDR".
func routeOf(route string) map[string]any {
	out := map[string]any{}
	fields := strings.Fields(route)
	for i := 0; i+1 < len(fields); i++ {
		switch fields[i] {
		case "via":
			out["gateway"] = fields[i+1]
		case "dev":
			out["interface"] = fields[i+1]
		case "src":
			out["address"] = fields[i+1]
		}
	}
	if out["interface"] == nil {
		return map[string]any{}
	}
	return out
}

// ipv4Addresses fills each interface's ipv4 (first primary address) and
// ipv4_secondaries from "ip -o -4 addr" lines ("DEV ADDR/PREFIX brd B
// scope S [secondary] LABEL\ ..."), completes the default route's address
// and returns the addresses but loopback ones.
func ipv4Addresses(lines []string, ifaces map[string]map[string]any, def map[string]any) []any {
	all := []any{}
	for _, l := range lines {
		words := strings.Fields(strings.Split(l, `\`)[0])
		iface := ifaces[wordAt(words, 0)]
		if iface == nil || len(words) < 2 {
			continue
		}
		addr := ipv4Address(words)
		if wordIndex(words, "secondary") < 0 && iface["ipv4"] == nil {
			iface["ipv4"] = addr
		} else {
			sec, _ := iface["ipv4_secondaries"].([]any)
			iface["ipv4_secondaries"] = append(sec, addr)
		}
		if def["address"] == addr["address"] {
			for _, k := range []string{"broadcast", "netmask", "network", "prefix"} {
				def[k] = addr[k]
			}
			defaultLink(def, iface)
			def["alias"] = words[len(words)-1]
		}
		if !strings.HasPrefix(addr["address"].(string), "127.") {
			all = append(all, addr["address"])
		}
	}
	return all
}

func ipv4Address(words []string) map[string]any {
	ip, prefix, ok := strings.Cut(words[1], "/")
	if !ok {
		prefix = "32"
	}
	n, _ := strconv.Atoi(prefix)
	broadcast := ""
	if len(words) > 3 && words[2] == "brd" {
		broadcast = words[3]
	}
	return map[string]any{"address": ip, "broadcast": broadcast, "netmask": maskString(n),
		"network": networkOf(ip, n), "prefix": prefix}
}

// ipv6Addresses fills each interface's ipv6 list from "ip -o -6 addr"
// lines ("DEV ADDR/PREFIX scope S ..." or "DEV ADDR peer P/PREFIX scope S"),
// completes the default route's and returns all but ::1.
func ipv6Addresses(lines []string, ifaces map[string]map[string]any, def map[string]any) []any {
	all := []any{}
	for _, l := range lines {
		words := strings.Fields(strings.Split(l, `\`)[0])
		iface := ifaces[wordAt(words, 0)]
		if iface == nil || len(words) < 4 {
			continue
		}
		addr, prefix, _ := strings.Cut(words[1], "/")
		scope := wordAt(words, 3)
		if words[2] == "peer" {
			_, prefix, _ = strings.Cut(words[3], "/")
			scope = wordAt(words, 5)
		}
		list, _ := iface["ipv6"].([]any)
		iface["ipv6"] = append(list, map[string]any{"address": addr, "prefix": prefix, "scope": scope})
		if def["address"] == addr {
			def["prefix"], def["scope"] = prefix, scope
			defaultLink(def, iface)
		}
		if addr != "::1" {
			all = append(all, addr)
		}
	}
	return all
}

// defaultLink copies the interface's link facts to a default route.
func defaultLink(def, iface map[string]any) {
	def["macaddress"] = iface["macaddress"]
	if def["macaddress"] == nil {
		def["macaddress"] = "unknown"
	}
	def["mtu"] = iface["mtu"]
	def["type"] = iface["type"]
	if def["type"] == nil {
		def["type"] = "unknown"
	}
}

func wordAt(words []string, i int) string {
	if i < len(words) {
		return words[i]
	}
	return ""
}

func wordIndex(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
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

// dnsFacts are ansible_dns from /etc/resolv.conf.
func dnsFacts(r rawFacts, f map[string]any) {
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
		case "domain":
			dns["domain"] = fields[1]
		case "search", "sortlist":
			dns[fields[0]] = stringsToAny(fields[1:])
		case "options":
			opts, _ := dns["options"].(map[string]any)
			if opts == nil {
				opts = map[string]any{}
			}
			for _, o := range fields[1:] {
				k, v, ok := strings.Cut(o, ":")
				if ok {
					opts[k] = v
				} else {
					opts[k] = true
				}
			}
			dns["options"] = opts
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

// fcWWNFacts are the Fibre Channel port names, without their 0x.
func fcWWNFacts(r rawFacts, f map[string]any) {
	out := []any{}
	for _, l := range r.sections["fcwwn"] {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, strings.TrimPrefix(l, "0x"))
		}
	}
	f["ansible_fibre_channel_wwn"] = out
}

// iscsiFacts is the iSCSI initiator name, "" without one.
func iscsiFacts(r rawFacts, f map[string]any) {
	f["ansible_iscsi_iqn"] = ""
	for _, l := range r.sections["iscsi"] {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "InitiatorName="); ok {
			f["ansible_iscsi_iqn"] = strings.TrimSpace(v)
		}
	}
}

// nvmeFacts is the NVMe host NQN, "" without one.
func nvmeFacts(r rawFacts, f map[string]any) {
	f["ansible_hostnqn"] = ""
	for _, l := range r.sections["nvme"] {
		if l = strings.TrimSpace(l); l != "" {
			f["ansible_hostnqn"] = l
			break
		}
	}
}
