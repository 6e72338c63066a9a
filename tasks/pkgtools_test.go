package tasks

import (
	"reflect"
	"strings"
	"testing"
)

// No dnf or yum exists on the Debian test machines: the dnf and yum
// modules are tested here by the commands they build and by parsing the
// output those programs print.

func TestDebVersionCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "1.1", -1}, {"1.10", "1.9", 1}, {"1.0~rc1", "1.0", -1}, {"1:0.1", "2.0", 1},
		{"2.0-1", "2.0-2", -1}, {"2.0-1+deb12u1", "2.0-1", 1}, {"1.0a", "1.0", 1}, {"1.0.0", "1.0", 1}, {"0:1.0", "1.0", 0},
		{"7.88.1-10+deb12u8", "7.88.1-10+deb12u12", -1}, {"1.2+b1", "1.2", 1}, {"1.0-1~bpo1", "1.0-1", -1},
	}
	for _, c := range cases {
		got := debVersionCompare(c.a, c.b)
		if (got < 0) != (c.want < 0) || (got > 0) != (c.want > 0) {
			t.Errorf("DebVersionCompare(%q, %q) = %d, want sign of %d", c.a, c.b, got, c.want)
		}
	}
}

func TestAptParsing(t *testing.T) {
	policy := `curl:
  Installed: 7.88.1-10+deb12u8
  Candidate: 7.88.1-10+deb12u12
  Version table:
     7.88.1-10+deb12u12 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 7.88.1-10+deb12u8 100
        100 /var/lib/dpkg/status
mail-transport-agent:
  Installed: (none)
  Candidate: (none)
  Version table:
`
	p := parseAptPolicy(policy)
	if c := p["curl"]; c == nil || c.Installed != "7.88.1-10+deb12u8" || c.Candidate != "7.88.1-10+deb12u12" ||
		!reflect.DeepEqual(c.Versions, []string{"7.88.1-10+deb12u12", "7.88.1-10+deb12u8"}) {
		t.Fatalf("curl: %+v", p["curl"])
	}
	if v := p["mail-transport-agent"]; v == nil || v.Candidate != "" || len(v.Versions) != 0 {
		t.Fatalf("virtual: %+v", v)
	}
	d := parseDpkgQuery("curl\tamd64\tii \t7.88.1\nvim\tamd64\trc \t2:9.0\n")
	if !d["curl"].Installed() || d["vim"].Installed() || !d["vim"].HasFiles() || d["curl:amd64"].Version != "7.88.1" {
		t.Fatalf("dpkg: %+v", d)
	}
	show := "Package: mail-transport-agent\nReverse Depends: \n  mutt,mail-transport-agent\nDependencies: \nProvides: \nReverse Provides: \nexim4-daemon-light 4.96-15\npostfix 3.7.6-0\n"
	if got := aptReverseProvides(show); !reflect.DeepEqual(got, []string{"exim4-daemon-light", "postfix"}) {
		t.Fatalf("providers %v", got)
	}
	for spec, want := range map[string][3]string{"nginx": {"nginx", "", ""}, "nginx=1.22*": {"nginx", "=", "1.22*"},
		"nginx>=1.2": {"nginx", ">=", "1.2"}} {
		n, c, v := aptSplitSpec(spec)
		if [3]string{n, c, v} != want {
			t.Errorf("aptSplitSpec(%q) = %q %q %q", spec, n, c, v)
		}
	}
	if !fnmatch("1.22.1-9", "1.22*") || fnmatch("1.21", "1.22*") || !fnmatch("2.0", "[12].?") || fnmatch("3.0", "[!3].0") {
		t.Fatal("fnmatch")
	}
	if got := expandDpkgOptions(aptDpkgOptions); got != `-o "Dpkg::Options::=--force-confdef" -o "Dpkg::Options::=--force-confold"` {
		t.Fatalf("dpkg options %s", got)
	}
	diff := aptParseDiff("Reading package lists...\nBuilding dependency tree...\nReading state information...\nThe following NEW packages will be installed:\n  tree\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\nSetting up tree\n")
	if diff["prepared"] != "The following NEW packages will be installed:\n  tree\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded." {
		t.Fatalf("diff %q", diff["prepared"])
	}
}

func TestDebRelations(t *testing.T) {
	installed := parseDpkgProvided("libc6\tamd64\tii \t2.36-9\t\npostfix\tamd64\tii \t3.7\tmail-transport-agent, default-mta (= 3.7)\n")
	for group, want := range map[string]bool{"libc6 (>= 2.34)": true, "libc6 (>> 2.36-9)": false, "exim4 | mail-transport-agent": true,
		"default-mta (= 3.7)": true, "default-mta (= 3.8)": false, "libc6:any": true, "nothing": false} {
		if got := debGroupInstalled(group, installed); got != want {
			t.Errorf("%q installed = %v", group, got)
		}
	}
}

const dnfInstallOutput = `Last metadata expiration check: 0:01:23 ago on Mon 01 Jan 2024 10:00:00 AM UTC.
Dependencies resolved.
================================================================================
 Package        Architecture     Version                   Repository      Size
================================================================================
Installing:
 tree           x86_64           1.8.0-10.el9              baseos          56 k
Upgrading:
 curl           x86_64           7.76.1-26.el9_3.2         baseos         294 k

Transaction Summary
================================================================================
Install  1 Package
Upgrade  1 Package

Running transaction
  Preparing        :                                                        1/1
  Installing       : tree-1.8.0-10.el9.x86_64                               1/1
  Verifying        : tree-1.8.0-10.el9.x86_64                               1/1

Upgraded:
  curl-7.76.1-26.el9_3.2.x86_64
Installed:
  tree-1.8.0-10.el9.x86_64

Complete!
`

const dnfCheckOutput = `Dependencies resolved.
================================================================================
 Package                          Arch       Version           Repository  Size
================================================================================
Installing:
 tree                             x86_64     1.8.0-10.el9      baseos      56 k
Installing dependencies:
 a-very-long-package-name-that-wraps-the-table
                                  noarch     1:2.0-1.el9       appstream   10 k
Removing:
 nano                             x86_64     5.6.1-5.el9       @baseos    2.4 M

Transaction Summary
================================================================================
Install  2 Packages
Remove   1 Package

Operation aborted.
`

func TestRPMOutputParsing(t *testing.T) {
	tr := parseRPMOutput(dnfInstallOutput)
	if !reflect.DeepEqual(tr.results("Installed"), []any{"Installed: curl-7.76.1-26.el9_3.2.x86_64", "Installed: tree-1.8.0-10.el9.x86_64"}) {
		t.Fatalf("summary: %v", tr.results("Installed"))
	}
	tr = parseRPMOutput(dnfCheckOutput)
	want := []any{"Installed: tree-1.8.0-10.el9.x86_64", "Installed: a-very-long-package-name-that-wraps-the-table-1:2.0-1.el9.noarch",
		"Removed: nano-5.6.1-5.el9.x86_64"}
	if !reflect.DeepEqual(tr.results("Installed"), want) {
		t.Fatalf("table: %v", tr.results("Installed"))
	}
	if tr := parseRPMOutput("Dependencies resolved.\nNothing to do.\nComplete!\n"); !tr.nothing || len(tr.results("Installed")) != 0 {
		t.Fatalf("nothing: %+v", tr)
	}
	if got := rpmNoMatch("No match for argument: nosuch\nError: Unable to find a match: nosuch other\n"); !reflect.DeepEqual(got, []string{"nosuch"}) {
		t.Fatalf("no match: %v", got)
	}
	if got := rpmNoMatch("No package nosuch available.\nError: Nothing to do\n"); !reflect.DeepEqual(got, []string{"nosuch"}) {
		t.Fatalf("yum no match: %v", got)
	}
}

// prep prepares a module's arguments for a Call without running it.
func prep(t *testing.T, module string, raw map[string]any, check bool) *Call {
	t.Helper()
	s, _ := Lookup(module)
	a, err := s.Prepare(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &Call{Module: module, Args: a, Check: check}
}

func TestRPMCommands(t *testing.T) {
	cases := []struct {
		module, state string
		args          map[string]any
		installed     map[string][]string
		check         bool
		want          string
	}{
		{"dnf", "installed", map[string]any{"name": []any{"tree", "curl"}}, map[string][]string{"curl": {"curl-7.76"}}, false,
			"dnf -y install tree"},
		{"dnf", "latest", map[string]any{"name": []any{"tree", "curl"}, "enablerepo": "epel", "disable_gpg_check": true},
			map[string][]string{"curl": {"curl-7.76"}}, true,
			"dnf --assumeno --enablerepo=epel --nogpgcheck install tree && \\\ndnf --assumeno --enablerepo=epel --nogpgcheck upgrade curl"},
		{"dnf", "absent", map[string]any{"name": []any{"tree", "@web", "curl"}, "autoremove": true}, map[string][]string{"curl": {"x"}}, false,
			"dnf -y remove @web curl && \\\ndnf -y autoremove"},
		{"dnf", "installed", map[string]any{"name": []any{"/tmp/x.rpm", "nginx"}, "install_weak_deps": false, "update_cache": true,
			"exclude": []any{"kernel*"}, "allowerasing": true}, map[string][]string{"nginx": {"nginx-1"}}, false,
			"dnf -y '--exclude=kernel*' --refresh --setopt=install_weak_deps=False --allowerasing install /tmp/x.rpm"},
		{"yum", "installed", map[string]any{"name": []any{"tree"}, "update_cache": true, "releasever": "7"}, nil, false,
			"yum -y --releasever=7 install tree"},
	}
	for _, c := range cases {
		call := prep(t, c.module, c.args, c.check)
		plan := rpmPlanFor(c.state, call.Args.Strings("name"), c.installed, call.Args.Bool("update_only"))
		got := rpmCommands(call, c.module, plan, c.state)
		if got != c.want {
			t.Errorf("%s %s %v:\n got %s\nwant %s", c.module, c.state, c.args, got, c.want)
		}
	}
	if !rpmPlanFor("installed", []string{"tree"}, map[string][]string{"tree": {"tree-1"}}, false).empty() {
		t.Fatal("an installed package planned again")
	}
	p := rpmPlanFor("latest", []string{"tree", "curl"}, map[string][]string{"curl": {"curl-1"}}, true)
	if !reflect.DeepEqual(p.upgrade, []string{"curl"}) || p.install != nil || !reflect.DeepEqual(rpmSkipped(p),
		[]any{"Packages providing tree not installed due to update_only specified"}) {
		t.Fatalf("update_only: %+v", p)
	}
	for spec, plain := range map[string]bool{"tree": true, "tree-1.8": true, "@web": false, "/usr/bin/x": false, "x.rpm": false, "py*": false} {
		if rpmPlainSpec(spec) != plain {
			t.Errorf("rpmPlainSpec(%q) = %v", spec, !plain)
		}
	}
	if s := rpmQueryScript([]string{"tree", "@web"}).String(); !strings.Contains(s, "rpm -q --qf") || strings.Contains(s, "@web") {
		t.Fatalf("rpm -q script: %s", s)
	}
}
