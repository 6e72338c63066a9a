//go:build amd64 && !purego

package vault

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func init() {
	if hasSHANI {
		pbkdf2Impls["pbkdf2SHANI"] = pbkdf2SHANI
	}
}

func TestDetectSHANIMatchesKernel(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	var flags []string
	for line := range strings.Lines(string(info)) {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = strings.Fields(value)
			break
		}
	}
	want := slices.Contains(flags, "sha_ni") && slices.Contains(flags, "ssse3") && slices.Contains(flags, "sse4_1")
	if got := detectSHANI(); got != want {
		t.Errorf("detectSHANI() = %v, /proc/cpuinfo flags say %v", got, want)
	}
	if !want {
		t.Log("no SHA extensions: TestPBKDF2MatchesStdlib does not cover pbkdf2SHANI on this CPU")
	}
}

// BenchmarkHMACChains is one PBKDF2 iteration of three blocks on the SHA
// extensions: six SHA-256 compressions, 192 SHA256RNDS2 instructions.
func BenchmarkHMACChains(b *testing.B) {
	if !hasSHANI {
		b.Skip("no SHA extensions")
	}
	pads, _ := newHMACPads([]byte("bench-pass"))
	var u, t [chains][8]uint32
	for b.Loop() {
		hmacChains(&pads, &u, &t, 1)
	}
}
