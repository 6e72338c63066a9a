package tasks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestCronFile manages jobs and variables in a cron file: the lines
// Ansible writes ("#Ansible: NAME" then the job), changed only when the
// file changes, check mode and diff, removal of the emptied file.
func TestCronFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "drover-test")
	base := map[string]any{"cron_file": file, "user": "root"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	steps := []struct {
		what    string
		args    map[string]any
		check   bool
		changed bool
		content string // "-" for a missing file
	}{
		{"check mode add", with("name", "backup", "job", "/bin/true", "hour", "2"), true, true, "-"},
		{"add", with("name", "backup", "job", "/bin/true", "hour", "2"), false, true, "#Ansible: backup\n* 2 * * * root /bin/true\n"},
		{"add again", with("name", "backup", "job", "/bin/true", "hour", "2"), false, false, "#Ansible: backup\n* 2 * * * root /bin/true\n"},
		{"env", with("name", "PATH", "job", "/bin:/usr/bin", "env", true), false, true, "PATH=\"/bin:/usr/bin\"\n#Ansible: backup\n* 2 * * * root /bin/true\n"},
		{"special", with("name", "boot", "job", "/bin/boot", "special_time", "reboot", "disabled", true), false, true,
			"PATH=\"/bin:/usr/bin\"\n#Ansible: backup\n* 2 * * * root /bin/true\n#Ansible: boot\n#@reboot root /bin/boot\n"},
		{"change", with("name", "backup", "job", "/bin/true", "minute", "5", "hour", "2"), false, true,
			"PATH=\"/bin:/usr/bin\"\n#Ansible: backup\n5 2 * * * root /bin/true\n#Ansible: boot\n#@reboot root /bin/boot\n"},
		{"remove job", with("name", "boot", "state", "absent"), false, true, "PATH=\"/bin:/usr/bin\"\n#Ansible: backup\n5 2 * * * root /bin/true\n"},
		{"remove env", with("name", "PATH", "env", true, "state", "absent"), false, true, "#Ansible: backup\n5 2 * * * root /bin/true\n"},
		{"remove last", with("name", "backup", "state", "absent"), false, true, "-"},
		{"remove again", with("name", "backup", "state", "absent"), false, false, "-"},
	}
	for _, s := range steps {
		r := sysRun(t, "cron", s.args, sysOpts{check: s.check, diff: true})
		wantChanged(t, r, s.changed, s.what)
		b, err := os.ReadFile(file)
		got := string(b)
		if err != nil {
			got = "-"
		}
		if got != s.content {
			t.Fatalf("%s: file is %q, want %q", s.what, got, s.content)
		}
		if s.changed && !strings.HasPrefix(s.what, "remove last") {
			d, _ := r.Values["diff"].(map[string]any)
			if d["before_header"] != file {
				t.Fatalf("%s: diff %v", s.what, r.Values["diff"])
			}
		}
	}
	if r := sysRun(t, "cron", map[string]any{"name": "x", "job": "y", "cron_file": file}, sysOpts{}); !r.Failed ||
		r.Msg != "To use cron_file=... parameter you must specify user=... as well" {
		t.Fatalf("cron_file without user: %+v", r)
	}
	if r := sysRun(t, "cron", with("name", "x", "job", "y", "special_time", "daily", "hour", "1"), sysOpts{}); !r.Failed {
		t.Fatalf("special_time with hour: %+v", r)
	}
}

// TestCronAdoptsAnsibleLines finds a job Ansible wrote and a job without
// its marker line (adding the marker), so both tools manage one file.
func TestCronAdoptsAnsibleLines(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mixed")
	orig := "MAILTO=\"\"\n#Ansible: web\n*/5 * * * * www /usr/bin/check\n0 1 * * * root /usr/bin/rotate\n"
	if err := os.WriteFile(file, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	r := sysRun(t, "cron", map[string]any{"name": "web", "job": "/usr/bin/check", "minute": "*/5", "user": "www", "cron_file": file}, sysOpts{})
	wantChanged(t, r, false, "same job")
	r = sysRun(t, "cron", map[string]any{"name": "rotate", "job": "/usr/bin/rotate", "minute": "0", "hour": "1", "user": "root", "cron_file": file}, sysOpts{})
	wantChanged(t, r, true, "adopt unmarked job")
	want := "MAILTO=\"\"\n#Ansible: web\n*/5 * * * * www /usr/bin/check\n#Ansible: rotate\n0 1 * * * root /usr/bin/rotate\n"
	if b, _ := os.ReadFile(file); string(b) != want {
		t.Fatalf("file is %q, want %q", b, want)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode changed to %o", fi.Mode().Perm())
	}
	jobs := fmt.Sprint(r.Values["jobs"])
	if jobs != "[web rotate]" {
		t.Fatalf("jobs = %s", jobs)
	}
}

// TestCronUserCrontab manages a user's crontab with the crontab program.
func TestCronUserCrontab(t *testing.T) {
	testlab.Lock(t, testlab.Accounts)
	needRoot(t)
	needPrograms(t, "crontab", "useradd")
	name := fmt.Sprintf("drvc%d", os.Getpid()%100000)
	t.Cleanup(func() { shOK("crontab -r -u " + name); shOK("userdel " + name); shOK("groupdel " + name) })
	sh(t, "useradd -M "+name)
	args := map[string]any{"name": "tick", "job": "/bin/date", "minute": "*/10", "user": name}
	wantChanged(t, sysRun(t, "cron", args, sysOpts{check: true}), true, "check mode")
	if shOK("crontab -l -u " + name) {
		t.Fatal("check mode wrote a crontab")
	}
	r := sysRun(t, "cron", args, sysOpts{diff: true})
	wantChanged(t, r, true, "add")
	if got := sh(t, "crontab -l -u "+name); got != "#Ansible: tick\n*/10 * * * * /bin/date\n" {
		t.Fatalf("crontab is %q", got)
	}
	if d := r.Values["diff"].(map[string]any); d["after_header"] != `crontab for user "`+name+`"` {
		t.Fatalf("diff %v", d)
	}
	wantChanged(t, sysRun(t, "cron", args, sysOpts{}), false, "again")
	r = sysRun(t, "cron", map[string]any{"name": "tick", "state": "absent", "user": name, "backup": true}, sysOpts{})
	wantChanged(t, r, true, "remove")
	bf, _ := r.Values["backup_file"].(string)
	if b, err := os.ReadFile(bf); err != nil || string(b) != "#Ansible: tick\n*/10 * * * * /bin/date\n" {
		t.Fatalf("backup %q: %q %v", bf, b, err)
	}
	os.Remove(bf)
}
