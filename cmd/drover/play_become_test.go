package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// becomeBook writes a root-owned file, runs id -u as root and id -un as
// another user, all through become.
const becomeBook = `- hosts: lab
  gather_facts: false
  become: true
  tasks:
    - command: id -u
      register: uid
    - copy:
        content: "written as root\n"
        dest: "{{ root_dir }}/{{ inventory_hostname }}.conf"
        mode: "0600"
    - command: id -un
      become_user: "{{ other_user }}"
      register: other
    - assert:
        that: ["uid.stdout == '0'", "other.stdout == other_user"]
`

// TestPlayBecome runs a playbook with become: true on two real sshd hosts,
// one whose user may sudo without a password and one whose user must give
// it (ansible_become_password), then with a wrong password: the password
// never shows in the output.
func TestPlayBecome(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creates users and sudoers rules: run as root")
	}
	_, err := exec.LookPath("sudo")
	testlab.Need(t, "sudo", err == nil)
	lab := testlab.Start(t, testlab.Options{Hosts: 2, OwnUsers: true})
	free, guarded := lab.Hosts[0], lab.Hosts[1]
	password := "Pw-" + hexString(8)
	setPassword(t, guarded.User, password)
	sudoRule(t, free.User, "NOPASSWD: ALL")
	sudoRule(t, guarded.User, "ALL")
	other := testlab.AddUser(t)
	rootDir := t.TempDir()
	if err := os.Chmod(rootDir, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	inv := filepath.Join(dir, "hosts.yml")
	if err := os.WriteFile(inv, []byte(becomeInventory(lab, guarded.Name, password, rootDir, other.Name)), 0o600); err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(dir, "become.yml")
	if err := os.WriteFile(book, []byte(becomeBook), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"-v", "--json"}} {
		r := execDrover(t, nil, append(append([]string{"play", "-i", inv}, args...), book)...)
		if r.code != 0 || len(args) == 0 && !strings.Contains(r.stdout, "ok=4    changed=3    unreachable=0    failed=0") {
			t.Fatalf("%v: exit %d:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, password) {
			t.Errorf("%v: the become password was printed", args)
		}
	}
	for _, h := range lab.Hosts {
		p := filepath.Join(rootDir, h.Name+".conf")
		fi, err := os.Stat(p)
		if err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want a root-owned 0600 file", p, fi, err)
		}
	}
	wrong := "Wrong-" + hexString(6)
	r := execDrover(t, nil, "play", "-i", inv, "-v", "-e", "ansible_become_password="+wrong, book)
	if r.code != 2 || !strings.Contains(r.stdout+r.stderr, "incorrect sudo password") {
		t.Errorf("wrong password: exit %d, want 2 and an incorrect password message:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, wrong) {
		t.Errorf("the wrong become password was printed")
	}
}

// becomeInventory is the lab's hosts with the variables the playbook uses
// and, for the host named guarded, its become password.
func becomeInventory(lab *testlab.Lab, guarded, password, rootDir, otherUser string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "all:\n  vars:\n    ansible_ssh_private_key_file: %s\n", strconv.Quote(lab.Key))
	fmt.Fprintf(&b, "    ansible_ssh_common_args: %s\n", strconv.Quote("-o UserKnownHostsFile="+lab.KnownHosts+" -o StrictHostKeyChecking=yes"))
	fmt.Fprintf(&b, "    root_dir: %s\n    other_user: %s\n", strconv.Quote(rootDir), otherUser)
	b.WriteString("  children:\n    lab:\n      hosts:\n")
	for _, h := range lab.Hosts {
		fmt.Fprintf(&b, "        %s: {ansible_host: %s, ansible_port: %d, ansible_user: %s", h.Name, h.Addr, h.Port, h.User)
		if h.Name == guarded {
			fmt.Fprintf(&b, ", ansible_become_password: %s", strconv.Quote(password))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func hexString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func setPassword(t *testing.T, user, password string) {
	t.Helper()
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(user + ":" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
}

// sudoRule lets user run anything as anyone with sudo (spec "ALL" or
// "NOPASSWD: ALL") until the test ends.
func sudoRule(t *testing.T, user, spec string) {
	t.Helper()
	path := filepath.Join("/etc/sudoers.d", "drover-test-"+user)
	if err := os.WriteFile(path, []byte(user+" ALL=(ALL:ALL) "+spec+"\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
}
