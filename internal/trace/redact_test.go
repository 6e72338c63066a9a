package trace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSetRedactMasksLines checks that a traced command line and error are
// written through the redaction hook.
func TestSetRedactMasksLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.log")
	f := open(path)
	if f == nil {
		t.Fatal("trace file not opened")
	}
	defer f.f.Close()
	SetRedact(func(s string) string { return strings.ReplaceAll(s, "hunter2", "********") })
	defer SetRedact(nil)
	f.write(time.Now(), "h1", "run", "echo hunter2", errors.New("exit hunter2"))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hunter2") || !strings.Contains(string(b), "h1 run echo ******** error: exit ********") {
		t.Errorf("trace line %q, want the secret masked", b)
	}
}
