package tasks

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// inode identifies a file, to tell a rewrite from an untouched file.
func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestGetURL downloads from a real HTTP server into files on the host:
// If-Modified-Since and checksums avoid downloads, identical content is
// not rewritten, check mode asks with HEAD, failures carry Ansible's
// messages.
func TestGetURL(t *testing.T) {
	web := newTestWeb(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "file.txt")
	r := sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest}, sysOpts{check: true})
	wantChanged(t, r, true, "check mode")
	if _, err := os.Stat(dest); err == nil || web.lastMethod("/file.txt") != "HEAD" {
		t.Fatalf("check mode wrote the file or did not use HEAD (%s)", web.lastMethod("/file.txt"))
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest, "mode": "0640"}, sysOpts{})
	wantChanged(t, r, true, "download")
	if b, _ := os.ReadFile(dest); string(b) != "hello from the web\n" {
		t.Fatalf("content %q", b)
	}
	for k, v := range map[string]any{"msg": nil, "status_code": 200, "mode": "0640", "size": int64(19), "state": "file",
		"checksum_src": "a5b7b4a5ee1d70d93eee8ff1f7b1bc2a3cb6e7a0", "md5sum": "4ec1f0ff8b4fc0ce0d7ad8fcb7c57bd0", "checksum_dest": nil} {
		got := r.Values[k]
		if k == "msg" {
			got, v = r.Msg, "OK (19 bytes)"
		}
		if k == "checksum_src" || k == "md5sum" {
			v = map[string]string{"checksum_src": sh(t, "sha1sum "+dest)[:40], "md5sum": sh(t, "md5sum "+dest)[:32]}[k]
		}
		if fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	ino := inode(t, dest)
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest, "mode": "0640"}, sysOpts{})
	wantChanged(t, r, false, "not modified")
	if r.Msg != "HTTP Error 304: Not Modified" || r.Get("status_code") != 304 {
		t.Fatalf("304: %s %v", r.Msg, r.Values)
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest, "force": true}, sysOpts{})
	wantChanged(t, r, false, "forced, same content")
	if inode(t, dest) != ino {
		t.Fatal("identical content was rewritten")
	}
	before := web.count("/file.txt")
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest, "mode": "0600",
		"checksum": "sha256:6800e5a138da1ed186442cecbb944d165db00a45ce6eec03dcf39779d73c7a3f"}, sysOpts{})
	wantChanged(t, r, true, "checksum matches, mode changes")
	if r.Msg != "file already exists but file attributes changed" || web.count("/file.txt") != before {
		t.Fatalf("checksum match: %s, %d requests", r.Msg, web.count("/file.txt")-before)
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": dest,
		"checksum": "sha256:" + web.URL + "/sums"}, sysOpts{})
	wantChanged(t, r, false, "checksum from a checksum file")
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/dyn", "dest": dest, "checksum": "sha1:0123456789abcdef0123456789abcdef01234567"}, sysOpts{})
	if !r.Failed || !strings.HasPrefix(r.Msg, "The checksum for "+dest+" did not match 0123456789abcdef0123456789abcdef01234567; it was ") {
		t.Fatalf("bad checksum: %+v", r)
	}
	if _, err := os.Stat(dest); err == nil {
		t.Fatal("a file with a wrong checksum was left")
	}
}

// TestGetURLMore covers directories, backups, authentication and
// failures.
func TestGetURLMore(t *testing.T) {
	web := newTestWeb(t)
	dir := t.TempDir()
	r := sysRun(t, "get_url", map[string]any{"url": web.URL + "/cd", "dest": dir}, sysOpts{})
	wantChanged(t, r, true, "into a directory")
	if r.Get("dest") != filepath.Join(dir, "named.bin") {
		t.Fatalf("dest = %v", r.Get("dest"))
	}
	wantChanged(t, sysRun(t, "get_url", map[string]any{"url": web.URL + "/cd", "dest": dir}, sysOpts{}), false, "directory again")
	dest := filepath.Join(dir, "dyn.txt")
	wantChanged(t, sysRun(t, "get_url", map[string]any{"url": web.URL + "/dyn", "dest": dest}, sysOpts{}), true, "dyn")
	web.setDyn("second\n")
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/dyn", "dest": dest, "force": true, "backup": true}, sysOpts{})
	wantChanged(t, r, true, "changed with backup")
	bf, _ := r.Get("backup_file").(string)
	if b, err := os.ReadFile(bf); err != nil || string(b) != "first\n" {
		t.Fatalf("backup %q: %q %v", bf, b, err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "second\n" {
		t.Fatalf("content %q", b)
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/dyn", "dest": dest, "force": true, "backup": true}, sysOpts{})
	if wantChanged(t, r, false, "same with backup"); r.Get("backup_file") != nil {
		t.Fatal("a backup of unchanged content")
	}

	authDest := filepath.Join(dir, "auth")
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/auth", "dest": authDest, "url_username": "alice", "url_password": "s3cret"}, sysOpts{})
	wantChanged(t, r, true, "basic auth after 401")
	if len(web.authSeen) != 2 || web.authSeen[0] != "" {
		t.Fatalf("auth headers seen %q", web.authSeen)
	}
	web.authSeen = nil
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/auth", "dest": authDest, "url_username": "alice", "url_password": "s3cret",
		"force_basic_auth": true, "force": true}, sysOpts{})
	wantChanged(t, r, false, "forced basic auth")
	if len(web.authSeen) != 1 {
		t.Fatalf("auth headers seen %q", web.authSeen)
	}

	netrc := filepath.Join(dir, "netrc")
	os.WriteFile(netrc, []byte("machine other login bob password x\nmachine 127.0.0.1\n  login alice\n  password s3cret\n"), 0o600)
	web.authSeen = nil
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/auth", "dest": filepath.Join(dir, "netrc-auth")}, sysOpts{env: map[string]string{"NETRC": netrc}})
	if wantChanged(t, r, true, "credentials from netrc"); len(web.authSeen) != 1 {
		t.Fatalf("netrc: auth headers seen %q", web.authSeen)
	}

	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/status/404", "dest": filepath.Join(dir, "x")}, sysOpts{})
	if !r.Failed || r.Msg != "Request failed" || r.Get("status_code") != 404 || r.Get("response") != "HTTP Error 404: Not Found" {
		t.Fatalf("404: %+v", r)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	r = sysRun(t, "get_url", map[string]any{"url": "http://" + closed + "/x", "dest": filepath.Join(dir, "x")}, sysOpts{})
	if !r.Failed || r.Msg != "Request failed: <urlopen error [Errno 111] Connection refused>" {
		t.Fatalf("refused: %+v", r)
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/file.txt", "dest": filepath.Join(dir, "nodir", "x")}, sysOpts{})
	if !r.Failed || r.Msg != "Destination "+filepath.Join(dir, "nodir")+" does not exist" {
		t.Fatalf("missing directory: %+v", r)
	}
	r = sysRun(t, "get_url", map[string]any{"url": web.URL + "/gzip", "dest": filepath.Join(dir, "z")}, sysOpts{})
	wantChanged(t, r, true, "gzip")
	if b, _ := os.ReadFile(filepath.Join(dir, "z")); string(b) != "zipped body\n" {
		t.Fatalf("gzip content %q", b)
	}
}
