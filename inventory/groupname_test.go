package inventory

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestTransformGroupChars: group names with characters a variable name
// cannot have are kept or replaced by "_" as transform_invalid_group_chars
// says, in INI and YAML sources, with Ansible's warning for never and
// always only.
func TestTransformGroupChars(t *testing.T) {
	dir := t.TempDir()
	ini := filepath.Join(dir, "hosts.ini")
	yml := filepath.Join(dir, "hosts.yml")
	if err := os.WriteFile(ini, []byte("[web-1]\nh1\n[all-web:children]\nweb-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(yml, []byte("all:\n  children:\n    1db:\n      hosts: {h2: {}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const kept = "Invalid characters were found in group names but not replaced, use -vvvv to see details"
	const replaced = "Invalid characters were found in group names and automatically replaced, use -vvvv to see details"
	for _, tc := range []struct {
		mode     string
		groups   []string
		warnings []string
	}{
		{"", []string{"1db", "all", "all-web", "ungrouped", "web-1"}, []string{kept}},
		{"never", []string{"1db", "all", "all-web", "ungrouped", "web-1"}, []string{kept}},
		{"ignore", []string{"1db", "all", "all-web", "ungrouped", "web-1"}, nil},
		{"always", []string{"_db", "all", "all_web", "ungrouped", "web_1"}, []string{replaced}},
		{"silently", []string{"_db", "all", "all_web", "ungrouped", "web_1"}, nil},
	} {
		inv, err := Load(context.Background(), []string{ini, yml}, Options{TransformGroupChars: tc.mode})
		if err != nil {
			t.Fatalf("%q: %v", tc.mode, err)
		}
		if got := inv.GroupNames(); !reflect.DeepEqual(got, tc.groups) {
			t.Errorf("%q: groups %v, want %v", tc.mode, got, tc.groups)
		}
		if got := inv.Warnings(); !reflect.DeepEqual(got, tc.warnings) {
			t.Errorf("%q: warnings %q, want %q", tc.mode, got, tc.warnings)
		}
		if h, _ := inv.Host("h1"); h == nil || !contains(h.Groups, tc.groups[4]) {
			t.Errorf("%q: h1 not in %s: %+v", tc.mode, tc.groups[4], h)
		}
	}
}
