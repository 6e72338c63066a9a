package probe

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/transport/local"
)

func TestFindFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.pem", "b.txt", ".hidden.pem", "sub/b.pem", "sub/deep/c.crt", "sub/deep/cert.pem", "other/cert.pem"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, "x")
	}
	if err := os.Symlink(filepath.Join(dir, "gone.pem"), filepath.Join(dir, "sub", "link.pem")); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ pattern, want string }{
		{"*.pem", "a.pem"},
		{"**/*.pem", "a.pem sub/b.pem sub/deep/cert.pem sub/link.pem other/cert.pem"},
		{"**/c.crt", "sub/deep/c.crt"},
		{"*/deep/*.crt", "sub/deep/c.crt"},
		{"*/cert.pem", "other/cert.pem"},
		{".*.pem", ".hidden.pem"},
		{"none.pem", "none.pem"},
		{"nodir/*.pem", ""},
		{"sub/[bc].pem", "sub/b.pem"},
	}
	for _, tc := range cases {
		files, problems := FindFiles(context.Background(), local.New(), filepath.Join(dir, tc.pattern))
		if len(problems) > 0 {
			t.Errorf("%s: problems %v", tc.pattern, problems)
		}
		var rel []string
		for _, f := range files {
			rel = append(rel, strings.TrimPrefix(f, dir+"/"))
		}
		got, want := strings.Fields(strings.Join(rel, " ")), strings.Fields(tc.want)
		slices.Sort(got)
		slices.Sort(want)
		eq(t, tc.pattern, strings.Join(got, " "), strings.Join(want, " "))
	}
}

func TestHostFileRows(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	leaf := p.leaf(t, leafSpec{names: []string{"svc.test"}, until: testNow.Add(10 * day)})
	writePEM(t, dir, "bundle.pem", leaf.Certificate, nil)
	writeFile(t, filepath.Join(dir, "leaf.der"), string(leaf.Certificate[0]))
	if err := os.Symlink(filepath.Join(dir, "gone.pem"), filepath.Join(dir, "dangling.pem")); err != nil {
		t.Fatal(err)
	}
	rows := HostFileRows(context.Background(), local.New(), "web1", []string{dir + "/*.pem", dir + "/*.der", dir + "/missing.crt"},
		Thresholds{WarnDays: 30, CriticalDays: 14}, testNow)
	var got []string
	for _, r := range rows {
		got = append(got, strings.TrimPrefix(r.Path, dir+"/")+"#"+itoa(r.Index)+"="+string(r.Status))
	}
	eq(t, "rows", strings.Join(got, " "), "bundle.pem#0=CRIT bundle.pem#1=OK dangling.pem#0=ERROR leaf.der#0=CRIT missing.crt#0=ERROR")
}
