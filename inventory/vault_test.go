package inventory

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/vault"
)

// vaultedTree writes an INI inventory of n groups, one host each, with a
// group_vars file per group encrypted with password (each under its own
// salt), and returns the inventory's path.
func vaultedTree(tb testing.TB, n int, password string) string {
	tb.Helper()
	dir := tb.TempDir()
	kr := vault.NewKeyring(vault.Secret{Password: []byte(password)})
	var inv strings.Builder
	if err := os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		fmt.Fprintf(&inv, "[g%03d]\nh%03d ansible_connection=local\n", i, i)
		enc, err := kr.Encrypt(fmt.Appendf(nil, "secret_%03d: value-%03d\nshared: from-g%03d\n", i, i, i), "")
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "group_vars", fmt.Sprintf("g%03d.yml", i)), enc, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(dir, "hosts.ini")
	if err := os.WriteFile(path, []byte(inv.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// loadVaulted loads path with password as the only vault secret.
func loadVaulted(path, password string) (*Inventory, error) {
	kr := vault.NewKeyring(vault.Secret{Password: []byte(password)})
	return Load(context.Background(), []string{path}, Options{Decrypt: func(b []byte, where string) ([]byte, error) {
		return kr.DecryptVars(where, b)
	}})
}

// TestVaultedVarsReadAhead checks that group_vars files read in parallel
// merge as when read in order, and that of several bad files the error is
// the one met first in merge order, as without reading ahead.
func TestVaultedVarsReadAhead(t *testing.T) {
	path := vaultedTree(t, 40, "pw")
	inv, err := loadVaulted(path, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 17, 39} {
		h, _ := inv.Host(fmt.Sprintf("h%03d", i))
		if h == nil || h.Vars[fmt.Sprintf("secret_%03d", i)] != fmt.Sprintf("value-%03d", i) ||
			h.Vars["shared"] != fmt.Sprintf("from-g%03d", i) {
			t.Fatalf("h%03d vars = %v", i, h)
		}
	}
	gv := filepath.Join(filepath.Dir(path), "group_vars")
	for _, bad := range []string{"g031.yml", "g007.yml", "g020.yml"} {
		if err := os.WriteFile(filepath.Join(gv, bad), []byte("key: [unclosed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = loadVaulted(path, "pw")
	if err == nil || !strings.Contains(err.Error(), "g007.yml") {
		t.Errorf("error = %v, want the first bad file in merge order, g007.yml", err)
	}
	if _, err := loadVaulted(path, "wrong"); err == nil || !strings.Contains(err.Error(), "g000.yml") {
		t.Errorf("wrong password: error = %v, want it to name g000.yml", err)
	}
}

// BenchmarkLoad500VaultedGroupVars is issue 7's benchmark through the
// inventory loader: 500 vaulted group_vars files, each under its own salt
// (a fresh tree per iteration, so no key is cached from the last).
func BenchmarkLoad500VaultedGroupVars(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		path := vaultedTree(b, 500, "bench-pass")
		b.StartTimer()
		inv, err := loadVaulted(path, "bench-pass")
		if err != nil {
			b.Fatal(err)
		}
		if h, _ := inv.Host("h499"); h.Vars["secret_499"] != "value-499" {
			b.Fatalf("h499 vars = %v", h.Vars)
		}
	}
}

// BenchmarkAnsibleInventory500VaultedGroupVars runs ansible-inventory --list
// on the same kind of tree, in the same run, as the reference.
func BenchmarkAnsibleInventory500VaultedGroupVars(b *testing.B) {
	prog := needProgram(b, "ansible-inventory")
	path := vaultedTree(b, 500, "bench-pass")
	home := b.TempDir()
	pw := filepath.Join(home, "pw")
	if err := os.WriteFile(pw, []byte("bench-pass\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(prog, "-i", path, "--list", "--vault-password-file", pw)
		cmd.Env = append(os.Environ(), "HOME="+home, "ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"), "ANSIBLE_NOCOLOR=1")
		if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "value-499") {
			b.Fatalf("ansible-inventory: %v", err)
		}
	}
}
