package tasks

import (
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/jinja"
)

// hardwareFacts are the hardware collector's facts: processors, memory,
// uptime, DMI, mounts and block devices.
func hardwareFacts(r rawFacts, f map[string]any) {
	cpuFacts(r, f)
	memoryFacts(r, f)
	if up := strings.Fields(strings.Join(r.sections["uptime"], " ")); len(up) > 0 {
		secs, _ := strconv.ParseFloat(up[0], 64)
		f["ansible_uptime_seconds"] = int(secs)
	}
	dmiFacts(r, f)
	f["ansible_mounts"] = mountFacts(r)
	links := deviceLinks(r.sections["links"])
	f["ansible_device_links"] = links
	f["ansible_devices"] = deviceFacts(r.sections["devices"], r.sections["devfiles"], links)
	if r.one("lvm") == "" {
		f["ansible_lvm"] = "N/A"
	}
}

// cpuFacts reads /proc/cpuinfo as Ansible does on x86: sockets by physical
// id, cores per socket, threads from siblings.
func cpuFacts(r rawFacts, f map[string]any) {
	vcpus, cores, siblings := 0, 0, 0
	sockets := map[string]bool{}
	processor := []any{}
	for _, l := range r.sections["cpuinfo"] {
		k, v, _ := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			vcpus++
		case "physical id":
			sockets[v] = true
		case "cpu cores":
			cores, _ = strconv.Atoi(v)
		case "siblings":
			siblings, _ = strconv.Atoi(v)
		}
		if k == "processor" || k == "vendor_id" || k == "model name" || k == "Processor" {
			processor = append(processor, v)
		}
	}
	count := max(len(sockets), 1)
	if len(sockets) == 0 {
		count = vcpus
		cores = max(cores, 1)
	}
	threads := 1
	if cores > 0 && siblings > 0 {
		threads = max(siblings/cores, 1)
	} else if cores == 0 {
		cores = vcpus
	}
	f["ansible_processor"] = processor
	f["ansible_processor_count"] = count
	f["ansible_processor_cores"] = cores
	f["ansible_processor_threads_per_core"] = threads
	f["ansible_processor_vcpus"] = threads * count * cores
	if n, err := strconv.Atoi(r.one("nproc")); err == nil {
		f["ansible_processor_nproc"] = n
	}
}

// memoryFacts are the *_mb facts and ansible_memory_mb from /proc/meminfo.
func memoryFacts(r rawFacts, f map[string]any) {
	mem := map[string]any{}
	for _, l := range r.sections["meminfo"] {
		fields := strings.Fields(l)
		if len(fields) >= 2 {
			n, _ := strconv.Atoi(fields[1])
			mem[strings.ToLower(strings.TrimSuffix(fields[0], ":"))] = n / 1024
		}
	}
	for _, k := range []string{"memtotal", "memfree", "swaptotal", "swapfree"} {
		f["ansible_"+k+"_mb"] = mem[k]
	}
	n := func(k string) int { v, _ := mem[k].(int); return v }
	nocacheFree := n("cached") + n("memfree") + n("buffers")
	f["ansible_memory_mb"] = map[string]any{
		"real":    map[string]any{"total": mem["memtotal"], "used": n("memtotal") - n("memfree"), "free": mem["memfree"]},
		"nocache": map[string]any{"free": nocacheFree, "used": n("memtotal") - nocacheFree},
		"swap": map[string]any{"total": mem["swaptotal"], "free": mem["swapfree"],
			"used": n("swaptotal") - n("swapfree"), "cached": mem["swapcached"]},
	}
}

// dmiKeys maps Ansible's DMI facts to their /sys/devices/virtual/dmi/id
// files.
var dmiKeys = map[string]string{"bios_date": "bios_date", "bios_vendor": "bios_vendor", "bios_version": "bios_version",
	"board_asset_tag": "board_asset_tag", "board_name": "board_name", "board_serial": "board_serial",
	"board_vendor": "board_vendor", "board_version": "board_version", "chassis_asset_tag": "chassis_asset_tag",
	"chassis_serial": "chassis_serial", "chassis_vendor": "chassis_vendor", "chassis_version": "chassis_version",
	"form_factor": "chassis_type", "product_name": "product_name", "product_serial": "product_serial",
	"product_uuid": "product_uuid", "product_version": "product_version", "system_vendor": "sys_vendor"}

// chassisTypes are the SMBIOS chassis type names by number.
var chassisTypes = []string{"Unknown", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower",
	"Tower", "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station", "All In One", "Sub Notebook",
	"Space-saving", "Lunch Box", "Main Server Chassis", "Expansion Chassis", "Sub Chassis", "Bus Expansion Chassis",
	"Peripheral Chassis", "RAID Chassis", "Rack Mount Chassis", "Sealed-case PC", "Multi-system", "CompactPCI",
	"AdvancedTCA", "Blade", "Blade Enclosure", "Tablet", "Convertible", "Detachable", "IoT Gateway",
	"Embedded PC", "Mini PC", "Stick PC"}

// dmiFacts are the DMI facts, "NA" for a file missing or unreadable.
func dmiFacts(r rawFacts, f map[string]any) {
	read := map[string]string{}
	for _, l := range r.sections["dmi"] {
		if k, v, ok := strings.Cut(l, ":"); ok {
			read[k] = strings.TrimSpace(v)
		}
	}
	for fact, file := range dmiKeys {
		v, ok := read[file]
		switch {
		case !ok:
			v = "NA"
		case fact == "form_factor":
			v = formFactor(v)
		}
		f["ansible_"+fact] = v
	}
}

func formFactor(v string) string {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 && n < len(chassisTypes) {
		return chassisTypes[n]
	}
	return "unknown (" + v + ")"
}

// mountFacts are ansible_mounts: the device mounts of /proc/mounts with
// their sizes and UUIDs, bind mounts marked in the options.
func mountFacts(r rawFacts) []any {
	uuids := map[string]string{}
	for _, l := range r.sections["uuids"] {
		if fields := strings.Fields(l); len(fields) == 2 {
			uuids[fields[0]] = fields[1]
		}
	}
	binds := r.sections["binds"]
	out := []any{}
	for _, l := range r.sections["mounts"] {
		head, size, _ := strings.Cut(l, "|")
		fields := strings.Fields(head)
		if len(fields) < 4 {
			continue
		}
		for i := range fields {
			fields[i] = octalUnescape(fields[i])
		}
		m := map[string]any{"device": fields[0], "mount": fields[1], "fstype": fields[2], "options": fields[3]}
		if slices.Contains(binds, fields[1]) && !bindOption.MatchString(fields[3]) {
			m["options"] = fields[3] + ",bind"
		}
		mountSize(m, strings.Fields(size))
		m["uuid"] = "N/A"
		if u := uuids[fields[0]]; u != "" {
			m["uuid"] = u
		}
		out = append(out, m)
	}
	return out
}

var bindOption = regexp.MustCompile(`.*\bbind\b.*`)

// octalUnescape replaces /proc/mounts' \NNN escapes.
func octalUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountSize fills the statvfs figures from "FRSIZE BSIZE BLOCKS BFREE
// BAVAIL FILES FFREE".
func mountSize(m map[string]any, st []string) {
	if len(st) < 7 {
		return
	}
	n := make([]int64, 7)
	for i := range n {
		n[i], _ = strconv.ParseInt(st[i], 10, 64)
	}
	m["size_total"], m["size_available"] = n[0]*n[2], n[0]*n[4]
	m["block_size"], m["block_total"], m["block_available"], m["block_used"] = n[1], n[2], n[4], n[2]-n[4]
	m["inode_total"], m["inode_available"], m["inode_used"] = n[5], n[6], n[5]-n[6]
}

// deviceLinks are ansible_device_links: the /dev/disk/by-* names of each
// device and the devices built on each.
func deviceLinks(lines []string) map[string]any {
	kinds := map[string]string{"id": "ids", "label": "labels", "uuid": "uuids", "masters": "masters"}
	out := map[string]map[string][]string{"ids": {}, "labels": {}, "uuids": {}, "masters": {}}
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 3 || kinds[fields[0]] == "" {
			continue
		}
		kind, name, target := kinds[fields[0]], fields[1], path.Base(fields[2])
		if kind == "masters" {
			name, target = fields[2], fields[1]
		}
		out[kind][target] = append(out[kind][target], name)
	}
	res := map[string]any{}
	for kind, m := range out {
		d := map[string]any{}
		for dev, names := range m {
			slices.Sort(names)
			d[dev] = stringsToAny(names)
		}
		res[kind] = d
	}
	return res
}

// deviceFacts are ansible_devices from the @@devices section (names,
// physical devices, holders) and the @@devfiles one ("DEV/FILE:VALUE" for
// the /sys/block files read, partitions' as "DEV/PART/start|size:VALUE").
func deviceFacts(lines, files []string, links map[string]any) map[string]any {
	out := map[string]any{}
	var cur map[string]any
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "dev "):
			name := strings.TrimPrefix(l, "dev ")
			cur = newDevice(name, links)
			out[name] = cur
		case cur == nil:
		case l == "physical":
			cur["virtual"] = 0
		case strings.HasPrefix(l, "holder "):
			cur["holders"] = append(cur["holders"].([]any), strings.TrimPrefix(l, "holder "))
		}
	}
	parts := map[string]map[string]string{}
	for _, l := range files {
		file, v, _ := strings.Cut(l, ":")
		dev, key, _ := strings.Cut(file, "/")
		d, _ := out[dev].(map[string]any)
		if d == nil {
			continue
		}
		if part, k, ok := strings.Cut(key, "/"); ok && (k == "start" || k == "size") && strings.HasPrefix(part, dev) {
			if parts[dev+"/"+part] == nil {
				parts[dev+"/"+part] = map[string]string{}
			}
			parts[dev+"/"+part][k] = v
			continue
		}
		setDeviceValue(d, key, v)
	}
	for key, p := range parts {
		dev, part, _ := strings.Cut(key, "/")
		addPartition(out[dev].(map[string]any), part, p["start"], p["size"], links)
	}
	return out
}

func newDevice(name string, links map[string]any) map[string]any {
	return map[string]any{"virtual": 1, "links": linksOf(name, links), "vendor": nil, "model": nil,
		"sas_address": nil, "sas_device_handle": nil, "removable": nil, "support_discard": nil,
		"partitions": map[string]any{}, "rotational": nil, "scheduler_mode": "", "sectors": "0",
		"sectorsize": "512", "size": humanBytes(0), "host": "", "holders": []any{}}
}

// linksOf is one device's links by kind.
func linksOf(name string, links map[string]any) map[string]any {
	out := map[string]any{}
	for kind, m := range links {
		l, _ := m.(map[string]any)[name].([]any)
		out[kind] = nonNil(l)
	}
	return out
}

var schedulerRe = regexp.MustCompile(`.*?(\[(.*)\])`)

func setDeviceValue(d map[string]any, k, v string) {
	switch k {
	case "device/vendor", "device/model", "device/sas_address", "device/sas_device_handle":
		d[strings.TrimPrefix(k, "device/")] = strings.TrimSpace(v)
	case "removable":
		d["removable"] = v
	case "queue/discard_granularity":
		d["support_discard"] = v
	case "queue/rotational":
		d["rotational"] = v
	case "queue/logical_block_size":
		d["sectorsize"] = v
	case "queue/scheduler":
		if m := schedulerRe.FindStringSubmatch(v); m != nil {
			d["scheduler_mode"] = m[2]
		}
	case "size":
		d["sectors"] = v
		n, _ := strconv.ParseFloat(v, 64)
		d["size"] = humanBytes(n * 512)
	}
}

// addPartition adds a partition: its start and size in sectors (the
// sector size Ansible reads for a partition is never there: 512).
func addPartition(d map[string]any, name, start, sectors string, links map[string]any) {
	n, _ := strconv.ParseFloat(sectors, 64)
	d["partitions"].(map[string]any)[name] = map[string]any{
		"links": linksOf(name, links), "start": start, "sectors": sectors,
		"sectorsize": 512, "size": humanBytes(n * 512), "uuid": uuidOf(name, links), "holders": []any{},
	}
}

// uuidOf is a partition's filesystem UUID from /dev/disk/by-uuid, or nil.
func uuidOf(name string, links map[string]any) any {
	if l, _ := links["uuids"].(map[string]any)[name].([]any); len(l) > 0 {
		return l[0]
	}
	return nil
}

func humanBytes(n float64) string { return jinja.HumanBytes(n, "Bytes", "", false) }
