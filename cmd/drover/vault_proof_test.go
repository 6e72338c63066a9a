package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// proofBook uses vault values everywhere a secret can leak: a command
// line, a template (with --diff), a copy of a vault-encrypted file, a
// failure message, debug var=, a registered result shown with -v, secrets
// re-encoded by filters (b64encode, upper, reverse), a no_log task, an assert's fail_msg and an expect answer echoed back.
// secret is an inline !vault value of vars.yml; group_secret comes from
// the whole vaulted group_vars/all.yml beside the inventory.
const proofBook = `- hosts: lab
  gather_facts: false
  vars_files: [vars.yml]
  tasks:
    - name: command line
      command: echo {{ secret }}
      register: echoed
      changed_when: false
    - name: template
      template: {src: proof.j2, dest: "{{ host_dir }}/proof.conf", mode: "0600"}
    - name: vaulted copy
      copy: {src: secret.txt, dest: "{{ host_dir }}/secret.txt", mode: "0600"}
    - name: derived by filters
      command: echo {{ secret | b64encode }} {{ group_secret | upper }} {{ (secret ~ ':' ~ group_secret) | reverse }}
      changed_when: false
    - name: debug var
      debug: var=secret
    - name: registered
      debug: var=echoed
    - name: failing
      fail: msg="cannot use {{ secret }}"
      ignore_errors: true
    - name: hidden
      command: echo {{ secret }} {{ group_secret }}
      no_log: true
      changed_when: false
    - name: assert
      assert:
        that: secret == 'x'
        fail_msg: "secret {{ secret }} and {{ group_secret }} are wrong"
      ignore_errors: true
    - name: expect
      expect:
        command: >-
          /bin/sh -c "printf 'Password: '; read -r pw; echo got-$pw"
        responses:
          "Password:": "{{ secret }}"
      changed_when: false
`

// proofSecrets are the plaintexts of one proof: the inline vault value
// (with characters JSON escapes), the value of the vaulted group_vars
// file, the body of the vaulted copy source and the vault password; all
// adds the spellings the playbook derives from them with filters.
type proofSecrets struct {
	inline, group, file, password string
}

func (s proofSecrets) all() []string {
	out := []string{s.inline, s.group, s.file, s.password}
	for _, v := range []string{s.inline, s.group, s.file} {
		b, _ := json.Marshal(v)
		out = append(out, strings.Trim(string(b), `"`))
	}
	return append(out, base64.StdEncoding.EncodeToString([]byte(s.inline)), strings.ToUpper(s.group), reverse(s.inline+":"+s.group))
}

// reverse is the string's characters in reverse order, as Jinja's reverse.
func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// proofProject writes the proof's controller files: an inventory of the
// lab with a whole vaulted group_vars/all.yml beside it, vars.yml with an
// inline !vault value, a template, a vault-encrypted copy source and the
// playbook. Every file is encrypted with Debian's ansible-vault.
func proofProject(t *testing.T, lab *testlab.Lab, s proofSecrets) string {
	t.Helper()
	dir := t.TempDir()
	vaultPut(t, dir, "vault-pass", s.password+"\n", 0o600)
	inv, err := os.ReadFile(lab.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	vaultPut(t, dir, "inventory/hosts.yml", string(inv), 0o644)
	vaultPut(t, dir, "inventory/group_vars/all.yml", fmt.Sprintf("group_secret: %q\n", s.group), 0o600)
	vaultPut(t, dir, "secret.txt", "token="+s.file+"\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "vault-pass", "inventory/group_vars/all.yml", "secret.txt")
	inline := vaultAnsible(t, dir, "ansible-vault", "encrypt_string", "--vault-password-file", "vault-pass", "--name", "secret", s.inline)
	vaultPut(t, dir, "vars.yml", strings.TrimRight(inline, "\n")+"\n", 0o644)
	vaultPut(t, dir, "proof.j2", "secret={{ secret }}\ngroup={{ group_secret }}\n", 0o644)
	vaultPut(t, dir, "proof.yml", proofBook, 0o644)
	for _, p := range []string{"inventory/group_vars/all.yml", "secret.txt", "vars.yml"} {
		if !strings.Contains(vaultRead(t, filepath.Join(dir, p)), "$ANSIBLE_VAULT;1.1;AES256") {
			t.Fatalf("%s is not vault-encrypted", p)
		}
	}
	return dir
}

// proofNoSecret fails the test when a secret, or its JSON-escaped form,
// shows in what a run printed.
func proofNoSecret(t *testing.T, what string, r result, s proofSecrets) {
	t.Helper()
	for _, v := range s.all() {
		if strings.Contains(r.stdout, v) || strings.Contains(r.stderr, v) {
			t.Errorf("%s printed the secret %q:\n%s\n%s", what, v, r.stdout, r.stderr)
		}
	}
}

// proofNoPlaintextIn fails the test when a file under dir holds a secret:
// nothing decrypted may be left on the controller's disk.
func proofNoPlaintextIn(t *testing.T, dir string, s proofSecrets) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "vault-pass" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, v := range []string{s.inline, s.group, s.file} {
			if strings.Contains(string(b), v) {
				t.Errorf("%s holds the plaintext %q", p, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestVaultProofPlay is issue 7's proof on a real sshd host: a playbook
// using vault values in every place a secret can leak runs with -vvv
// --diff, with --json and with -vvv --diff --check. No secret's bytes
// appear in any output, while the files written on the host hold the
// decrypted values. A wrong vault password ends with exit 4 and the
// file's name, touching nothing; no run leaves plaintext on the
// controller's disk (its TMPDIR, the project and the DROVER_TRACE log).
func TestVaultProofPlay(t *testing.T) {
	vaultNeedTool(t, "ansible-vault")
	lab := testlab.Start(t, testlab.Options{Hosts: 1, OwnUsers: os.Geteuid() == 0})
	h := lab.Hosts[0]
	s := proofSecrets{inline: "Vlt&<" + hexString(6) + ">pw", group: "Grp-" + hexString(8),
		file: "File-" + hexString(8), password: "proof-pass-" + hexString(6)}
	dir := proofProject(t, lab, s)
	tmp := t.TempDir()
	traceFile := filepath.Join(tmp, "trace.log")
	env := []string{"TMPDIR=" + tmp, "ANSIBLE_VAULT_PASSWORD_FILE=", "DROVER_TRACE=" + traceFile}
	play := func(args ...string) result {
		base := []string{"play", "-i", filepath.Join(dir, "inventory", "hosts.yml")}
		return execDrover(t, env, append(append(base, args...), filepath.Join(dir, "proof.yml"))...)
	}
	hostFile := func(name string) string {
		b, err := os.ReadFile(filepath.Join(h.Dir, name))
		if err != nil {
			return ""
		}
		return string(b)
	}

	t.Run("wrong password", func(t *testing.T) {
		wrong := vaultPut(t, t.TempDir(), "wrong", "not-"+s.password+"\n", 0o600)
		r := play("-vvv", "--vault-password-file", wrong)
		if r.code != 4 || !strings.Contains(r.stderr, filepath.Join("group_vars", "all.yml")) ||
			!strings.Contains(r.stderr, "HMAC verification failed") {
			t.Errorf("exit %d, want 4 and an error naming group_vars/all.yml:\n%s%s", r.code, r.stdout, r.stderr)
		}
		proofNoSecret(t, "a wrong password", r, s)
		if hostFile("proof.conf") != "" || hostFile("secret.txt") != "" {
			t.Error("a run with a wrong vault password wrote files on the host")
		}
	})

	pw := filepath.Join(dir, "vault-pass")
	t.Run("-vvv --diff", func(t *testing.T) {
		r := play("-vvv", "--diff", "--vault-password-file", pw)
		if r.code != 0 || !strings.Contains(r.stdout, "ok=10   changed=2    unreachable=0    failed=0") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		proofNoSecret(t, "-vvv --diff", r, s)
		for _, want := range []string{"secret: '********'", "msg: cannot use ********", "+secret=********",
			"+group=********", "+********\n", "got-********", "'no_log: true' was specified", "connection to"} {
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("-vvv --diff output lacks %q:\n%s%s", want, r.stdout, r.stderr)
			}
		}
		if got, want := hostFile("proof.conf"), "secret="+s.inline+"\ngroup="+s.group+"\n"; got != want {
			t.Errorf("proof.conf on the host = %q, want the decrypted %q", got, want)
		}
		if got, want := hostFile("secret.txt"), "token="+s.file+"\n"; got != want {
			t.Errorf("secret.txt on the host = %q, want the decrypted %q", got, want)
		}
	})

	t.Run("--json", func(t *testing.T) {
		r := play("--json", "--vault-password-file", pw)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		proofNoSecret(t, "--json", r, s)
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if !json.Valid([]byte(line)) {
				t.Errorf("not JSON: %s", line)
			}
		}
		if res := expectJSONResult(t, r.stdout, "command line"); res["stdout"] != "********" {
			t.Errorf("command line stdout = %v, want it masked", res["stdout"])
		}
	})

	t.Run("-vvv --diff --check", func(t *testing.T) {
		for _, name := range []string{"proof.conf", "secret.txt"} {
			if err := os.WriteFile(filepath.Join(h.Dir, name), []byte("old "+s.inline+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := play("-vvv", "--diff", "--check", "--vault-password-file", pw)
		if r.code != 0 || !strings.Contains(r.stdout, "-old ********") || !strings.Contains(r.stdout, "+secret=********") {
			t.Fatalf("exit %d, want diffs with masked lines:\n%s%s", r.code, r.stdout, r.stderr)
		}
		proofNoSecret(t, "-vvv --diff --check", r, s)
		if got := hostFile("proof.conf"); got != "old "+s.inline+"\n" {
			t.Errorf("--check changed proof.conf: %q", got)
		}
	})

	if trace := vaultRead(t, traceFile); !strings.Contains(trace, "run ") || !strings.Contains(trace, "********") {
		t.Errorf("the DROVER_TRACE file shows no masked command line:\n%s", trace)
	}
	proofNoPlaintextIn(t, tmp, s)
	proofNoPlaintextIn(t, dir, s)
}

// TestVaultProofRun runs drover run against a real sshd host whose login
// password is an inline !vault value of the inventory: the login works
// (the password was decrypted) and the password, echoed back by the
// command, is masked with -vvv and with --json.
func TestVaultProofRun(t *testing.T) {
	vaultNeedTool(t, "ansible-vault")
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h, err := lab.AddHost(testlab.HostOptions{Name: "pw", Password: true})
	if err != nil {
		if os.Geteuid() != 0 {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	vaultPut(t, dir, "vault-pass", "run-proof-"+hexString(6)+"\n", 0o600)
	inline := vaultAnsible(t, dir, "ansible-vault", "encrypt_string", "--vault-password-file", "vault-pass", "--name", "ansible_password", h.Password)
	inv := fmt.Sprintf("all:\n  hosts:\n    pw:\n      ansible_host: %s\n      ansible_port: %d\n      ansible_user: %s\n"+
		"      ansible_ssh_common_args: %q\n      %s\n", h.Addr, h.Port, h.User,
		"-o UserKnownHostsFile="+lab.KnownHosts+" -o StrictHostKeyChecking=yes",
		strings.ReplaceAll(strings.TrimRight(inline, "\n"), "\n", "\n      "))
	invPath := vaultPut(t, dir, "hosts.yml", inv, 0o644)
	for _, args := range [][]string{{"-vvv"}, {"--json"}} {
		r := execDrover(t, []string{"ANSIBLE_VAULT_PASSWORD_FILE="}, append(append([]string{"run", "-i", invPath,
			"--vault-password-file", filepath.Join(dir, "vault-pass")}, args...), "pw", "--", "echo", "pw="+h.Password)...)
		if r.code != 0 || !strings.Contains(r.stdout, "pw=********") {
			t.Errorf("%v: exit %d, want a login with the decrypted password and the echo masked:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, h.Password) {
			t.Errorf("%v: the vaulted ansible_password was printed:\n%s%s", args, r.stdout, r.stderr)
		}
	}
	r := execDrover(t, []string{"ANSIBLE_VAULT_PASSWORD_FILE="}, "run", "-i", invPath, "pw", "--", "true")
	if r.code != 4 || !strings.Contains(r.stderr, "hosts.yml") {
		t.Errorf("without a vault password: exit %d, want 4 naming the inventory:\n%s", r.code, r.stderr)
	}
}

// TestVaultProofPrompts types the vault password (--ask-vault-pass) and a
// private vars_prompt answer on a real pseudo-terminal: neither, nor the
// vault value, shows on the terminal, while tasks use all of them.
func TestVaultProofPrompts(t *testing.T) {
	vaultNeedTool(t, "ansible-vault")
	dir := t.TempDir()
	password, answer, value := "ask-"+hexString(6), "Typed-"+hexString(6), "Value-"+hexString(6)
	vaultPut(t, dir, "pw", password+"\n", 0o600)
	inline := vaultAnsible(t, dir, "ansible-vault", "encrypt_string", "--vault-password-file", "pw", "--name", "value", value)
	vaultPut(t, dir, "book.yml", `- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: answer
      prompt: Token
  vars:
    `+strings.ReplaceAll(strings.TrimRight(inline, "\n"), "\n", "\n    ")+`
  tasks:
    - command: echo {{ answer }} {{ value }}
      register: out
    - debug: var=out.stdout
    - assert:
        that: out.stdout == answer ~ ' ' ~ value
`, 0o644)
	if err := os.Remove(filepath.Join(dir, "pw")); err != nil {
		t.Fatal(err)
	}
	cmd := vaultDroverCmd(dir, nil, "play", "-v", "--ask-vault-pass", "book.yml")
	tty, screen, done := startOnPTY(t, cmd)
	vaultWaitFor(t, screen, "Vault password: ")
	fmt.Fprint(tty, password+"\r")
	vaultWaitFor(t, screen, "Token: ")
	fmt.Fprint(tty, answer+"\r")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("drover: %v\n%s", err, screen.String())
	}
	tty.Close()
	<-done
	out := screen.String()
	if !strings.Contains(out, "failed=0") || !strings.Contains(out, "******** ********") {
		t.Errorf("want the run to pass with the values masked:\n%s", out)
	}
	for _, v := range []string{password, answer, value} {
		if strings.Contains(out, v) {
			t.Errorf("%q shown on the terminal:\n%s", v, out)
		}
	}
}

// TestVaultProofVarsPaths checks every other place vault data is read,
// each file made by ansible-vault: a whole vaulted host_vars file beside
// the inventory, vars_files, include_vars (whole file and inline value),
// -e @file with an inline value, and with_file, lookup('file'),
// lookup('unvault') and query('file') of a vaulted file. Tasks use them
// all; the run passes and prints none of them.
func TestVaultProofVarsPaths(t *testing.T) {
	vaultNeedTool(t, "ansible-vault")
	dir := t.TempDir()
	values := map[string]string{"hv": "Host-" + hexString(6), "vf": "VarsFile-" + hexString(6), "iv": "IncWhole-" + hexString(6),
		"iv2": "IncInline-" + hexString(6), "ev": "Extra-" + hexString(6), "fl": "WithFile-" + hexString(6)}
	vaultPut(t, dir, "pw", "paths-"+hexString(6)+"\n", 0o600)
	vaultPut(t, dir, "inv.yml", "all:\n  hosts:\n    h1: {ansible_connection: local}\n", 0o644)
	whole := map[string]string{"host_vars/h1.yml": "hv", "vf.yml": "vf", "vars/inc.yml": "iv"}
	for p, k := range whole {
		vaultPut(t, dir, p, k+": "+values[k]+"\n", 0o600)
	}
	vaultPut(t, dir, "fl.txt", values["fl"]+"\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw", "host_vars/h1.yml", "vf.yml", "vars/inc.yml", "fl.txt")
	for p, k := range map[string]string{"vars/inc2.yml": "iv2", "extra.yml": "ev"} {
		out := vaultAnsible(t, dir, "ansible-vault", "encrypt_string", "--vault-password-file", "pw", "--name", k, values[k])
		vaultPut(t, dir, p, strings.TrimRight(out, "\n")+"\n", 0o600)
	}
	want := strings.Join([]string{values["hv"], values["iv"], values["iv2"], values["ev"], values["vf"], values["fl"]}, " ")
	vaultPut(t, dir, "book.yml", `- hosts: all
  gather_facts: false
  vars_files: [vf.yml]
  tasks:
    - include_vars: vars/inc.yml
    - include_vars: vars/inc2.yml
    - command: echo {{ hv }} {{ iv }} {{ iv2 }} {{ ev }} {{ vf }} {{ item }}
      with_file: fl.txt
      register: r
    - debug: var=r.results[0].stdout
    - assert:
        that: r.results[0].stdout == '`+want+`'
    - command: echo {{ lookup('file', 'fl.txt') }}
      register: lf
    - assert:
        that:
          - lf.stdout == '`+values["fl"]+`'
          - lookup('unvault', 'fl.txt') == '`+values["fl"]+`\n'
          - query('file', 'fl.txt', rstrip=False) == ['`+values["fl"]+`\n']
`, 0o644)
	for _, args := range [][]string{{"-vvv"}, {"--json"}} {
		r := execDrover(t, []string{"ANSIBLE_VAULT_PASSWORD_FILE="}, append(append([]string{"play", "-i", filepath.Join(dir, "inv.yml"),
			"--vault-password-file", filepath.Join(dir, "pw"), "-e", "@" + filepath.Join(dir, "extra.yml")}, args...), filepath.Join(dir, "book.yml"))...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		for k, v := range values {
			if strings.Contains(r.stdout+r.stderr, v) {
				t.Errorf("%v: %s's value printed:\n%s%s", args, k, r.stdout, r.stderr)
			}
		}
	}
}
