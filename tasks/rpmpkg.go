package tasks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/drover/drover/transport"
)

// Shared by the dnf and yum modules: their arguments (Ansible's
// yumdnf_argument_spec, less list and the python-only ones), the options
// they turn into on the dnf/yum command line, and the parsing of those
// programs' output.

// yumDnfArgs are the arguments dnf and yum share.
func yumDnfArgs() []Arg {
	return []Arg{
		{Name: "name", Aliases: []string{"pkg"}, Type: List, Elements: Str, Default: []any{}},
		{Name: "state", Type: Str, Choices: []string{"absent", "installed", "latest", "present", "removed"}},
		{Name: "autoremove", Type: Bool, Default: false},
		{Name: "bugfix", Type: Bool, Default: false},
		{Name: "cacheonly", Type: Bool, Default: false},
		{Name: "conf_file", Type: Str},
		{Name: "disable_excludes", Type: Str},
		{Name: "disable_gpg_check", Type: Bool, Default: false},
		{Name: "disable_plugin", Type: List, Elements: Str, Default: []any{}},
		{Name: "disablerepo", Type: List, Elements: Str, Default: []any{}},
		{Name: "download_only", Type: Bool, Default: false},
		{Name: "download_dir", Type: Str},
		{Name: "enable_plugin", Type: List, Elements: Str, Default: []any{}},
		{Name: "enablerepo", Type: List, Elements: Str, Default: []any{}},
		{Name: "exclude", Type: List, Elements: Str, Default: []any{}},
		{Name: "installroot", Type: Str, Default: "/"},
		{Name: "install_weak_deps", Type: Bool, Default: true},
		{Name: "releasever", Type: Str},
		{Name: "security", Type: Bool, Default: false},
		{Name: "skip_broken", Type: Bool, Default: false},
		{Name: "update_cache", Aliases: []string{"expire-cache"}, Type: Bool, Default: false},
		{Name: "update_only", Type: Bool, Default: false},
		{Name: "validate_certs", Type: Bool, Default: true},
		{Name: "sslverify", Type: Bool, Default: true},
	}
}

// rpmEnv makes dnf and yum print untranslated messages.
var rpmEnv = map[string]string{"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C"}

// rpmOptions are the command-line options for the arguments (tool is
// "dnf" or "yum").
func rpmOptions(a Args, tool string, check bool) []string {
	opts := []string{"-y"}
	if check {
		opts = []string{"--assumeno"}
	}
	if f := a.Str("conf_file"); f != "" {
		opts = append(opts, "-c", f)
	}
	for _, r := range a.Strings("disablerepo") {
		opts = append(opts, "--disablerepo="+r)
	}
	for _, r := range a.Strings("enablerepo") {
		opts = append(opts, "--enablerepo="+r)
	}
	for _, p := range a.Strings("disable_plugin") {
		opts = append(opts, "--disableplugin="+p)
	}
	for _, p := range a.Strings("enable_plugin") {
		opts = append(opts, "--enableplugin="+p)
	}
	for _, e := range a.Strings("exclude") {
		opts = append(opts, "--exclude="+e)
	}
	if r := a.Str("installroot"); r != "" && r != "/" {
		opts = append(opts, "--installroot="+r)
	}
	if r := a.Str("releasever"); r != "" {
		opts = append(opts, "--releasever="+r)
	}
	if d := a.Str("disable_excludes"); d != "" {
		opts = append(opts, "--disableexcludes="+d)
	}
	flags := []struct {
		on   bool
		flag string
	}{
		{a.Bool("disable_gpg_check"), "--nogpgcheck"},
		{a.Bool("skip_broken"), "--skip-broken"},
		{a.Bool("security"), "--security"},
		{a.Bool("bugfix"), "--bugfix"},
		{a.Bool("cacheonly"), "-C"},
		{a.Bool("download_only"), "--downloadonly"},
		{a.Bool("update_cache"), "--refresh"},
		{!a.Bool("install_weak_deps") && tool == "dnf", "--setopt=install_weak_deps=False"},
		{!a.Bool("sslverify") || !a.Bool("validate_certs"), "--setopt=sslverify=False"},
		{a.Bool("allowerasing") && tool == "dnf", "--allowerasing"},
		{a.Bool("nobest") && tool == "dnf", "--nobest"},
	}
	for _, f := range flags {
		if f.on {
			if f.flag == "--refresh" && tool == "yum" {
				continue
			}
			opts = append(opts, f.flag)
		}
	}
	if d := a.Str("download_dir"); d != "" {
		opts = append(opts, "--downloaddir="+d)
	}
	return opts
}

// rpmPlainSpec tells whether a package spec names packages rpm -q can
// check (not a group, file, URL, local package or wildcard).
func rpmPlainSpec(s string) bool {
	return s != "" && !strings.ContainsAny(s, "*?[@/<>= ") && !strings.HasSuffix(s, ".rpm")
}

// rpmQueryScript checks each plain spec with rpm -q; a section per spec
// holds the installed NEVRAs.
func rpmQueryScript(specs []string) *HostScript {
	s := &HostScript{}
	for i, spec := range specs {
		if rpmPlainSpec(spec) {
			s.Section(rpmSection(i), "rpm -q --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n' -- "+transport.Quote(spec))
		}
	}
	return s
}

func rpmSection(i int) string { return fmt.Sprintf("q%d", i) }

// rpmTransaction is what a dnf/yum run did (or, with --assumeno, would do).
type rpmTransaction struct {
	installed, removed []string
	nothing            bool
}

// rpmResults are the transaction's results as Ansible lists them.
func (t rpmTransaction) results(action string) []any {
	out := []any{}
	for _, p := range t.installed {
		out = append(out, action+": "+p)
	}
	for _, p := range t.removed {
		out = append(out, "Removed: "+p)
	}
	return out
}

// rpmSummaryHeads are the headings of the summary printed after a
// transaction, by what they mean.
var rpmSummaryHeads = map[string]string{"Installed:": "i", "Upgraded:": "i", "Updated:": "i", "Downgraded:": "i",
	"Reinstalled:": "i", "Dependency Installed:": "i", "Dependency Updated:": "i", "Removed:": "r", "Erased:": "r",
	"Dependency Removed:": "r", "Obsoleted:": "r"}

// rpmTableHeads are the headings of the transaction table printed before.
var rpmTableHeads = map[string]string{"Installing:": "i", "Upgrading:": "i", "Updating:": "i", "Downgrading:": "i",
	"Reinstalling:": "i", "Installing dependencies:": "i", "Installing weak dependencies:": "i",
	"Installing for dependencies:": "i", "Updating for dependencies:": "i", "Upgrading dependencies:": "i",
	"Removing:": "r", "Erasing:": "r", "Removing dependent packages:": "r", "Removing unused dependencies:": "r",
	"Removing for dependencies:": "r"}

var rpmNothing = regexp.MustCompile(`(?m)^(Nothing to do\.?|No packages marked for (update|removal))`)

// parseRPMOutput reads what a dnf/yum run did: the summary after a
// transaction, else (check mode) the transaction table.
func parseRPMOutput(out string) rpmTransaction {
	var t rpmTransaction
	t.nothing = rpmNothing.MatchString(out)
	lines := strings.Split(out, "\n")
	if strings.Contains(out, "\nComplete!") || strings.HasPrefix(out, "Complete!") {
		rpmSummary(lines, &t)
		return t
	}
	rpmTable(lines, &t)
	return t
}

// rpmSummary reads "Installed:\n  a-1.0-1.x86_64  b-2-1.noarch" blocks.
func rpmSummary(lines []string, t *rpmTransaction) {
	kind := ""
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if k, ok := rpmSummaryHeads[trimmed]; ok {
			kind = k
			continue
		}
		if trimmed == "" || !strings.HasPrefix(l, " ") {
			kind = ""
			continue
		}
		for _, p := range strings.Fields(trimmed) {
			if kind == "i" {
				t.installed = append(t.installed, p)
			} else if kind == "r" {
				t.removed = append(t.removed, p)
			}
		}
	}
}

// rpmTable reads the transaction table: " name arch version repo size"
// rows (a long name alone on its line, the rest on the next).
func rpmTable(lines []string, t *rpmTransaction) {
	kind, pending := "", ""
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if k, ok := rpmTableHeads[trimmed]; ok {
			kind, pending = k, ""
			continue
		}
		if kind == "" {
			continue
		}
		if trimmed == "" || !strings.HasPrefix(l, " ") {
			kind = ""
			continue
		}
		f := strings.Fields(pending + " " + trimmed)
		if len(f) < 3 {
			pending = trimmed
			continue
		}
		pending = ""
		nevra := f[0] + "-" + f[2] + "." + f[1]
		if kind == "i" {
			t.installed = append(t.installed, nevra)
		} else {
			t.removed = append(t.removed, nevra)
		}
	}
}

// rpmNoMatch finds the specs dnf/yum found no package for.
func rpmNoMatch(out string) []string {
	var specs []string
	re := regexp.MustCompile(`(?m)^(?:No match for argument|Error: Unable to find a match|No package) ?:? ?(\S+)`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		s := strings.TrimSuffix(m[1], ".")
		if s != "available" && !containsStr(specs, s) {
			specs = append(specs, s)
		}
	}
	return specs
}
