package testlab

import (
	"cmp"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SilentPeer listens on 127.0.0.1, accepts connections and never sends a
// byte: an SSH client waiting for the banner must time out. It returns
// "addr:port" and closes everything when the test ends.
func SilentPeer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// ClosedPort returns "127.0.0.1:port" for a port nothing listens on: a
// connection to it is refused.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// BlackHole returns "127.0.0.1:port" where a TCP connect gets no answer, as
// from a host behind a firewall that drops packets: a listener that never
// accepts, whose accept queue (backlog 0) is full from the start, so the
// kernel drops every further SYN. It closes when the test ends.
func BlackHole(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	err = syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	if err == nil {
		err = syscall.Listen(fd, 0)
	}
	sa, gerr := syscall.Getsockname(fd)
	if err = cmp.Or(err, gerr); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for range 4 { // the first connections fill the queue
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return addr
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatalf("testlab: every connect to the black hole %s was answered", addr)
	return ""
}
