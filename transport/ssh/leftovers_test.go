package ssh_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// temps lists Put's temporary files in dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".drover-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// putUntilKilled starts a Put of a stream on c, waits until its temporary
// file is on the host, calls kill and returns the Put's error.
func putUntilKilled(t *testing.T, c transport.Conn, dir string, kill func()) error {
	t.Helper()
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- c.Put(context.Background(), dir+"/big", r, transport.PutOptions{}) }()
	go func() {
		_, _ = io.Copy(w, bytes.NewReader(make([]byte, 64<<20)))
		w.Close()
	}()
	for deadline := time.Now().Add(time.Minute); len(temps(t, dir)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no temporary file appeared")
		}
	}
	kill()
	err := <-done
	w.CloseWithError(err)
	return err
}

// TestLeftoversRemoved kills the connection to a real sshd host during a
// Put, three times: the temporary file the Put could not remove is removed
// as soon as the account is reached again (by the pool's new connection;
// by the first file operation of another connection; when the account is
// not used again, by the pool's Close, which connects once more for it),
// and a clean Put leaves none.
func TestLeftoversRemoved(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	pool := ssh.NewPool()
	t.Cleanup(func() { pool.Close() })
	ctx := context.Background()
	get := func() *ssh.Conn {
		c, err := pool.Get(ctx, hostConfig(lab, h))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dir := h.Dir + "/leftovers"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	err := putUntilKilled(t, get(), dir, h.DropConnections)
	if !transport.IsUnreachable(err) || len(temps(t, dir)) != 1 {
		t.Fatalf("put on a killed connection: %v, temporaries %v", err, temps(t, dir))
	}
	c := get()
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("after reconnecting: %v left", left)
	}

	err = putUntilKilled(t, c, dir, h.DropConnections)
	if !transport.IsUnreachable(err) || len(temps(t, dir)) != 1 {
		t.Fatalf("put on a killed connection: %v, temporaries %v", err, temps(t, dir))
	}
	other := dial(t, hostConfig(lab, h))
	if _, err := other.Stat(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("after the next file operation: %v left", left)
	}
	if err := other.Put(ctx, dir+"/ok", strings.NewReader("ok"), transport.PutOptions{}); err != nil || len(temps(t, dir)) != 0 {
		t.Errorf("clean put: %v, temporaries %v", err, temps(t, dir))
	}

	err = putUntilKilled(t, get(), dir, h.DropConnections)
	if !transport.IsUnreachable(err) || len(temps(t, dir)) != 1 {
		t.Fatalf("put on a killed connection: %v, temporaries %v", err, temps(t, dir))
	}
	pool.Close()
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("after the pool closed: %v left", left)
	}
}
