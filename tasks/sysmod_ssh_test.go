package tasks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestNetworkModulesViaSSH runs get_url, uri, wait_for, script and cron on
// a real OpenSSH host. The sshd log proves the host, not the controller,
// opened the HTTP and TCP connections (direct-tcpip), with the name
// "localhost" resolved on the host.
func TestNetworkModulesViaSSH(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1, LogLevel: "DEBUG1"})
	h := lab.Hosts[0]
	conn := dialLab(t, lab, h)
	web := newTestWeb(t)
	port := web.URL[strings.LastIndexByte(web.URL, ':')+1:]
	o := sysOpts{conn: conn, files: scriptFiles(t)}
	sawTarget := func(target string) {
		t.Helper()
		if !strings.Contains(h.Log(), "target "+target) {
			t.Fatalf("sshd did not open a connection to %s", target)
		}
	}

	dest := filepath.Join(h.Dir, "dl.txt")
	r := sysRun(t, "get_url", map[string]any{"url": "http://localhost:" + port + "/file.txt", "dest": dest, "mode": "0600"}, o)
	wantChanged(t, r, true, "get_url over ssh")
	if b, _ := os.ReadFile(dest); string(b) != "hello from the web\n" {
		t.Fatalf("downloaded %q", b)
	}
	sawTarget("localhost port " + port)
	wantChanged(t, sysRun(t, "get_url", map[string]any{"url": "http://localhost:" + port + "/file.txt", "dest": dest, "mode": "0600"}, o),
		false, "get_url again")

	r = sysRun(t, "uri", map[string]any{"url": "http://localhost:" + port + "/json"}, o)
	if mustOK(t, r, "uri"); r.Get("status") != 200 || r.Values["json"].(map[string]any)["name"] != "drover" {
		t.Fatalf("uri: %v", r.Values)
	}

	open := banner(t, "ready\n")
	r = sysRun(t, "wait_for", map[string]any{"port": open, "search_regex": "ready"}, o)
	mustOK(t, r, "wait_for")
	sawTarget("127.0.0.1 port " + strconv.Itoa(open))
	r = sysRun(t, "wait_for", map[string]any{"path": dest, "search_regex": "hello (from)"}, o)
	if mustOK(t, r, "wait_for path"); r.Get("match_groups").([]any)[0] != "from" {
		t.Fatalf("match_groups %v", r.Get("match_groups"))
	}

	r = sysRun(t, "script", map[string]any{RawParams: "hello.sh one two", "chdir": h.Dir}, o)
	if wantChanged(t, r, true, "script"); r.Get("stdout") != "hello one two\n"+h.Dir+"\n" {
		t.Fatalf("script: %v", r.Values)
	}

	cron := filepath.Join(h.Dir, "cronfile")
	args := map[string]any{"name": "job", "job": "/bin/true", "user": "root", "cron_file": cron}
	wantChanged(t, sysRun(t, "cron", args, o), true, "cron over ssh")
	wantChanged(t, sysRun(t, "cron", args, o), false, "cron again")
}
