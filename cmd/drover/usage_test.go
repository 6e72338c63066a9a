package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestUsageErrors: misspelled subcommands and flags are usage errors (exit
// 5) with the nearest name.
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"plya", "site.yml"}, `unknown command "plya" for "drover" (did you mean "play"?)`},
		{[]string{"xyzzy"}, `unknown command "xyzzy" for "drover"`},
		{[]string{"play", "--lmit", "web", "site.yml"}, `unknown flag: --lmit (did you mean --limit?)`},
		{[]string{"run", "--frks", "3", "all"}, `unknown flag: --frks (did you mean --forks?)`},
		{[]string{"certs", "--server", "x"}, `unknown flag: --server (did you mean --server-name?)`},
		{[]string{"probe", "tsl"}, `probe "tsl": expected tcp, dns, tls or http (did you mean "tls"?)`},
		{[]string{"vault", "encrpyt"}, `unknown vault command "encrpyt" (did you mean "encrypt"?)`},
		{[]string{"play", "-X", "site.yml"}, `unknown shorthand flag: 'X' in -X`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := execDrover(t, nil, c.args...)
			if r.code != 5 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 5 and %q", r.code, r.stderr, c.want)
			}
		})
	}
}

// TestVersion: --version and drover version print the version, the commit
// (from Go's build information) and the Go version.
func TestVersion(t *testing.T) {
	want := regexp.MustCompile(`^drover \S+ \(commit [^)]+\) built with ` + regexp.QuoteMeta(runtime.Version()) + "\n$")
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := execDrover(t, nil, args...)
		if r.code != 0 || !want.MatchString(r.stdout) {
			t.Errorf("drover %v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

// TestNoHostsMatched: a pattern or --limit that leaves no host exits 1
// with Ansible's message, for every command that reaches hosts; a play
// whose own hosts match nothing is skipped (exit 0), as in Ansible.
func TestNoHostsMatched(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv")
	book := filepath.Join(dir, "site.yml")
	nobody := filepath.Join(dir, "nobody.yml")
	for name, content := range map[string]string{
		inv:    "web1 ansible_connection=local\nweb2 ansible_connection=local\n",
		book:   "- hosts: all\n  gather_facts: no\n  tasks:\n    - debug: msg=hi\n",
		nobody: "- hosts: nosuch\n  gather_facts: no\n  tasks:\n    - debug: msg=hi\n",
	} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const msg = "Specified inventory, host pattern and/or --limit leaves us with no hosts to target."
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"play", "-i", inv, "-l", "nosuch", book}, 1, msg},
		{[]string{"run", "-i", inv, "nosuch", "--", "true"}, 1, msg},
		{[]string{"run", "-i", inv, "all", "-l", "nosuch", "-m", "ping"}, 1, msg},
		{[]string{"probe", "tcp", "-i", inv, "nosuch", "--port", "1"}, 1, msg},
		{[]string{"certs", "-i", inv, "-l", "nosuch"}, 1, msg},
		{[]string{"play", "-i", inv, nobody}, 0, "no hosts matched"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[:1], " "), func(t *testing.T) {
			r := execDrover(t, nil, c.args...)
			if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.want) {
				t.Errorf("drover %q: exit %d, output %q%q; want %d and %q", c.args, r.code, r.stdout, r.stderr, c.code, c.want)
			}
		})
	}
}

// TestPlaybookNotAPlaybook: an empty playbook, one without plays and a play
// whose hosts is not a pattern are bad input (exit 4) with Ansible's message.
func TestPlaybookNotAPlaybook(t *testing.T) {
	cases := []struct{ content, want string }{
		{"", "Empty playbook, nothing to do: "},
		{"[]\n", "A playbook must contain at least one play: "},
		{"- hosts: 5\n  tasks: []\n", "site.yml:1:10: Hosts list must be a sequence or string. Please check your playbook."},
	}
	for _, c := range cases {
		dir := t.TempDir()
		book := filepath.Join(dir, "site.yml")
		if err := os.WriteFile(book, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		r := execDrover(t, nil, "play", book)
		if r.code != 4 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("playbook %q: exit %d, stderr %q; want 4 and %q", c.content, r.code, r.stderr, c.want)
		}
	}
}
