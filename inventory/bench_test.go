package inventory

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/pyfmt"
)

// Size of the generated benchmark inventory.
const (
	benchHosts  = 10000
	benchGroups = 200
	benchParent = 20 // groups g000..g019 are parents of the others
)

// benchPattern unions, intersects and excludes.
const benchPattern = "g00*:g01*:&g1*:!h01*"

// GenerateBenchInventory writes a YAML inventory of benchHosts hosts in
// benchGroups groups (two levels, each with vars) and group_vars files for
// every group to dir, and returns the inventory file's path.
func GenerateBenchInventory(dir string) (string, error) {
	var b strings.Builder
	b.WriteString("all:\n  vars:\n    site: bench\n  children:\n")
	for p := 0; p < benchParent; p++ {
		fmt.Fprintf(&b, "    g%03d:\n      vars:\n        level: parent\n        pid: %d\n      children:\n", p, p)
		for g := benchParent + p; g < benchGroups; g += benchParent {
			fmt.Fprintf(&b, "        g%03d:\n          vars:\n            level: child\n            gid: %d\n          hosts:\n", g, g)
			for h := g; h < benchHosts; h += benchGroups {
				fmt.Fprintf(&b, "            h%05d.bench.lab:\n              ansible_host: 10.%d.%d.%d\n              idx: %d\n", h, h/65536, h/256%256, h%256, h)
			}
		}
		fmt.Fprintf(&b, "      hosts:\n")
		for h := p; h < benchHosts; h += benchGroups {
			fmt.Fprintf(&b, "        h%05d.bench.lab:\n          idx: %d\n", h, h)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755); err != nil {
		return "", err
	}
	for g := 0; g < benchGroups; g++ {
		content := fmt.Sprintf("from_file_%03d: true\nshared: g%03d\nlist: [1, 2, %d]\n", g, g, g)
		if err := os.WriteFile(filepath.Join(dir, "group_vars", fmt.Sprintf("g%03d.yml", g)), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "group_vars", "all.yml"), []byte("ntp: pool.ntp.org\n"), 0o644); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "hosts.yml")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

func benchInventory(b *testing.B) string {
	b.Helper()
	path, err := GenerateBenchInventory(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoadSelect10k loads the generated 10,000-host inventory (with
// group_vars) and resolves a pattern with &, ! and globs.
func BenchmarkLoadSelect10k(b *testing.B) {
	path := benchInventory(b)
	b.ResetTimer()
	for b.Loop() {
		inv, err := Load(context.Background(), []string{path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		hosts, _, err := inv.Select(benchPattern)
		if err != nil || len(hosts) == 0 {
			b.Fatalf("Select: %d hosts, %v", len(hosts), err)
		}
	}
}

// BenchmarkDroverList10k does what `drover inventory --list` does on the
// generated inventory: load, build the document, write the JSON.
func BenchmarkDroverList10k(b *testing.B) {
	path := benchInventory(b)
	b.ResetTimer()
	for b.Loop() {
		inv, err := Load(context.Background(), []string{path}, ExportOptions())
		if err != nil {
			b.Fatal(err)
		}
		if out := pyfmt.JSON(inv.List(), 4); len(out) == 0 {
			b.Fatal("empty output")
		}
	}
}

// BenchmarkAnsibleInventoryList10k times `ansible-inventory --list` on the
// same generated inventory, for comparison in the same run.
func BenchmarkAnsibleInventoryList10k(b *testing.B) {
	prog := needProgram(b, "ansible-inventory")
	path := benchInventory(b)
	home := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(prog, "-i", path, "--list")
		cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"), "ANSIBLE_NOCOLOR=1")
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatalf("ansible-inventory: %v", err)
		}
	}
}

// BenchmarkAnsibleListHosts10k times `ansible PATTERN --list-hosts` with the
// benchmark pattern on the same inventory.
func BenchmarkAnsibleListHosts10k(b *testing.B) {
	prog := needProgram(b, "ansible")
	path := benchInventory(b)
	home := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(prog, "-i", path, benchPattern, "--list-hosts")
		cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"), "ANSIBLE_NOCOLOR=1")
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatalf("ansible: %v", err)
		}
	}
}

// TestBenchInventoryMatchesAnsible checks, once, that the benchmark
// inventory resolves to what Ansible resolves it to, so that the benchmark
// compares equal work. It is skipped with -short.
func TestBenchInventoryMatchesAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: resolves 10,000 hosts with ansible")
	}
	dir := t.TempDir()
	path, err := GenerateBenchInventory(dir)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Load(context.Background(), []string{path}, ExportOptions())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ansible(t, dir, "ansible-inventory", "-i", path, "--list")
	if got := pyfmt.JSON(inv.List(), 4) + "\n"; got != want {
		t.Errorf("--list differs\n%s", lineDiff(want, got))
	}
	stdout, _ := ansible(t, dir, "ansible", "-i", path, benchPattern, "--list-hosts")
	hosts, _, err := inv.Select(benchPattern)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names(hosts), " "), strings.Join(parseListHosts(stdout), " "); got != want {
		t.Errorf("pattern: got %d hosts, ansible %d", len(hosts), len(parseListHosts(stdout)))
	}
}
