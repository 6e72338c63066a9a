package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// silentListener accepts connections on addr and never answers, until the
// test ends.
func silentListener(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().String()
}

// waitScreen waits (up to a minute) for want on the terminal, after the
// first occurrence of after if given.
func waitScreen(t *testing.T, screen *vaultScreen, want string, after ...string) {
	t.Helper()
	seen := func() bool {
		s := screen.String()
		for _, a := range after {
			i := strings.Index(s, a)
			if i < 0 {
				return false
			}
			s = s[i+len(a):]
		}
		return strings.Contains(s, want)
	}
	for deadline := time.Now().Add(time.Minute); !seen(); {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q on the terminal:\n%q", want, screen.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveLine: on a terminal, while one host hangs, the live line of play,
// probe and certs counts the hosts that finished and names the one still
// pending, with the time elapsed; it is erased before the results.
func TestLiveLine(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv")
	var b strings.Builder
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, "fast%d ansible_connection=local pause=0\n", i)
	}
	b.WriteString("slow ansible_connection=local pause=30\n")
	must(t, os.WriteFile(inv, []byte(b.String()), 0o644))
	book := filepath.Join(dir, "site.yml")
	must(t, os.WriteFile(book, []byte("- hosts: all\n  gather_facts: no\n  tasks:\n    - name: wait\n      command: sleep {{ pause }}\n"), 0o644))
	silent := silentListener(t, "127.0.0.1:0")
	answering := bannerServer(t, "220 hello")
	_, slowPort, _ := net.SplitHostPort(silent)
	_, fastPort, _ := net.SplitHostPort(answering)
	probeInv := filepath.Join(dir, "probe")
	must(t, os.WriteFile(probeInv, []byte("fast1 p="+fastPort+"\nfast2 p="+fastPort+"\nslow p="+slowPort+"\n"), 0o644))
	certsInv := filepath.Join(dir, "certs")
	port := freePort(t, "127.0.3.1")
	silentListener(t, "127.0.3.3:"+strconv.Itoa(port))
	bannerOn(t, "127.0.3.1:"+strconv.Itoa(port))
	bannerOn(t, "127.0.3.2:"+strconv.Itoa(port))
	must(t, os.WriteFile(certsInv, []byte("fast1 ansible_host=127.0.3.1\nfast2 ansible_host=127.0.3.2\nslow ansible_host=127.0.3.3\n"), 0o644))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"play", []string{"play", "-i", inv, book}, "[4/5] TASK [wait] · waiting for slow · "},
		{"probe", []string{"probe", "tcp", "-i", probeInv, "--target", "127.0.0.1:{{ p }}", "--read-banner", "-T", "30"}, "[2/3] · waiting for slow · "},
		{"certs", []string{"certs", "-i", certsInv, "--port", strconv.Itoa(port), "-T", "30"}, "[2/3] certs · waiting for slow · "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := drover(nil, c.args...)
			_, screen, _ := startOnPTY(t, cmd)
			waitScreen(t, screen, c.want)
			seconds := strings.Index(screen.String(), c.want) + len(c.want)
			if !strings.Contains(screen.String()[seconds:], "s") {
				t.Errorf("no elapsed time after %q: %q", c.want, screen.String())
			}
		})
	}
}

// bannerOn serves a one-line banner on addr until the test ends (a TLS
// client fails its handshake there at once).
func bannerOn(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
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
			fmt.Fprint(c, "220 not tls\r\n")
			c.Close()
		}
	}()
}
