package inventory

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestRuntimeChanges checks add_host and group_by changes: what changed,
// the groups and group_names after Ansible's reconcile rules, and the vars
// of groups created at run time (from group_vars/ beside the inventory).
func TestRuntimeChanges(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hosts.ini", "[web]\nw1 color=red\nw2\n")
	write("group_vars/late.yml", "from_late: yes\n")
	inv, err := Load(context.Background(), []string{filepath.Join(dir, "hosts.ini")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func() (bool, error)
		changed bool
	}{
		{"new host", func() (bool, error) { return inv.AddHost("n1", nil, map[string]any{"a": 1}) }, true},
		{"same host again", func() (bool, error) { return inv.AddHost("n1", nil, map[string]any{"a": 1}) }, false},
		{"new var", func() (bool, error) { return inv.AddHost("n1", nil, map[string]any{"b": 2}) }, true},
		{"new group", func() (bool, error) { return inv.AddHost("n1", []string{"late"}, nil) }, true},
		{"known host's var", func() (bool, error) { return inv.AddHost("w1", nil, map[string]any{"color": "blue"}) }, true},
		{"group_by", func() (bool, error) { return inv.AddToGroup("w2", "late", []string{"parent"}) }, true},
		{"group_by again", func() (bool, error) { return inv.AddToGroup("w2", "late", []string{"parent"}) }, false},
		{"unknown host", func() (bool, error) { return inv.AddToGroup("nope", "x", nil) }, false},
	}
	for _, s := range steps {
		changed, err := s.do()
		if (err != nil) != (s.name == "unknown host") || changed != s.changed {
			t.Errorf("%s: changed %v, err %v; want changed %v", s.name, changed, err, s.changed)
		}
	}
	groups := inv.Groups()
	want := map[string][]string{"late": {"n1", "w2"}, "parent": {"n1", "w2"}, "ungrouped": nil, "web": {"w1", "w2"}}
	for g, hosts := range want {
		if len(groups[g])+len(hosts) > 0 && !reflect.DeepEqual(groups[g], hosts) {
			t.Errorf("groups[%s] = %v, want %v", g, groups[g], hosts)
		}
	}
	vars, names, ok := inv.HostView("n1")
	if !ok || vars["a"] != 1 || vars["b"] != 2 || vars["from_late"] != true || !reflect.DeepEqual(names, []string{"late", "parent"}) {
		t.Errorf("n1: vars %v, group_names %v", vars, names)
	}
	if vars, names, _ := inv.HostView("w2"); vars["from_late"] != true || !reflect.DeepEqual(names, []string{"late", "parent", "web"}) {
		t.Errorf("w2: vars %v, group_names %v", vars, names)
	}
	if vars, _, _ := inv.HostView("w1"); vars["color"] != "blue" {
		t.Errorf("w1 color = %v", vars["color"])
	}
	if got := inv.GroupOrder(); !reflect.DeepEqual(got, []string{"all", "ungrouped", "web", "late", "parent"}) {
		t.Errorf("group order %v", got)
	}
}
