package tasks

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestUserModule creates, changes and removes a real user with useradd,
// usermod and userdel: changed only when something differs, check mode
// changes nothing, groups/append, the password hash is set but never
// returned, a missing home is created.
func TestUserModule(t *testing.T) {
	testlab.Lock(t, testlab.Accounts)
	needRoot(t)
	needPrograms(t, "useradd", "usermod", "userdel", "getent")
	id := os.Getpid() % 100000
	name, g1, g2 := fmt.Sprintf("drvu%d", id), fmt.Sprintf("drvua%d", id), fmt.Sprintf("drvub%d", id)
	home := t.TempDir() + "/homes/" + name
	t.Cleanup(func() {
		shOK("userdel -r " + name)
		shOK("groupdel " + g1)
		shOK("groupdel " + g2)
		shOK("groupdel " + name)
	})
	sh(t, "groupadd "+g1+" && groupadd "+g2)
	hash := "$6$saltsalt$" + strings.Repeat("a", 86)
	steps := []struct {
		what    string
		args    map[string]any
		check   bool
		changed bool
		verify  string // sh test that must hold afterwards
	}{
		{"check mode create", map[string]any{"name": name}, true, true, "! getent passwd " + name},
		{"create", map[string]any{"name": name, "home": home, "shell": "/bin/sh", "comment": "Drover Test", "groups": []any{g1}, "password": hash},
			false, true, "getent passwd " + name + " | grep -q ':Drover Test:" + home + ":/bin/sh$' && [ -d " + home + " ] && id -nG " + name + " | grep -qw " + g1},
		{"same again", map[string]any{"name": name, "home": home, "shell": "/bin/sh", "comment": "Drover Test", "groups": []any{g1}, "password": hash},
			false, false, "getent shadow " + name + " | grep -qF '" + hash + "'"},
		{"check mode shell", map[string]any{"name": name, "shell": "/bin/bash"}, true, true, "getent passwd " + name + " | grep -q ':/bin/sh$'"},
		{"shell", map[string]any{"name": name, "shell": "/bin/bash"}, false, true, "getent passwd " + name + " | grep -q ':/bin/bash$'"},
		{"append group", map[string]any{"name": name, "groups": []any{g2}, "append": true}, false, true,
			"id -nG " + name + " | grep -qw " + g1 + " && id -nG " + name + " | grep -qw " + g2},
		{"append again", map[string]any{"name": name, "groups": []any{g2}, "append": true}, false, false, "true"},
		{"replace groups", map[string]any{"name": name, "groups": []any{g2}}, false, true, "! id -nG " + name + " | grep -qw " + g1},
		{"lock", map[string]any{"name": name, "password_lock": true}, false, true, "getent shadow " + name + " | cut -d: -f2 | grep -q '^!'"},
		{"home recreated", map[string]any{"name": name}, false, false, "[ -d " + home + " ]"},
		{"check mode remove", map[string]any{"name": name, "state": "absent", "remove": true}, true, true, "getent passwd " + name},
		{"remove", map[string]any{"name": name, "state": "absent", "remove": true}, false, true, "! getent passwd " + name + " && [ ! -d " + home + " ]"},
		{"remove again", map[string]any{"name": name, "state": "absent"}, false, false, "true"},
	}
	for _, s := range steps {
		r := sysRun(t, "user", s.args, sysOpts{check: s.check})
		wantChanged(t, r, s.changed, s.what)
		if !shOK(s.verify) {
			t.Fatalf("%s: %q does not hold; result %+v", s.what, s.verify, r.Values)
		}
		if pw, ok := r.Values["password"]; ok && pw != "NOT_LOGGING_PASSWORD" {
			t.Fatalf("%s: password returned: %v", s.what, pw)
		}
		for k, v := range r.Values {
			if strings.Contains(fmt.Sprint(v), hash) {
				t.Fatalf("%s: the password hash is in %s", s.what, k)
			}
		}
	}
	r := sysRun(t, "user", map[string]any{"name": name, "groups": []any{"drover-no-such-group"}}, sysOpts{})
	if !r.Failed || r.Msg != "Group drover-no-such-group does not exist" {
		t.Fatalf("missing group: %+v", r)
	}
	shOK("userdel -r " + name)
}

// TestUserMissingHome creates the home of an existing user that lacks it,
// as Ansible does (changed), with the skeleton's files and the user's
// ownership.
func TestUserMissingHome(t *testing.T) {
	testlab.Lock(t, testlab.Accounts)
	needRoot(t)
	needPrograms(t, "useradd")
	name := fmt.Sprintf("drvh%d", os.Getpid()%100000)
	home := t.TempDir() + "/h/" + name
	t.Cleanup(func() { shOK("userdel " + name); shOK("groupdel " + name) })
	sh(t, "useradd -M -d "+home+" "+name)
	r := sysRun(t, "user", map[string]any{"name": name}, sysOpts{})
	wantChanged(t, r, true, "create missing home")
	if !shOK("[ \"$(stat -c %U " + home + ")\" = " + name + " ]") {
		t.Fatalf("home not owned by the user: %s", sh(t, "ls -ld "+home))
	}
	if r.Get("home") != home {
		t.Fatalf("home = %v", r.Get("home"))
	}
	wantChanged(t, sysRun(t, "user", map[string]any{"name": name}, sysOpts{}), false, "home exists")
}
