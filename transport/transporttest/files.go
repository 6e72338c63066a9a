package transporttest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/transport"
)

func (h *harness) put(p, content string, opts transport.PutOptions) {
	h.t.Helper()
	if err := h.c.Put(h.ctx, p, strings.NewReader(content), opts); err != nil {
		h.t.Fatalf("put %s: %v", p, err)
	}
}

func (h *harness) get(p string) string {
	h.t.Helper()
	var b bytes.Buffer
	if err := h.c.Get(h.ctx, p, &b); err != nil {
		h.t.Fatalf("get %s: %v", p, err)
	}
	return b.String()
}

func (h *harness) stat(p string) transport.FileInfo {
	h.t.Helper()
	fi, err := h.c.Stat(h.ctx, p)
	if err != nil {
		h.t.Fatalf("stat %s: %v", p, err)
	}
	return fi
}

// names lists the directory.
func (h *harness) names(p string) []string {
	h.t.Helper()
	list, err := h.c.ReadDir(h.ctx, p)
	if err != nil {
		h.t.Fatalf("readdir %s: %v", p, err)
	}
	var out []string
	for _, fi := range list {
		out = append(out, fi.Name)
	}
	return out
}

func testPutGet(t *testing.T, h *harness) {
	mt := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	p := h.path("f.txt")
	h.put(p, "hello\n", transport.PutOptions{Mode: 0o640, ModTime: mt})
	if got := h.get(p); got != "hello\n" {
		t.Errorf("got back %q", got)
	}
	fi := h.stat(p)
	if fi.Mode.Perm() != 0o640 || !fi.Mode.IsRegular() || fi.Size != 6 || !fi.ModTime.Equal(mt) || fi.Name != "f.txt" {
		t.Errorf("stat after put: %+v, want mode 0640, size 6, mtime %v", fi, mt)
	}
	h.put(p, "", transport.PutOptions{})
	if fi := h.stat(p); fi.Mode.Perm() != 0o644 || fi.Size != 0 || time.Since(fi.ModTime) > time.Hour {
		t.Errorf("put with defaults: %+v, want mode 0644, mtime now", fi)
	}
	h.put(p, "x", transport.PutOptions{Mode: fs.ModeSetuid | 0o755})
	if fi := h.stat(p); fi.Mode&fs.ModeSetuid == 0 || fi.Mode.Perm() != 0o755 {
		t.Errorf("put with setuid: mode %v", fi.Mode)
	}
}

func testPutAtomic(t *testing.T, h *harness) {
	p := h.path("keep.txt")
	h.put(p, "old", transport.PutOptions{})
	err := h.c.Put(h.ctx, p, &failingReader{n: 200000}, transport.PutOptions{})
	if err == nil {
		t.Fatal("put from a failing reader succeeded")
	}
	if got := h.get(p); got != "old" {
		t.Errorf("failed put changed the file to %d bytes", len(got))
	}
	if names := h.names(h.dir); len(names) != 1 {
		t.Errorf("failed put left files behind: %v", names)
	}
	if err := h.c.Put(h.ctx, h.path("nodir/x"), strings.NewReader("x"), transport.PutOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("put into a missing directory: %v, want ErrNotExist", err)
	}
}

// testPutPrivate looks at Put's temporary file while its content is still
// arriving: readable and writable by its owner only (whatever the final
// mode, the secret it will hold must not be readable by anyone else at
// any moment) and owned by the user the connection writes as. The final
// mode keeps setgid, which a transport can set only once the content is
// written, so the temporary keeps its first mode all along.
func testPutPrivate(t *testing.T, h *harness) {
	p := h.path("secret")
	owner := h.stat(h.dir).UID
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- h.c.Put(h.ctx, p, r, transport.PutOptions{Mode: fs.ModeSetgid | 0o640}) }()
	if _, err := w.Write(bytes.Repeat([]byte("s"), 200<<10)); err != nil {
		t.Fatal(err)
	}
	var temps []transport.FileInfo
	list, err := h.c.ReadDir(h.ctx, h.dir)
	for _, fi := range list {
		if strings.HasPrefix(fi.Name, ".secret") {
			temps = append(temps, fi)
		}
	}
	w.Close()
	if perr := <-done; err != nil || perr != nil {
		t.Fatalf("readdir: %v; put: %v", err, perr)
	}
	if len(temps) != 1 {
		t.Fatalf("temporary files while writing: %+v, want one", temps)
	}
	if fi := temps[0]; fi.Mode.Perm()&0o077 != 0 || (owner >= 0 && fi.UID != owner) {
		t.Errorf("temporary %s while writing: mode %v, uid %d; want no access for group or others, owner %d", fi.Name, fi.Mode, fi.UID, owner)
	}
	if fi := h.stat(p); fi.Mode.Perm() != 0o640 || fi.Mode&fs.ModeSetgid == 0 {
		t.Errorf("final mode %v, want setgid 0640", fi.Mode)
	}
}

// cancelReader cancels its context after n bytes and then keeps going.
type cancelReader struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	c.n -= len(p)
	return len(p), nil
}

func testPutCancel(t *testing.T, h *harness) {
	p := h.path("keep.txt")
	h.put(p, "old", transport.PutOptions{})
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	err := h.c.Put(ctx, p, &cancelReader{n: 1 << 20, cancel: cancel}, transport.PutOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled put returned %v, want context.Canceled", err)
	}
	if got := h.get(p); got != "old" {
		t.Errorf("cancelled put changed the file")
	}
	if names := h.names(h.dir); len(names) != 1 {
		t.Errorf("cancelled put left files behind: %v", names)
	}
}

// largeSize is the file testLargeFile streams.
const largeSize = 20 << 20

func testLargeFile(t *testing.T, h *harness) {
	p := h.path("large.bin")
	src := io.LimitReader(rand.New(rand.NewSource(7)), largeSize)
	sum := sha1.New()
	if err := h.c.Put(h.ctx, p, io.TeeReader(src, sum), transport.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(sum.Sum(nil))
	if fi := h.stat(p); fi.Size != largeSize {
		t.Fatalf("size %d, want %d", fi.Size, largeSize)
	}
	got, err := h.c.Checksum(h.ctx, p)
	if err != nil || got != want {
		t.Errorf("checksum on host %q (%v), want %q", got, err, want)
	}
	back := sha1.New()
	if err := h.c.Get(h.ctx, p, back); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(back.Sum(nil)) != want {
		t.Errorf("Get returned different content")
	}
}

func testChecksum(t *testing.T, h *harness) {
	for _, content := range []string{"", "abc", strings.Repeat("line\n", 10000)} {
		p := h.path("c")
		h.put(p, content, transport.PutOptions{})
		sum := sha1.Sum([]byte(content))
		if got, err := h.c.Checksum(h.ctx, p); err != nil || got != hex.EncodeToString(sum[:]) {
			t.Errorf("checksum of %d bytes: %q %v, want %x", len(content), got, err, sum)
		}
	}
	if _, err := h.c.Checksum(h.ctx, h.path("missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("checksum of a missing file: %v, want ErrNotExist", err)
	}
}

func testMkdir(t *testing.T, h *harness) {
	for i, mode := range []fs.FileMode{0o700, 0o750, 0o777, fs.ModeSticky | 0o777} {
		p := h.path(fmt.Sprint("d", i))
		if err := h.c.Mkdir(h.ctx, p, mode); err != nil {
			t.Fatal(err)
		}
		fi := h.stat(p)
		if !fi.IsDir() || fi.Mode&(fs.ModePerm|fs.ModeSticky) != mode&(fs.ModePerm|fs.ModeSticky) {
			t.Errorf("mkdir %v: got %v", mode, fi.Mode)
		}
	}
	if err := h.c.Mkdir(h.ctx, h.path("d0"), 0o700); err == nil {
		t.Errorf("mkdir over an existing directory succeeded")
	}
	if err := h.c.Mkdir(h.ctx, h.path("no/parent"), 0o700); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("mkdir without parent: %v, want ErrNotExist", err)
	}
}

func testAttrs(t *testing.T, h *harness) {
	p := h.path("a")
	h.put(p, "a", transport.PutOptions{})
	if err := h.c.Chmod(h.ctx, p, 0o600|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if fi := h.stat(p); fi.Mode.Perm() != 0o600 || fi.Mode&fs.ModeSetgid == 0 {
		t.Errorf("chmod 2600: got %v", fi.Mode)
	}
	fi := h.stat(p)
	if err := h.c.Chown(h.ctx, p, -1, fi.GID); err != nil {
		t.Errorf("chown to own group: %v", err)
	}
	if err := h.c.Chown(h.ctx, p, fi.UID, -1); err != nil {
		t.Errorf("chown to own user: %v", err)
	}
	if after := h.stat(p); after.UID != fi.UID || after.GID != fi.GID || fi.UID < 0 {
		t.Errorf("owner changed: %d:%d -> %d:%d", fi.UID, fi.GID, after.UID, after.GID)
	}
	mt := time.Date(2000, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := h.c.Chtimes(h.ctx, p, mt, mt); err != nil {
		t.Fatal(err)
	}
	if fi := h.stat(p); !fi.ModTime.Equal(mt) {
		t.Errorf("chtimes: mtime %v, want %v", fi.ModTime, mt)
	}
	if fi.UID != 0 {
		if err := h.c.Chown(h.ctx, p, 0, 0); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("chown to root as a user: %v, want ErrPermission", err)
		}
	}
}

func testLinks(t *testing.T, h *harness) {
	target, link, hard := h.path("target"), h.path("link"), h.path("hard")
	h.put(target, "content", transport.PutOptions{})
	if err := h.c.Symlink(h.ctx, "target", link); err != nil {
		t.Fatal(err)
	}
	if got, err := h.c.Readlink(h.ctx, link); err != nil || got != "target" {
		t.Errorf("readlink: %q %v", got, err)
	}
	if fi, err := h.c.Lstat(h.ctx, link); err != nil || fi.Mode&fs.ModeSymlink == 0 || fi.Name != "link" {
		t.Errorf("lstat of a link: %+v %v", fi, err)
	}
	if fi := h.stat(link); !fi.Mode.IsRegular() || fi.Size != 7 {
		t.Errorf("stat through a link: %+v", fi)
	}
	if err := h.c.Link(h.ctx, target, hard); err != nil {
		t.Fatal(err)
	}
	h.put(target+".new", "changed", transport.PutOptions{})
	h.out(transport.Command{Shell: "cat " + transport.Quote(target+".new") + " > " + transport.Quote(target)})
	if got := h.get(hard); got != "changed" {
		t.Errorf("hard link does not share content: %q", got)
	}
	if err := h.c.Symlink(h.ctx, "x", link); err == nil {
		t.Errorf("symlink over an existing name succeeded")
	}
}

func testRenameRemove(t *testing.T, h *harness) {
	a, b := h.path("a"), h.path("b")
	h.put(a, "A", transport.PutOptions{})
	h.put(b, "B", transport.PutOptions{})
	if err := h.c.Rename(h.ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if got := h.get(b); got != "A" {
		t.Errorf("rename over: %q", got)
	}
	if _, err := h.c.Stat(h.ctx, a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old name still there: %v", err)
	}
	d := h.path("d")
	if err := h.c.Mkdir(h.ctx, d, 0o755); err != nil {
		t.Fatal(err)
	}
	h.put(d+"/f", "f", transport.PutOptions{})
	if err := h.c.Remove(h.ctx, d); err == nil {
		t.Errorf("removed a non-empty directory")
	}
	for _, p := range []string{d + "/f", d, b} {
		if err := h.c.Remove(h.ctx, p); err != nil {
			t.Errorf("remove %s: %v", p, err)
		}
	}
	if names := h.names(h.dir); len(names) != 0 {
		t.Errorf("left: %v", names)
	}
}

func testReadDir(t *testing.T, h *harness) {
	for _, n := range []string{"c", "a", "b"} {
		h.put(h.path(n), n, transport.PutOptions{})
	}
	if err := h.c.Mkdir(h.ctx, h.path("0dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	list, err := h.c.ReadDir(h.ctx, h.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name)
	}
	if strings.Join(names, ",") != "0dir,a,b,c" || !list[0].IsDir() || list[1].Size != 1 {
		t.Errorf("readdir: %v", list)
	}
}

func testNotExist(t *testing.T, h *harness) {
	m := h.path("missing")
	ops := map[string]func() error{
		"Stat":     func() error { _, err := h.c.Stat(h.ctx, m); return err },
		"Lstat":    func() error { _, err := h.c.Lstat(h.ctx, m); return err },
		"ReadDir":  func() error { _, err := h.c.ReadDir(h.ctx, m); return err },
		"Readlink": func() error { _, err := h.c.Readlink(h.ctx, m); return err },
		"Get":      func() error { return h.c.Get(h.ctx, m, io.Discard) },
		"Chmod":    func() error { return h.c.Chmod(h.ctx, m, 0o644) },
		"Chown":    func() error { return h.c.Chown(h.ctx, m, -1, -1) },
		"Chtimes":  func() error { return h.c.Chtimes(h.ctx, m, time.Now(), time.Now()) },
		"Remove":   func() error { return h.c.Remove(h.ctx, m) },
		"Rename":   func() error { return h.c.Rename(h.ctx, m, m+"2") },
		"Link":     func() error { return h.c.Link(h.ctx, m, m+"2") },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s of a missing file: %v, want ErrNotExist", name, err)
		}
	}
}

func testDial(t *testing.T, h *harness) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	c, err := h.c.Dial(h.ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Errorf("echo through Dial: %q %v", buf, err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	if c, err := h.c.Dial(h.ctx, "tcp", addr); err == nil {
		c.Close()
		t.Errorf("dial to a closed port succeeded")
	}
}
