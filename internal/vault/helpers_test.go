package vault

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// needProgram returns the path of an external program the test talks to;
// it skips the test when the program is missing, and fails it under CI.
func needProgram(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (CI=true): run scripts/test-deps.sh", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// ansibleVault runs Debian's ansible-vault with args in dir and returns its
// standard output; it fails the test on a non-zero exit.
func ansibleVault(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	out, err := runAnsibleVault(t, dir, args...)
	if err != nil {
		t.Fatalf("ansible-vault %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// runAnsibleVault runs ansible-vault and returns stdout and the error,
// which holds stderr.
func runAnsibleVault(t testing.TB, dir string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(needProgram(t, "ansible-vault"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_NOCOLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &runError{err: err, stderr: stderr.String()}
	}
	return out, nil
}

type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() + ": " + e.stderr }

// writeFile writes a file under dir and returns its path.
func writeFile(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixtureKeyring holds the passwords of testdata/pw-*.
func fixtureKeyring() *Keyring {
	return NewKeyring(
		Secret{ID: "default", Password: []byte("correct horse battery")},
		Secret{ID: "dev", Password: []byte("dev-pass")},
		Secret{ID: "prod", Password: []byte("prod-pass")},
	)
}

// recorder is a Registrar that remembers what it was given.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
}

func (r *recorder) has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.got, s)
}
