package playbooks

import (
	"context"
	"strings"
	"testing"

	"github.com/drover/drover/inventory"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

func TestHostPatternMismatch(t *testing.T) {
	book := writeBook(t, map[string]string{"site.yml": "- hosts: nosuch:localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=x\n"})
	tests := []struct {
		setting string
		err     bool
		warned  bool
	}{
		{"", false, true},
		{"warning", false, true},
		{"ignore", false, false},
		{"error", true, false},
	}
	for _, tt := range tests {
		t.Run("mismatch="+tt.setting, func(t *testing.T) {
			pb, err := Load(book, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			inv, err := inventory.Load(context.Background(), []string{"localhost,"}, inventory.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := &warnRecorder{}
			_, err = Run(context.Background(), pb, Options{Inventory: inv, Local: local.New(), Output: out,
				HostPatternMismatch: tt.setting,
				Connect:             func(context.Context, string, map[string]any) (transport.Conn, error) { return local.New(), nil }})
			if (err != nil) != tt.err || err != nil && !strings.Contains(err.Error(), inventory.NoMatchWarning+"nosuch") {
				t.Fatalf("error %v, want one: %v", err, tt.err)
			}
			warned := strings.Contains(strings.Join(out.warns, "\n"), inventory.NoMatchWarning+"nosuch")
			if warned != tt.warned {
				t.Errorf("warnings %q, want the mismatch warned: %v", out.warns, tt.warned)
			}
		})
	}
}

func TestDuplicateDictKey(t *testing.T) {
	book := writeBook(t, map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - name: one\n      debug: msg=x\n      name: two\n"})
	tests := []struct {
		setting  string
		err      bool
		warnings int
	}{
		{"", false, 1},
		{"warn", false, 1},
		{"ignore", false, 0},
		{"error", true, 1},
	}
	for _, tt := range tests {
		t.Run("duplicate_dict_key="+tt.setting, func(t *testing.T) {
			l := NewLoader(LoadOptions{DuplicateDictKey: tt.setting})
			_, err := l.Playbook(book)
			if (err != nil) != tt.err || err != nil && !strings.Contains(err.Error(), "line 3, column 7, found a duplicate dict key (name)") {
				t.Fatalf("error %v, want one: %v", err, tt.err)
			}
			if got := len(l.Warnings()); got != tt.warnings {
				t.Errorf("%d warnings, want %d", got, tt.warnings)
			}
		})
	}
}
