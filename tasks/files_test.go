package tasks

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/ssh"
)

// countingConn counts the operations a module makes on a connection.
type countingConn struct {
	transport.Conn
	mu  sync.Mutex
	ops map[string]int
}

func newCounting(c transport.Conn) *countingConn {
	return &countingConn{Conn: c, ops: map[string]int{}}
}

func (c *countingConn) count(op string) {
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
}

func (c *countingConn) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ops
	c.ops = map[string]int{}
	return out
}

func (c *countingConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	c.count("Run")
	return c.Conn.Run(ctx, cmd)
}
func (c *countingConn) Put(ctx context.Context, p string, r io.Reader, o transport.PutOptions) error {
	c.count("Put")
	return c.Conn.Put(ctx, p, r, o)
}
func (c *countingConn) Get(ctx context.Context, p string, w io.Writer) error {
	c.count("Get " + p)
	return c.Conn.Get(ctx, p, w)
}
func (c *countingConn) Checksum(ctx context.Context, p string) (string, error) {
	c.count("Checksum")
	return c.Conn.Checksum(ctx, p)
}
func (c *countingConn) Stat(ctx context.Context, p string) (transport.FileInfo, error) {
	c.count("Stat")
	return c.Conn.Stat(ctx, p)
}
func (c *countingConn) Lstat(ctx context.Context, p string) (transport.FileInfo, error) {
	c.count("Lstat")
	return c.Conn.Lstat(ctx, p)
}
func (c *countingConn) Chmod(ctx context.Context, p string, m os.FileMode) error {
	c.count("Chmod")
	return c.Conn.Chmod(ctx, p, m)
}
func (c *countingConn) Chown(ctx context.Context, p string, u, g int) error {
	c.count("Chown")
	return c.Conn.Chown(ctx, p, u, g)
}

// fileCall prepares a module call on conn; src files are found in srcDir.
func fileCall(t *testing.T, conn transport.Conn, module string, args map[string]any, check bool, srcDir string) (*Spec, *Call) {
	t.Helper()
	s, ok := Lookup(module)
	if !ok {
		t.Fatalf("no module %s", module)
	}
	a, err := s.Prepare(args)
	if err != nil {
		t.Fatalf("%s: %v", module, err)
	}
	c := &Call{Module: module, Host: "h1", Args: a, Conn: conn, Local: local.New(), Check: check,
		Var: func(name string) (any, bool) {
			if name == "playbook_dir" {
				return srcDir, true
			}
			return nil, false
		},
		Find: func(_, name string) (string, error) {
			if filepath.IsAbs(name) {
				return name, nil
			}
			return filepath.Join(srcDir, name), nil
		},
		Render: func(text string, _ map[string]any) (string, error) { return text, nil },
	}
	return s, c
}

func runFileModule(t *testing.T, conn transport.Conn, module string, args map[string]any, check bool, srcDir string) map[string]any {
	t.Helper()
	s, c := fileCall(t, conn, module, args, check, srcDir)
	r, err := s.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("%s %v: %v", module, args, err)
	}
	return r.Registered()
}

// fileCase is one module run and the registered values it must give.
type fileCase struct {
	name   string
	module string
	args   map[string]any // "DIR" in strings is replaced by the work directory
	check  bool
	want   map[string]any
}

func fileCases() []fileCase {
	return []fileCase{
		{"copy content", "copy", map[string]any{"content": "a=1\n", "dest": "DIR/a.conf", "mode": "0640"}, false,
			map[string]any{"changed": true, "checksum": "9dc9cfd3b38b77561ec22b49a723432e26181003", "mode": "0640", "size": int64(4), "state": "file", "dest": "DIR/a.conf"}},
		{"copy unchanged", "copy", map[string]any{"content": "a=1\n", "dest": "DIR/a.conf", "mode": "0640"}, false,
			map[string]any{"changed": false, "path": "DIR/a.conf", "mode": "0640"}},
		{"copy symbolic mode", "copy", map[string]any{"content": "a=1\n", "dest": "DIR/a.conf", "mode": "g-r,o=r"}, false,
			map[string]any{"changed": true, "mode": "0604"}},
		{"copy check", "copy", map[string]any{"content": "new\n", "dest": "DIR/a.conf"}, true,
			map[string]any{"changed": true}},
		{"copy src file", "copy", map[string]any{"src": "src.txt", "dest": "DIR/"}, false,
			map[string]any{"changed": true, "dest": "DIR/src.txt", "size": int64(6)}},
		{"lineinfile add", "lineinfile", map[string]any{"path": "DIR/a.conf", "line": "b=2"}, false,
			map[string]any{"changed": true, "msg": "line added", "backup": ""}},
		{"lineinfile again", "lineinfile", map[string]any{"path": "DIR/a.conf", "line": "b=2"}, false,
			map[string]any{"changed": false, "msg": ""}},
		{"lineinfile regexp", "lineinfile", map[string]any{"path": "DIR/a.conf", "regexp": "^a=", "line": "a=9"}, false,
			map[string]any{"changed": true, "msg": "line replaced"}},
		{"blockinfile", "blockinfile", map[string]any{"path": "DIR/a.conf", "block": "c=3"}, false,
			map[string]any{"changed": true, "msg": "Block inserted"}},
		{"replace", "replace", map[string]any{"path": "DIR/a.conf", "regexp": `^(\w)=(\d)$`, "replace": `\1: \2`}, false,
			map[string]any{"changed": true, "msg": "3 replacements made", "rc": 0}},
		{"slurp", "slurp", map[string]any{"src": "DIR/a.conf"}, false,
			map[string]any{"content": base64.StdEncoding.EncodeToString([]byte("a: 9\nb: 2\n# BEGIN ANSIBLE MANAGED BLOCK\nc: 3\n# END ANSIBLE MANAGED BLOCK\n")), "encoding": "base64"}},
		{"dir", "file", map[string]any{"path": "DIR/d/e", "state": "directory", "mode": "0750"}, false,
			map[string]any{"changed": true, "mode": "0750", "state": "directory"}},
		{"dir again", "file", map[string]any{"path": "DIR/d/e", "state": "directory", "mode": "0750"}, false,
			map[string]any{"changed": false}},
		{"touch", "file", map[string]any{"path": "DIR/d/t", "state": "touch"}, false,
			map[string]any{"changed": true, "state": "file"}},
		{"link", "file", map[string]any{"path": "DIR/d/l", "src": "t", "state": "link"}, false,
			map[string]any{"changed": true, "state": "link", "src": "t"}},
		{"absent", "file", map[string]any{"path": "DIR/d", "state": "absent"}, false,
			map[string]any{"changed": true, "state": "absent"}},
		{"fetch", "fetch", map[string]any{"src": "DIR/a.conf", "dest": "FETCH/", "flat": true}, false,
			map[string]any{"changed": true, "dest": "FETCH/a.conf"}},
		{"fetch again", "fetch", map[string]any{"src": "DIR/a.conf", "dest": "FETCH/", "flat": true}, false,
			map[string]any{"changed": false}},
		{"find", "find", map[string]any{"paths": "DIR", "patterns": "*.conf"}, false,
			map[string]any{"matched": 1, "examined": 2}},
		{"unarchive", "unarchive", map[string]any{"src": "a.tgz", "dest": "DIR"}, false,
			map[string]any{"changed": true, "handler": "TgzArchive"}},
		{"unarchive again", "unarchive", map[string]any{"src": "a.tgz", "dest": "DIR"}, false,
			map[string]any{"changed": false}},
	}
}

// replaceDirs puts the work and fetch directories into a value.
func replaceDirs(v any, dir, fetch string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(strings.ReplaceAll(x, "DIR", dir), "FETCH", fetch)
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = replaceDirs(e, dir, fetch)
		}
		return out
	}
	return v
}

// controllerFiles makes the src files the cases copy and unpack.
func controllerFiles(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "src.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tree", "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tree", "pkg", "f"), []byte("f\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := local.New().Run(context.Background(), transport.Command{Argv: []string{"tar", "czf", filepath.Join(dir, "a.tgz"), "-C", filepath.Join(dir, "tree"), "pkg"}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("tar: %v %s", err, res.Stderr)
	}
	return dir
}

func runFileCases(t *testing.T, conn transport.Conn, dir string) {
	src, fetch := controllerFiles(t), t.TempDir()
	for _, fc := range fileCases() {
		args := replaceDirs(fc.args, dir, fetch).(map[string]any)
		got := runFileModule(t, conn, fc.module, args, fc.check, src)
		for k, v := range replaceDirs(fc.want, dir, fetch).(map[string]any) {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %#v, want %#v\n%v", fc.name, k, got[k], v, got)
			}
		}
		if got["failed"] == true {
			t.Errorf("%s failed: %v", fc.name, got)
		}
	}
}

func TestFileModulesLocal(t *testing.T) {
	runFileCases(t, local.New(), t.TempDir())
}

// labConn dials the first host of a lab of real sshd hosts.
func labConn(t *testing.T) (*ssh.Conn, *testlab.Host) { return labConnB(t) }

func labConnB(t testing.TB) (*ssh.Conn, *testlab.Host) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1, OwnUsers: os.Geteuid() == 0})
	h := lab.Hosts[0]
	cfg := ssh.Config{Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none"}
	conn, err := ssh.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, h
}

func TestFileModulesSSH(t *testing.T) {
	conn, h := labConn(t)
	runFileCases(t, conn, h.Dir)
}

// TestCopyRoundTrips proves the speed rules on a real sshd: an unchanged
// copy is a Stat and a Checksum, a changed one adds only the Put; an
// unchanged lineinfile is one read.
func TestCopyRoundTrips(t *testing.T) {
	sc, h := labConn(t)
	conn := newCounting(sc)
	dest := h.Dir + "/bench.conf"
	args := map[string]any{"content": "x=1\n", "dest": dest, "mode": "0644"}
	runFileModule(t, conn, "copy", args, false, t.TempDir())
	runFileModule(t, conn, "lineinfile", map[string]any{"path": dest, "line": "x=1"}, false, "")
	conn.reset()
	cases := []struct {
		name   string
		module string
		args   map[string]any
		want   map[string]int
	}{
		{"unchanged copy", "copy", args, map[string]int{"Lstat": 1, "Checksum": 1}},
		{"changed copy", "copy", map[string]any{"content": "x=2\n", "dest": dest, "mode": "0644"}, map[string]int{"Lstat": 1, "Checksum": 1, "Put": 1}},
		{"unchanged lineinfile", "lineinfile", map[string]any{"path": dest, "line": "x=2"}, map[string]int{"Lstat": 1, "Get " + dest: 1}},
		{"changed lineinfile", "lineinfile", map[string]any{"path": dest, "line": "y=1"}, map[string]int{"Lstat": 1, "Get " + dest: 1, "Put": 1}},
		{"existing directory", "file", map[string]any{"path": h.Dir, "state": "directory"}, map[string]int{"Lstat": 1}},
	}
	for _, c := range cases {
		runFileModule(t, conn, c.module, c.args, false, "")
		if got := conn.reset(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: operations %v, want %v", c.name, got, c.want)
		}
	}
}

// TestBackupAndValidate checks backup names and that a rejected file never
// replaces the old one.
func TestBackupAndValidate(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	if err := os.WriteFile(dest, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runFileModule(t, local.New(), "copy", map[string]any{"content": "new\n", "dest": dest, "validate": "false %s"}, false, "")
	if r["failed"] != true || r["msg"] != "failed to validate" {
		t.Fatalf("validate: %v", r)
	}
	r = runFileModule(t, local.New(), "copy", map[string]any{"content": "new\n", "dest": dest, "backup": true, "validate": "grep -q new %s"}, false, "")
	bk, _ := r["backup_file"].(string)
	if r["changed"] != true || !strings.HasPrefix(bk, dest+".") || !strings.HasSuffix(bk, "~") {
		t.Fatalf("backup: %v", r)
	}
	if b, _ := os.ReadFile(bk); string(b) != "old\n" {
		t.Errorf("backup holds %q", b)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want the old file's 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
	if want := backupName("/x", time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)); !strings.HasSuffix(want, ".2024-01-02@03:04:05~") {
		t.Errorf("BackupName = %s", want)
	}
}
