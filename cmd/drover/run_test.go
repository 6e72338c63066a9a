package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/drover/drover/internal/testlab"
)

// serverAddr prints the address of the sshd a command runs under, so each
// lab host answers differently.
const serverAddr = `echo $SSH_CONNECTION | cut -d' ' -f3`

func TestRunLocalhost(t *testing.T) {
	r := execDrover(t, nil, "run", "localhost", "--", "echo", "hello", "&&", "echo", "oops", ">&2")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := "── localhost (1) ──\nhello\nstderr:\noops\n"
	if !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("stdout %q, want prefix %q", r.stdout, want)
	}
}

func TestRunFoldsIdenticalOutput(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	r := execDrover(t, nil, "run", "-i", lab.Inventory, "lab", "--", "uname", "-s")
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	want := fmt.Sprintf("── %s (3) ──\nLinux\n3 ok · ", foldNames(lab.Hosts))
	if !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("stdout:\n%s\nwant prefix:\n%s", r.stdout, want)
	}
}

func foldNames(hosts []*testlab.Host) string {
	nums := make([]string, len(hosts))
	for i, h := range hosts {
		nums[i] = strings.TrimPrefix(h.Name, "h")
	}
	if len(hosts) == 1 {
		return hosts[0].Name
	}
	first, _ := strconv.Atoi(nums[0])
	last, _ := strconv.Atoi(nums[len(nums)-1])
	if last-first == len(nums)-1 {
		return fmt.Sprintf("h[%d-%d]", first, last)
	}
	return "h[" + strings.Join(nums, ",") + "]"
}

func TestRunFailureOnOneHost(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	bad := lab.Hosts[1]
	cmd := fmt.Sprintf(`a=$(%s); if [ "$a" = %s ]; then echo broken >&2; exit 7; fi; echo fine`, serverAddr, bad.Addr)
	r := execDrover(t, nil, "run", "-i", lab.Inventory, "lab", "-m", "shell", "-a", cmd)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2: %s%s", r.code, r.stdout, r.stderr)
	}
	okGroup := strings.Index(r.stdout, "(2) ──\nfine\n")
	failGroup := strings.Index(r.stdout, "── "+bad.Name+" (1) FAILED rc=7 ──\nstderr:\nbroken\n")
	if okGroup < 0 || failGroup < okGroup {
		t.Fatalf("want the ok group, then %s failed with rc=7; got:\n%s", bad.Name, r.stdout)
	}
	if !strings.Contains(r.stdout, "2 ok · 1 failed · ") {
		t.Fatalf("summary missing: %s", r.stdout)
	}
}

func TestRunJSON(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	r := execDrover(t, nil, "run", "-i", lab.Inventory, "lab", "--json", "--", serverAddr)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var hr struct {
			Host, Status, Stdout, Stderr string
			RC                           int
			Duration                     float64
		}
		if err := json.Unmarshal(sc.Bytes(), &hr); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		h := hostNamed(t, lab, hr.Host)
		if hr.Status != "ok" || hr.RC != 0 || hr.Stdout != h.Addr+"\n" || hr.Duration <= 0 {
			t.Errorf("result %+v for %s (%s)", hr, h.Name, h.Addr)
		}
		seen[hr.Host] = true
	}
	if len(seen) != len(lab.Hosts) {
		t.Fatalf("results for %v, want every lab host", seen)
	}
}

func hostNamed(t *testing.T, lab *testlab.Lab, name string) *testlab.Host {
	t.Helper()
	for _, h := range lab.Hosts {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no lab host %q", name)
	return nil
}

// TestRunUnreachable mixes a good host with a closed port, a silent TCP
// peer, a host whose key differs from known_hosts and a failed login: each
// bad host is UNREACHABLE with its reason, the good host answers, and the
// exit status is 3.
func TestRunUnreachable(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	wrong, err := lab.AddHost(testlab.HostOptions{Name: "wrongkey", WrongKey: true})
	if err != nil {
		t.Fatal(err)
	}
	good := lab.Hosts[0]
	silentHost, silentPort := splitHostPort(t, testlab.SilentPeer(t))
	closedHost, closedPort := splitHostPort(t, closedAddr(t))
	otherKey := filepath.Join(t.TempDir(), "other_key")
	writeKey(t, otherKey)
	inv := fmt.Sprintf(`all:
  vars:
    ansible_ssh_private_key_file: %q
    ansible_ssh_common_args: "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes"
    ansible_user: %q
  hosts:
    good: {ansible_host: %s, ansible_port: %d}
    closed: {ansible_host: %s, ansible_port: %s}
    silent: {ansible_host: %s, ansible_port: %s}
    changed: {ansible_host: %s, ansible_port: %d}
    badkey: {ansible_host: %s, ansible_port: %d, ansible_user: nosuchuser, ansible_ssh_private_key_file: %q}
`, lab.Key, lab.KnownHosts, lab.User, good.Addr, good.Port, closedHost, closedPort, silentHost, silentPort,
		wrong.Addr, wrong.Port, good.Addr, good.Port, otherKey)
	invPath := filepath.Join(t.TempDir(), "inv.yml")
	if err := os.WriteFile(invPath, []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := execDrover(t, []string{"SSH_AUTH_SOCK="}, "run", "-i", invPath, "all", "-T", "2", "--", "echo", "up")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3:\n%s%s", r.code, r.stdout, r.stderr)
	}
	checks := map[string]string{
		"good":    `── good \(1\) ──\nup\n`,
		"closed":  `── closed \(1\) UNREACHABLE ──\n.*refused`,
		"silent":  `── silent \(1\) UNREACHABLE ──\n.*(timed out|timeout)`,
		"changed": `── changed \(1\) UNREACHABLE ──\n(.*\n)*.*REMOTE HOST IDENTIFICATION HAS CHANGED`,
		"badkey":  `── badkey \(1\) UNREACHABLE ──\n.*authenticat`,
	}
	for host, re := range checks {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("%s: output does not match %q:\n%s", host, re, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "1 ok · 4 unreachable") {
		t.Errorf("summary: %s", r.stdout)
	}
	if strings.Index(r.stdout, "── good") > strings.Index(r.stdout, "UNREACHABLE") {
		t.Errorf("unreachable hosts must come after the answers:\n%s", r.stdout)
	}
}

func splitHostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRunThroughBastion reaches a host through another lab host given in
// ansible_ssh_common_args the ways users write bastions: ProxyJump, and a
// ProxyCommand running OpenSSH's ssh -W on the bastion.
func TestRunThroughBastion(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 2})
	jump, target := lab.Hosts[0], lab.Hosts[1]
	cases := []struct{ name, via string }{
		{"ProxyJump", "-o ProxyJump=" + jump.Name},
		{"ProxyCommand", fmt.Sprintf(`-o ProxyCommand=\"ssh -F %s -o UserKnownHostsFile=%s -o BatchMode=yes -W %%h:%%p %s\"`,
			lab.SSHConfig, lab.KnownHosts, jump.Name)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := jump.Accepted()
			inv := fmt.Sprintf(`all:
  hosts:
    target:
      ansible_host: %s
      ansible_port: %d
      ansible_user: %q
      ansible_ssh_private_key_file: %q
      ansible_ssh_common_args: "-F %s -o UserKnownHostsFile=%s %s"
`, target.Addr, target.Port, lab.User, lab.Key, lab.SSHConfig, lab.KnownHosts, c.via)
			invPath := filepath.Join(t.TempDir(), "inv.yml")
			if err := os.WriteFile(invPath, []byte(inv), 0o644); err != nil {
				t.Fatal(err)
			}
			r := execDrover(t, []string{"SSH_AUTH_SOCK="}, "run", "-i", invPath, "target", "--", serverAddr)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "\n"+target.Addr+"\n") {
				t.Fatalf("target did not answer:\n%s", r.stdout)
			}
			if got := jump.Accepted(); got != before+1 {
				t.Fatalf("jump host accepted %d logins during the run, want 1", got-before)
			}
		})
	}
}

// TestRunInterrupted sends SIGINT while one host is still busy: the finished
// host is printed and drover exits 130.
func TestRunInterrupted(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	slow := lab.Hosts[0]
	cmd := drover(nil, "run", "-i", lab.Inventory, "lab", "--json", "--",
		fmt.Sprintf(`a=$(%s); [ "$a" = %s ] && sleep 60; echo done`, serverAddr, slow.Addr))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for i := 0; i < len(lab.Hosts)-1; i++ {
		if !sc.Scan() {
			t.Fatalf("no result line %d; stderr: %s", i, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
	}
	err = cmd.Wait()
	ee, ok := err.(interface{ ExitCode() int })
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("wait: %v, want exit 130; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("interrupted: %d of %d hosts finished", len(lab.Hosts)-1, len(lab.Hosts))) {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run"}, 5, "requires at least 1 arg"},
		{[]string{"run", "localhost"}, 5, "needs arguments"},
		{[]string{"run", "localhost", "-m", "shell", "-a", "true", "--", "true"}, 5, "not both"},
		{[]string{"run", "localhost", "-m", "nosuch", "-a", "x"}, 5, `couldn't resolve module/action "nosuch"`},
		{[]string{"run", "localhost", "-f", "0", "--", "true"}, 5, "--forks"},
		{[]string{"run", "localhost", "--bogus"}, 5, "unknown flag"},
		{[]string{"run", "localhost", "--host-key-checking", "maybe", "--", "true"}, 5, "host-key-checking"},
		{[]string{"run", "-i", "/nonexistent/inv.yml", "all", "--", "true"}, 4, "nonexistent"},
	}
	for _, tt := range tests {
		r := execDrover(t, nil, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
			t.Errorf("drover %q: exit %d, stderr %q; want exit %d and %q", tt.args, r.code, r.stderr, tt.code, tt.msg)
		}
	}
}

// writeKey writes a new unencrypted ed25519 private key that no lab host
// accepts.
func writeKey(t *testing.T, path string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}
