package tasks

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestGroupModule adds, changes and removes a real group with groupadd,
// groupmod and groupdel, checking changed, check mode and the returned
// gid against getent.
func TestGroupModule(t *testing.T) {
	testlab.Lock(t, testlab.Accounts)
	needRoot(t)
	needPrograms(t, "groupadd", "getent")
	name := fmt.Sprintf("drvg%d", os.Getpid()%100000)
	t.Cleanup(func() { shOK("groupdel " + name) })
	gidOf := func() int {
		out := strings.TrimSpace(sh(t, "getent group "+name))
		n, _ := strconv.Atoi(strings.Split(out, ":")[2])
		return n
	}
	free := 0
	for g := 23456; g < 23500; g++ {
		if !shOK(fmt.Sprintf("getent group %d", g)) {
			free = g
			break
		}
	}
	steps := []struct {
		what    string
		args    map[string]any
		check   bool
		changed bool
		exists  bool
	}{
		{"check mode add", map[string]any{"name": name}, true, true, false},
		{"add", map[string]any{"name": name, "system": true}, false, true, true},
		{"add again", map[string]any{"name": name}, false, false, true},
		{"check mode gid", map[string]any{"name": name, "gid": free}, true, true, true},
		{"gid", map[string]any{"name": name, "gid": free}, false, true, true},
		{"gid again", map[string]any{"name": name, "gid": free}, false, false, true},
		{"check mode remove", map[string]any{"name": name, "state": "absent"}, true, true, true},
		{"remove", map[string]any{"name": name, "state": "absent"}, false, true, false},
		{"remove again", map[string]any{"name": name, "state": "absent"}, false, false, false},
	}
	for _, s := range steps {
		r := sysRun(t, "group", s.args, sysOpts{check: s.check})
		wantChanged(t, r, s.changed, s.what)
		if got := shOK("getent group " + name); got != s.exists {
			t.Fatalf("%s: group exists = %v, want %v", s.what, got, s.exists)
		}
		if s.exists && !s.check {
			if g := r.Get("gid"); g != gidOf() {
				t.Fatalf("%s: gid = %v, getent says %d", s.what, g, gidOf())
			}
		}
		if s.what == "add" && gidOf() >= 1000 {
			t.Fatalf("system group got gid %d", gidOf())
		}
	}
	r := sysRun(t, "group", map[string]any{"name": name + "x", "gid": 0, "state": "present", "non_unique": false}, sysOpts{})
	if !r.Failed || !strings.Contains(r.Msg, "GID '0' already exists") {
		t.Fatalf("duplicate gid: %+v", r)
	}
}
