package vault

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchFiles is the size of the benchmark tree, as the issue asks.
const benchFiles = 500

// vaultTree writes an inventory of benchFiles groups, each with a vaulted
// group_vars file encrypted (under its own random salt) with one password,
// and returns the directory and the group_vars paths.
func vaultTree(b *testing.B) (string, []string) {
	b.Helper()
	dir := b.TempDir()
	writeFile(b, dir, "pw", "bench-pass\n", 0o600)
	kr := NewKeyring(Secret{Password: []byte("bench-pass")})
	var inv strings.Builder
	paths := make([]string, benchFiles)
	for i := range benchFiles {
		fmt.Fprintf(&inv, "[g%03d]\nh%03d ansible_connection=local\n", i, i)
		enc, err := kr.Encrypt(fmt.Appendf(nil, "secret_%03d: value-%03d\nport_%03d: %d\n", i, i, i, 1000+i), "")
		if err != nil {
			b.Fatal(err)
		}
		paths[i] = writeFile(b, dir, fmt.Sprintf("group_vars/g%03d.yml", i), string(enc), 0o600)
	}
	writeFile(b, dir, "hosts.ini", inv.String(), 0o600)
	return dir, paths
}

// openTree reads and decrypts every path the way an inventory loader does.
func openTree(b *testing.B, kr *Keyring, paths []string) {
	items := make([]Item, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		items[i] = Item{Name: p, Data: data, Kind: Vars}
	}
	if _, err := kr.DecryptAll(context.Background(), items); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpen500VaultedFiles is drover opening 500 vaulted group_vars
// files with one password, in parallel, cold: the key cache is emptied
// before each iteration, as at the start of a run.
func BenchmarkOpen500VaultedFiles(b *testing.B) {
	_, paths := vaultTree(b)
	kr := NewKeyring(Secret{Password: []byte("bench-pass")})
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		keyCache.Clear()
		openTree(b, kr, paths)
	}
	reportRun(b, processCPU()-cpu)
}

// processCPU is the CPU time this process has used, all threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRun reports wall and CPU milliseconds per run: on a shared machine
// the CPU time is the steadier way to compare drover and Ansible.
func reportRun(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/run")
}

// runReference runs an Ansible program in dir, checks that its output shows
// the last file was decrypted and returns the CPU time it used.
func runReference(b *testing.B, dir, tmp, program string, args ...string) time.Duration {
	cmd := exec.Command(program, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+tmp, "PAGER=cat")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "value-499") {
		b.Fatalf("%s: %v\n%.500s", program, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// BenchmarkOpen500VaultedFilesCached is the same with the key cache warm:
// a second load of the same files in one run (inventory then play vars).
func BenchmarkOpen500VaultedFilesCached(b *testing.B) {
	_, paths := vaultTree(b)
	kr := NewKeyring(Secret{Password: []byte("bench-pass")})
	openTree(b, kr, paths)
	b.ResetTimer()
	for b.Loop() {
		openTree(b, kr, paths)
	}
}

// BenchmarkAnsibleInventory500 runs ansible-inventory --list on the same
// kind of tree, in the same benchmark run, as the reference.
func BenchmarkAnsibleInventory500(b *testing.B) {
	ansible := needProgram(b, "ansible-inventory")
	dir, _ := vaultTree(b)
	tmp := b.TempDir()
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		cpu += runReference(b, dir, tmp, ansible, "-i", "hosts.ini", "--list", "--vault-password-file", "pw")
	}
	reportRun(b, cpu)
}

// BenchmarkAnsibleVaultView500 runs ansible-vault view on the 500 files at
// once: Ansible's decryption alone, without inventory parsing.
func BenchmarkAnsibleVaultView500(b *testing.B) {
	ansible := needProgram(b, "ansible-vault")
	dir, paths := vaultTree(b)
	tmp := b.TempDir()
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		cpu += runReference(b, dir, tmp, ansible, append([]string{"view", "--vault-password-file", "pw"}, paths...)...)
	}
	reportRun(b, cpu)
}

// BenchmarkDerive is one PBKDF2 derivation, the unit of vault cost.
func BenchmarkDerive(b *testing.B) {
	salt := make([]byte, saltLen)
	for b.Loop() {
		if _, err := derive([]byte("bench-pass"), salt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeriveGoFallback is BenchmarkDerive on the portable Go code, the
// path of CPUs without the SHA extensions.
func BenchmarkDeriveGoFallback(b *testing.B) {
	salt := make([]byte, saltLen)
	for b.Loop() {
		pbkdf2HMAC([]byte("bench-pass"), salt, iterations, derivedLen)
	}
}
