package tasks

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// closedPortAddr is an address nothing listens on.
func closedPortAddr(t *testing.T) (string, int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	return addr.IP.String(), addr.Port
}

// banner listens on 127.0.0.1 and greets each client with text.
func banner(t *testing.T, text string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprint(c, text)
				buf := make([]byte, 16)
				c.Read(buf)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestWaitFor waits for real ports and files: open, closed, text from a
// port or in a file (match groups), drained connections, timeouts.
func TestWaitFor(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.log")
	os.WriteFile(file, []byte("booting\nready on port 8080 (pid 42)\n"), 0o644)
	open := banner(t, "220 mail.test ESMTP v3\r\n")
	_, closed := closedPortAddr(t)
	type want struct {
		failed bool
		msg    string
		groups string
		named  string
	}
	cases := []struct {
		name string
		args map[string]any
		want want
	}{
		{"port open", map[string]any{"port": open}, want{groups: "[]", named: "map[]"}},
		{"port text", map[string]any{"port": open, "search_regex": `ESMTP v(\d+)`}, want{groups: "[3]", named: "map[]"}},
		{"port closed stays closed", map[string]any{"port": closed, "state": "stopped"}, want{groups: "[]", named: "map[]"}},
		{"port never opens", map[string]any{"port": closed, "timeout": 1},
			want{failed: true, msg: "Timeout when waiting for 127.0.0.1:" + strconv.Itoa(closed)}},
		{"port never closes", map[string]any{"port": open, "state": "stopped", "timeout": 1},
			want{failed: true, msg: "Timeout when waiting for 127.0.0.1:" + strconv.Itoa(open) + " to stop."}},
		{"text never comes", map[string]any{"port": open, "search_regex": "nope", "timeout": 1},
			want{failed: true, msg: "Timeout when waiting for search string nope in 127.0.0.1:" + strconv.Itoa(open)}},
		{"file", map[string]any{"path": file}, want{groups: "[]", named: "map[]"}},
		{"file text", map[string]any{"path": file, "search_regex": `ready on port (?P<port>\d+) \(pid (\d+)\)`},
			want{groups: "[8080 42]", named: "map[port:8080]"}},
		{"file absent", map[string]any{"path": file + ".gone", "state": "absent"}, want{groups: "[]", named: "map[]"}},
		{"file never comes", map[string]any{"path": file + ".gone", "timeout": 1}, want{failed: true, msg: "Timeout when waiting for file " + file + ".gone"}},
		{"custom message", map[string]any{"path": file + ".gone", "timeout": 1, "msg": "no log"}, want{failed: true, msg: "no log"}},
		{"port and path", map[string]any{"path": file, "port": 1}, want{failed: true, msg: "port and path parameter can not both be passed to wait_for"}},
		{"drained", map[string]any{"port": closed, "state": "drained"}, want{groups: "[]", named: "map[]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := sysRun(t, "wait_for", tc.args, sysOpts{})
			if r.Failed != tc.want.failed || (tc.want.msg != "" && r.Msg != tc.want.msg) {
				t.Fatalf("failed=%v msg=%q", r.Failed, r.Msg)
			}
			if tc.want.failed {
				return
			}
			if g := fmt.Sprint(r.Get("match_groups")); g != tc.want.groups {
				t.Errorf("match_groups = %s, want %s", g, tc.want.groups)
			}
			if g := fmt.Sprint(r.Get("match_groupdict")); g != tc.want.named {
				t.Errorf("match_groupdict = %s, want %s", g, tc.want.named)
			}
			if _, ok := r.Get("elapsed").(int); !ok {
				t.Errorf("elapsed = %#v", r.Get("elapsed"))
			}
		})
	}
	if r := sysRun(t, "wait_for", map[string]any{"port": open}, sysOpts{check: true}); !r.Skipped {
		t.Fatalf("check mode: %+v", r)
	}
}

// TestWaitForLater sees a port open and a file appear while it waits.
func TestWaitForLater(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flag")
	_, port := closedPortAddr(t)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		os.WriteFile(file, []byte("done\n"), 0o644)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
		}
	}()
	mustOK(t, sysRun(t, "wait_for", map[string]any{"path": file, "search_regex": "done", "timeout": 30}, sysOpts{}), "file appears")
	mustOK(t, sysRun(t, "wait_for", map[string]any{"port": port, "timeout": 30}, sysOpts{}), "port opens")
}

// TestWaitForDrained counts established connections from /proc/net/tcp.
func TestWaitForDrained(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	r := sysRun(t, "wait_for", map[string]any{"port": port, "state": "drained", "timeout": 1}, sysOpts{})
	if !r.Failed || r.Msg != "Timeout when waiting for 127.0.0.1:"+strconv.Itoa(port)+" to drain" {
		t.Fatalf("open connection: %+v", r)
	}
	r = sysRun(t, "wait_for", map[string]any{"port": port, "state": "drained", "timeout": 1, "exclude_hosts": []any{"127.0.0.1"},
		"active_connection_states": []any{"ESTABLISHED"}}, sysOpts{})
	mustOK(t, r, "excluded host")
	client.Close()
	server.Close()
	r = sysRun(t, "wait_for", map[string]any{"port": port, "state": "drained", "timeout": 5,
		"active_connection_states": []any{"ESTABLISHED"}}, sysOpts{})
	mustOK(t, r, "drained")
}
