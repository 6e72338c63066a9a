package tasks

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestURI makes requests to a real HTTP server: JSON parsed into json,
// headers as lower-case keys with _, status_code lists, bodies in every
// body_format, redirects by follow_redirects with cookies kept, content
// saved to dest, Ansible's failure messages.
func TestURI(t *testing.T) {
	web := newTestWeb(t)
	dir := t.TempDir()
	type check map[string]any
	cases := []struct {
		name   string
		args   map[string]any
		failed bool
		msg    string
		want   check
	}{
		{"json", map[string]any{"url": web.URL + "/json"}, false, "OK (42 bytes)",
			check{"status": 200, "x_custom": "yes", "content_type": "application/json; charset=utf-8", "redirected": false,
				"json": map[string]any{"name": "drover", "n": 3.0, "list": []any{1.0, 2.0}}, "content": nil}},
		{"return_content", map[string]any{"url": web.URL + "/dyn", "return_content": true}, false, "OK (6 bytes)",
			check{"content": "first\n", "json": nil}},
		{"post json", map[string]any{"url": web.URL + "/echo", "method": "POST", "body_format": "json", "body": map[string]any{"a": 1}},
			false, "", check{"json": map[string]any{"method": "POST", "body": `{"a": 1}`, "content_type": "application/json",
				"agent": "ansible-httpget", "token": "", "cookie": "", "encoding": "identity"}}},
		{"form", map[string]any{"url": web.URL + "/echo", "method": "PUT", "body_format": "form-urlencoded",
			"body": map[string]any{"b": "x y", "a": []any{"1", "2"}}, "headers": map[string]any{"X-Token": "t0k"}}, false, "",
			check{"json": map[string]any{"method": "PUT", "body": "a=1&a=2&b=x+y", "content_type": "application/x-www-form-urlencoded",
				"agent": "ansible-httpget", "token": "t0k", "cookie": "", "encoding": "identity"}}},
		{"raw body defaults to a form type", map[string]any{"url": web.URL + "/echo", "method": "POST", "body": "plain"}, false, "",
			check{"json": map[string]any{"method": "POST", "body": "plain", "content_type": "application/x-www-form-urlencoded",
				"agent": "ansible-httpget", "token": "", "cookie": "", "encoding": "identity"}}},
		{"redirect keeps cookies", map[string]any{"url": web.URL + "/redir"}, false, "",
			check{"redirected": true, "url": web.URL + "/echo", "cookies": map[string]any{"session": "abc"}, "cookies_string": "session=abc"}},
		{"safe does not follow POST", map[string]any{"url": web.URL + "/redir", "method": "POST", "status_code": []any{302}}, false, "HTTP Error 302: Found",
			check{"status": 302, "redirected": false, "location": web.URL + "/echo"}},
		{"all follows POST as GET", map[string]any{"url": web.URL + "/redir", "method": "POST", "follow_redirects": "all", "body": "x"}, false, "",
			check{"status": 200, "redirected": true}},
		{"307 keeps method and body", map[string]any{"url": web.URL + "/redir307", "method": "POST", "follow_redirects": "all", "body": "kept"}, false, "",
			check{"status": 200}},
		{"not found", map[string]any{"url": web.URL + "/status/404"}, true, "Status code was 404 and not [200]: HTTP Error 404: Not Found",
			check{"status": 404}},
		{"accepted status", map[string]any{"url": web.URL + "/status/404", "status_code": "200,404", "return_content": true}, false,
			"HTTP Error 404: Not Found", check{"status": 404, "content": "status 404 body\n"}},
		{"created", map[string]any{"url": web.URL + "/status/201", "status_code": []any{201}}, false, "OK (16 bytes)", check{"status": 201}},
		{"refused", map[string]any{"url": "http://127.0.0.1:1/"}, true,
			"Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111] Connection refused>", check{"status": -1}},
		{"bad method", map[string]any{"url": web.URL, "method": "get it"}, true,
			"Parameter 'method' needs to be a single word in uppercase, like GET or POST.", check{}},
		{"creates", map[string]any{"url": web.URL + "/json", "creates": dir}, false, "", check{"stdout": "skipped, since '" + dir + "' exists", "status": nil}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sysRun(t, "uri", tc.args, sysOpts{})
			if r.Failed != tc.failed || (tc.msg != "" && r.Msg != tc.msg) {
				t.Fatalf("failed=%v msg=%q %v", r.Failed, r.Msg, r.Values)
			}
			for k, v := range tc.want {
				if fmt.Sprint(r.Values[k]) != fmt.Sprint(v) {
					t.Errorf("%s = %#v, want %#v", k, r.Values[k], v)
				}
			}
		})
	}
	r := sysRun(t, "uri", map[string]any{"url": web.URL + "/redir307", "method": "POST", "follow_redirects": "all", "body": "kept"}, sysOpts{})
	if js, _ := r.Values["json"].(map[string]any); js["body"] != "kept" || js["method"] != "POST" {
		t.Fatalf("307: %v", r.Values["json"])
	}
	if r := sysRun(t, "uri", map[string]any{"url": web.URL}, sysOpts{check: true}); !r.Skipped {
		t.Fatalf("check mode: %+v", r)
	}
	dest := filepath.Join(dir, "saved")
	r = sysRun(t, "uri", map[string]any{"url": web.URL + "/dyn", "dest": dest, "mode": "0600"}, sysOpts{})
	wantChanged(t, r, true, "dest")
	if b, _ := os.ReadFile(dest); string(b) != "first\n" || r.Get("path") != dest || r.Get("mode") != nil && r.Get("mode") != "0600" {
		t.Fatalf("dest content %q, %v", b, r.Values)
	}
	ino := inode(t, dest)
	wantChanged(t, sysRun(t, "uri", map[string]any{"url": web.URL + "/dyn", "dest": dest}, sysOpts{}), true, "dest again (uri always reports a write)")
	if inode(t, dest) != ino {
		t.Fatal("identical content rewritten")
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", fi.Mode().Perm())
	}
}

// TestURITLS checks certificates with the host's CA bundle, a ca_path
// file on the host, or not at all (validate_certs: no).
func TestURITLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tls ok") }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	r := sysRun(t, "uri", map[string]any{"url": srv.URL}, sysOpts{})
	if !r.Failed || !strings.Contains(r.Msg, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed") {
		t.Fatalf("unknown authority: %+v", r)
	}
	r = sysRun(t, "uri", map[string]any{"url": srv.URL, "validate_certs": false, "return_content": true}, sysOpts{})
	if mustOK(t, r, "validate_certs: no"); r.Get("content") != "tls ok" {
		t.Fatalf("content %v", r.Get("content"))
	}
	mustOK(t, sysRun(t, "uri", map[string]any{"url": srv.URL, "ca_path": ca}, sysOpts{}), "ca_path")
}

// TestURIBodies sends form-multipart bodies (fields and controller files)
// and a src file from the controller or, with remote_src, the host.
func TestURIBodies(t *testing.T) {
	web := newTestWeb(t)
	files := t.TempDir()
	os.WriteFile(filepath.Join(files, "upload.txt"), []byte("file body\n"), 0o644)
	r := sysRun(t, "uri", map[string]any{"url": web.URL + "/echo", "method": "POST", "body_format": "form-multipart",
		"body": map[string]any{"field": "value", "doc": map[string]any{"filename": "upload.txt"},
			"inline": map[string]any{"content": "inline text", "filename": "x.json", "mime_type": "text/plain"}}}, sysOpts{files: files})
	mustOK(t, r, "multipart")
	js := r.Values["json"].(map[string]any)
	body, ct := js["body"].(string), js["content_type"].(string)
	for _, want := range []string{`name="field"`, "value", `name="doc"; filename="upload.txt"`, "file body", `filename="x.json"`,
		"Content-Type: text/plain", "inline text"} {
		if !strings.Contains(body, want) {
			t.Errorf("multipart body lacks %q:\n%s", want, body)
		}
	}
	if !strings.HasPrefix(ct, "multipart/form-data; boundary=") {
		t.Errorf("content type %q", ct)
	}
	r = sysRun(t, "uri", map[string]any{"url": web.URL + "/echo", "method": "PUT", "src": "upload.txt"}, sysOpts{files: files})
	if js := r.Values["json"].(map[string]any); js["body"] != "file body\n" || js["method"] != "PUT" {
		t.Fatalf("src: %v", js)
	}
	r = sysRun(t, "uri", map[string]any{"url": web.URL + "/echo", "method": "PUT", "src": filepath.Join(files, "upload.txt"), "remote_src": true}, sysOpts{})
	if js := r.Values["json"].(map[string]any); js["body"] != "file body\n" {
		t.Fatalf("remote_src: %v", js)
	}
}
