package main

import (
	"strings"
	"testing"
)

// TestPlayPlaybookDirVault: a vaulted group_vars/all.yml beside the
// playbook (not beside the inventory) is decrypted with the run's vault
// password, as ansible-playbook does, and its value wins over the
// inventory's group_vars/all of the same level; no value of the file is
// printed.
func TestPlayPlaybookDirVault(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "inv/hosts.yml", "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_python_interpreter: /usr/bin/python3\n", 0o644)
	vaultPut(t, dir, "inv/group_vars/all.yml", "level: inventory\nonly_inv: yes_inv\n", 0o644)
	vaultPut(t, dir, "book/group_vars/all.yml", "level: playbook\nsecret_len: \"{{ secret | length }}\"\nsecret: VerySecretValue42\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "book/group_vars/all.yml")
	vaultPut(t, dir, "book/site.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=\"{{ level }} {{ only_inv }} {{ secret_len }}\"\n", 0o644)
	want := "playbook yes_inv 17"
	ans := vaultAnsible(t, dir, "ansible-playbook", "-i", "inv/hosts.yml", "--vault-password-file", "pw-default", "book/site.yml")
	if !strings.Contains(ans, want) {
		t.Fatalf("ansible-playbook output lacks %q:\n%s", want, ans)
	}
	// drover masks every value of a vaulted vars file, "playbook" too.
	out := vaultMust(t, dir, "", nil, "play", "-i", "inv/hosts.yml", "--vault-password-file", "pw-default", "book/site.yml")
	if want := "******** yes_inv 17"; !strings.Contains(out, want) {
		t.Errorf("drover output lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, "VerySecretValue42") {
		t.Errorf("the vaulted value was printed:\n%s", out)
	}
	_, errOut, code := vaultRun(t, dir, "", nil, "play", "-i", "inv/hosts.yml", "book/site.yml")
	if code != 4 || !strings.Contains(errOut, "group_vars/all.yml") || !strings.Contains(errOut, "vault") {
		t.Errorf("without the password: exit %d, stderr %q; want 4 naming the file and the vault", code, errOut)
	}
}
