package playbooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnifiedDiffMatchesDiffU compares UnifiedDiff with GNU diff -u: the
// same hunks, removed lines before added ones, missing final newlines
// noted, "-N +N" for one-line ranges.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Fatal("diff is needed: ", err)
	}
	cases := []struct{ name, a, b string }{
		{"one line", "foo\n", "bar\n"},
		{"no final newline", "foo", "bar"},
		{"newline added", "foo", "foo\n"},
		{"change and append", "a\nb\nc\n", "a\nB\nc\nd\n"},
		{"from empty", "", "x\ny\n"},
		{"to empty", "x\ny\n", ""},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n", "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\nTHIRTEEN\n14\n"},
		{"block replaced", "keep\nold1\nold2\nkeep2\n", "keep\nnew1\nnew2\nnew3\nkeep2\n"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if err := os.WriteFile(a, []byte(c.a), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(b, []byte(c.b), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _ := exec.Command("diff", "-u", a, b).Output()
			_, want, _ := strings.Cut(string(out), "\n+++ ")
			_, want, _ = strings.Cut(want, "\n")
			got := UnifiedDiff(c.a, c.b, "before", "after")
			if !strings.HasPrefix(got, "--- before\n+++ after\n") || strings.TrimPrefix(got, "--- before\n+++ after\n") != want {
				t.Errorf("UnifiedDiff:\n%s\ndiff -u:\n%s", got, want)
			}
		})
	}
}

// TestResultDiffLabels: a module's diff is labelled as Ansible labels it.
func TestResultDiffLabels(t *testing.T) {
	got := ResultDiff(map[string]any{"diff": map[string]any{"before": "a\n", "after": "b\n",
		"before_header": "/etc/motd", "after_header": "/etc/motd"}})
	want := "--- before: /etc/motd\n+++ after: /etc/motd\n@@ -1 +1 @@\n-a\n+b"
	if got != want {
		t.Errorf("ResultDiff = %q, want %q", got, want)
	}
}
