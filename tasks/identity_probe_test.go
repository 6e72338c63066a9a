package tasks

import (
	"context"
	"os"
	"os/user"
	"reflect"
	"strconv"
	"testing"

	"github.com/drover/drover/transport/local"
)

// TestParseID reads id's reports as GNU coreutils and busybox print them.
func TestParseID(t *testing.T) {
	cases := []struct {
		line          string
		uid, gid      int
		users, groups map[int]string
		wantErr       bool
	}{
		{line: "uid=1000(ann) gid=1000(ann) groups=1000(ann),27(sudo),100(users)", uid: 1000, gid: 1000,
			users: map[int]string{1000: "ann"}, groups: map[int]string{1000: "ann", 27: "sudo", 100: "users"}},
		{line: "uid=0(root) gid=0(root) groups=0(root)", uid: 0, gid: 0,
			users: map[int]string{0: "root"}, groups: map[int]string{0: "root"}},
		// no names: a uid without a passwd entry (containers)
		{line: "uid=1000760000 gid=0(root) groups=0(root),1000760000", uid: 1000760000, gid: 0,
			users: map[int]string{}, groups: map[int]string{0: "root"}},
		// effective ids differ from the real ones
		{line: "uid=1000(ann) gid=1000(ann) euid=0(root) egid=0(root) groups=1000(ann)", uid: 0, gid: 0,
			users: map[int]string{1000: "ann", 0: "root"}, groups: map[int]string{1000: "ann", 0: "root"}},
		// group names with spaces, an SELinux context after the groups
		{line: "uid=5001(bob) gid=5000(domain users) groups=5000(domain users),5002(ops) context=unconfined_u:unconfined_r:unconfined_t:s0",
			uid: 5001, gid: 5000, users: map[int]string{5001: "bob"}, groups: map[int]string{5000: "domain users", 5002: "ops"}},
		{line: "", wantErr: true},
		{line: "1000", wantErr: true},
		{line: "uid=1000(ann)", wantErr: true},
	}
	for _, c := range cases {
		id, names, err := parseID(c.line)
		if (err != nil) != c.wantErr {
			t.Errorf("%q: error %v, want error %v", c.line, err, c.wantErr)
			continue
		}
		if c.wantErr {
			continue
		}
		if id.UID != c.uid || id.GID != c.gid {
			t.Errorf("%q: ids %d:%d, want %d:%d", c.line, id.UID, id.GID, c.uid, c.gid)
		}
		if !reflect.DeepEqual(names.users, c.users) || !reflect.DeepEqual(names.groups, c.groups) {
			t.Errorf("%q: names %v %v, want %v %v", c.line, names.users, names.groups, c.users, c.groups)
		}
	}
}

// TestIdentityNames checks that the identity names the user's own files
// as the passwd and group tables do, without reading them.
func TestIdentityNames(t *testing.T) {
	conn := local.New()
	ctx := context.Background()
	if _, err := hostIdentity(ctx, conn); err != nil {
		t.Fatal(err)
	}
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		t.Skip("the test user has no name: ", err)
	}
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skip("the test group has no name: ", err)
	}
	if got, _ := userName(ctx, conn, os.Getuid()); got != u.Username {
		t.Errorf("UserName = %q, want %q", got, u.Username)
	}
	if got, _ := groupName(ctx, conn, os.Getgid()); got != g.Name {
		t.Errorf("GroupName = %q, want %q", got, g.Name)
	}
	h := idsFor(conn)
	if h.userByID != nil {
		t.Error("the passwd and group tables were read for the user's own ids")
	}
}
