package tasks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aptRepo is a local apt repository and an APT_CONFIG that makes apt
// (apt-get, apt-cache, apt-mark, and python-apt for Ansible) see only it,
// with its own lists and cache; dpkg's database is the machine's.
type aptRepo struct {
	dir, repo, conf string
	entries         []string
}

func newAptRepo(t *testing.T) *aptRepo {
	dir := t.TempDir()
	r := &aptRepo{dir: dir, repo: filepath.Join(dir, "repo"), conf: filepath.Join(dir, "apt.conf")}
	for _, d := range []string{"repo", "parts", "lists/partial", "cache/archives/partial", "build"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "sources.list"), "deb [trusted=yes] file:"+r.repo+" ./\n")
	write(t, r.conf, fmt.Sprintf(`Dir::Etc::SourceList "%[1]s/sources.list";
Dir::Etc::SourceParts "%[1]s/parts";
Dir::State::Lists "%[1]s/lists";
Dir::Cache "%[1]s/cache";
Acquire::Languages "none";
DPkg::Lock::Timeout "300";
`, dir))
	r.publish(t)
	return r
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// env is the task environment pointing apt at the repository.
func (r *aptRepo) env() map[string]string { return map[string]string{"APT_CONFIG": r.conf} }

// build makes a .deb with dpkg-deb --build; conffile adds an /etc file
// dpkg keeps on removal. When publish is set the package goes into the
// repository.
func (r *aptRepo) build(t *testing.T, name, version, depends string, conffile, publish bool) string {
	t.Helper()
	root := filepath.Join(r.dir, "build", name+"-"+version)
	os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/share", name), 0o755)
	write(t, filepath.Join(root, "usr/share", name, "version"), version+"\n")
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: drover tests <tests@example.invalid>\n"+
		"Description: drover test package\n", name, version)
	if depends != "" {
		control += "Depends: " + depends + "\n"
	}
	if conffile {
		os.MkdirAll(filepath.Join(root, "etc", name), 0o755)
		write(t, filepath.Join(root, "etc", name, "conf"), "setting=1\n")
		write(t, filepath.Join(root, "DEBIAN", "conffiles"), "/etc/"+name+"/conf\n")
	}
	write(t, filepath.Join(root, "DEBIAN", "control"), control)
	deb := filepath.Join(r.dir, "build", name+"_"+version+"_all.deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, out)
	}
	if publish {
		b, _ := os.ReadFile(deb)
		sum := sha256.Sum256(b)
		file := filepath.Base(deb)
		write(t, filepath.Join(r.repo, file), string(b))
		r.entries = append(r.entries, control+fmt.Sprintf("Filename: ./%s\nSize: %d\nSHA256: %s\n", file, len(b), hex.EncodeToString(sum[:])))
		r.publish(t)
	}
	return deb
}

func (r *aptRepo) publish(t *testing.T) {
	write(t, filepath.Join(r.repo, "Packages"), strings.Join(r.entries, "\n"))
}

// purgeDebs removes test packages, waiting while another test holds
// dpkg's lock.
func purgeDebs(t *testing.T, names ...string) {
	for i := 0; i < 120; i++ {
		out, err := exec.Command("dpkg", append([]string{"--purge"}, names...)...).CombinedOutput()
		if err == nil || !dpkgLocked.Match(out) {
			return
		}
		time.Sleep(time.Second)
	}
	t.Errorf("could not purge %v: dpkg stayed locked", names)
}

// dpkgVersion is the installed version of a package, "" when not
// installed.
func dpkgVersion(name string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", name).Output()
	if err != nil || !strings.HasPrefix(string(out), "ii") {
		return ""
	}
	return strings.TrimSpace(string(out)[3:])
}

// TestApt installs, upgrades, downgrades and removes packages from a local
// repository and .deb files, with changed, check mode and messages as
// Ansible's apt module.
func TestApt(t *testing.T) {
	needRoot(t)
	needPrograms(t, "apt-get", "dpkg-deb", "apt-cache")
	id := os.Getpid() % 100000
	a, b, c := fmt.Sprintf("drover-test-a%d", id), fmt.Sprintf("drover-test-b%d", id), fmt.Sprintf("drover-test-c%d", id)
	repo := newAptRepo(t)
	t.Cleanup(func() { purgeDebs(t, c, b, a) })
	repo.build(t, a, "1.0", "", true, true)
	o := sysOpts{env: repo.env()}
	co := sysOpts{env: repo.env(), check: true}

	mustOK(t, sysRun(t, "apt", map[string]any{"update_cache": true}, o), "update_cache")
	steps := []struct {
		what    string
		args    map[string]any
		o       sysOpts
		changed bool
		version string // of a afterwards
	}{
		{"check mode install", map[string]any{"name": a}, co, true, ""},
		{"install", map[string]any{"name": a}, o, true, "1.0"},
		{"install again", map[string]any{"name": a}, o, false, "1.0"},
		{"exact version installed", map[string]any{"name": a + "=1.0"}, o, false, "1.0"},
		{"present does not upgrade", map[string]any{"name": a, "update_cache": true}, o, false, "1.0"},
		{"latest upgrades", map[string]any{"name": a, "state": "latest"}, o, true, "2.0"},
		{"latest again", map[string]any{"name": a, "state": "latest"}, o, false, "2.0"},
		{"downgrade", map[string]any{"name": a + "=1.0", "allow_downgrade": true}, o, true, "1.0"},
		{"check mode remove", map[string]any{"name": a, "state": "absent"}, co, true, "1.0"},
		{"remove", map[string]any{"name": a, "state": "absent"}, o, true, ""},
		{"remove again", map[string]any{"name": a, "state": "absent"}, o, false, ""},
	}
	for _, s := range steps {
		if s.what == "present does not upgrade" {
			repo.build(t, a, "2.0", "", true, true)
		}
		r := sysRun(t, "apt", s.args, s.o)
		wantChanged(t, r, s.changed, s.what)
		if v := dpkgVersion(a); v != s.version {
			t.Fatalf("%s: %s is at %q, want %q", s.what, a, v, s.version)
		}
		if s.changed && !s.o.check {
			if _, ok := r.Values["stdout"].(string); !ok {
				t.Fatalf("%s: no stdout: %v", s.what, r.Values)
			}
		}
	}
	if !shOK("dpkg-query -W -f='${db:Status-Abbrev}' " + a + " | grep -q '^rc'") {
		t.Fatalf("remove without purge should leave the configuration: %s", sh(t, "dpkg -l "+a+" | tail -1"))
	}
	wantChanged(t, sysRun(t, "apt", map[string]any{"name": a, "state": "absent", "purge": true}, o), true, "purge")
	wantChanged(t, sysRun(t, "apt", map[string]any{"name": a, "state": "absent", "purge": true}, o), false, "purge again")

	debB := repo.build(t, b, "1.0", a+" (>= 1.0)", false, false)
	debC := repo.build(t, c, "1.0", "", false, false)
	wantChanged(t, sysRun(t, "apt", map[string]any{"deb": debC}, co), true, "check mode deb")
	if dpkgVersion(c) != "" {
		t.Fatal("check mode installed a deb")
	}
	wantChanged(t, sysRun(t, "apt", map[string]any{"deb": debC}, o), true, "deb")
	wantChanged(t, sysRun(t, "apt", map[string]any{"deb": debC}, o), false, "deb again")
	r := sysRun(t, "apt", map[string]any{"deb": debB}, o)
	wantChanged(t, r, true, "deb with a dependency from the repository")
	if dpkgVersion(a) != "2.0" || dpkgVersion(b) != "1.0" {
		t.Fatalf("dependency: a=%q b=%q", dpkgVersion(a), dpkgVersion(b))
	}

	r = sysRun(t, "apt", map[string]any{"name": "drover-no-such-package"}, o)
	if !r.Failed || r.Msg != "No package matching 'drover-no-such-package' is available" {
		t.Fatalf("unknown package: %+v", r)
	}
	r = sysRun(t, "package", map[string]any{"name": []any{c, b}, "state": "absent"}, sysOpts{env: repo.env(), vars: map[string]any{"ansible_pkg_mgr": "apt"}})
	wantChanged(t, r, true, "package module removes through apt")
	if dpkgVersion(b) != "" || dpkgVersion(c) != "" {
		t.Fatal("package did not remove")
	}
	r = sysRun(t, "package", map[string]any{"name": c, "state": "absent"}, sysOpts{env: repo.env()})
	wantChanged(t, r, false, "package module finds apt itself")
}
