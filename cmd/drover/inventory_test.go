package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// updateGolden reports whether -update was given.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestInventoryGolden runs drover inventory and compares its output and
// exit status with golden files under testdata/inventory (go test -update
// rewrites them).
func TestInventoryGolden(t *testing.T) {
	const inv = "testdata/inventory/hosts.yml"
	tests := []struct {
		name string
		args []string
	}{
		{"list", []string{"-i", inv, "--list"}},
		{"list-yaml", []string{"-i", inv, "--list", "-y"}},
		{"host", []string{"-i", inv, "--host", "db1"}},
		{"host-yaml", []string{"-i", inv, "--host", "web1.lab", "--yaml"}},
		{"graph", []string{"-i", inv, "--graph"}},
		{"graph-group-vars", []string{"-i", inv, "--graph", "prod", "--vars"}},
		{"list-hosts", []string{"-i", inv, "--list-hosts", "prod:!db*"}},
		{"list-hosts-limit", []string{"-i", inv, "--list-hosts", "all", "-l", "@testdata/inventory/limit.txt,web2.lab"}},
		{"list-hosts-nomatch", []string{"-i", inv, "--list-hosts", "nosuch"}},
		{"implicit-localhost", []string{"--host", "localhost"}},
		{"empty-list", []string{"--list"}},
		{"comma-list", []string{"-i", "a,b:2200,", "--list"}},
		{"bad-yaml-key", []string{"-i", "testdata/inventory/typo.yml", "--list"}},
		{"bad-ini", []string{"-i", "testdata/inventory/bad.ini", "--list"}},
		{"missing-source", []string{"-i", "testdata/inventory/nonexistent.yml", "--list"}},
		{"no-action", []string{"-i", inv}},
		{"two-actions", []string{"-i", inv, "--list", "--graph"}},
		{"unknown-host", []string{"-i", inv, "--host", "nosuch"}},
		{"graph-unknown-group", []string{"-i", inv, "--graph", "prd"}},
		{"bad-flag", []string{"--lst"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execDrover(t, nil, append([]string{"inventory"}, tt.args...)...)
			got := fmt.Sprintf("exit: %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
			path := filepath.Join("testdata", "inventory", tt.name+".golden")
			if updateGolden() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// TestInventoryMatchesAnsibleInventory requires drover inventory's stdout to
// be byte for byte what ansible-inventory prints for the same arguments.
func TestInventoryMatchesAnsibleInventory(t *testing.T) {
	prog, err := exec.LookPath("ansible-inventory")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-inventory is required in CI")
		}
		t.Skip("ansible-inventory not installed")
	}
	const inv = "testdata/inventory/hosts.yml"
	for _, args := range [][]string{
		{"-i", inv, "--list"},
		{"-i", inv, "--list", "--yaml"},
		{"-i", inv, "--host", "web2.lab"},
		{"-i", inv, "--host", "db1", "-y"},
		{"-i", inv, "--graph", "--vars"},
		{"-i", inv, "--graph", "web"},
		{"-i", "x,y:2222,", "--list"},
	} {
		home := t.TempDir()
		cmd := exec.Command(prog, args...)
		cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"),
			"ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=False", "ANSIBLE_INVENTORY_UNPARSED_WARNING=False")
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("ansible-inventory %s: %v", strings.Join(args, " "), err)
		}
		r := execDrover(t, nil, append([]string{"inventory"}, args...)...)
		if r.code != 0 || r.stdout != string(want) {
			t.Errorf("drover inventory %s (exit %d):\n%s\nansible-inventory:\n%s", strings.Join(args, " "), r.code, r.stdout, want)
		}
	}
}
