package vault

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestAnsibleEncryptsDroverDecrypts has Debian's ansible-vault encrypt
// files under three vault ids (a plain password file, a labelled file and a
// password script) and opens them all with one keyring built from the same
// sources.
func TestAnsibleEncryptsDroverDecrypts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw-default", "default-pass\n", 0o600)
	writeFile(t, dir, "pw-dev", "dev-pass\n", 0o600)
	writeFile(t, dir, "pw-prod.sh", "#!/bin/sh\necho prod-pass\n", 0o700)
	files := map[string][]string{
		"all.yml":  {"--vault-password-file", "pw-default"},
		"dev.yml":  {"--vault-id", "dev@pw-dev"},
		"prod.yml": {"--vault-id", "prod@pw-prod.sh"},
	}
	for name, args := range files {
		writeFile(t, dir, name, "secret_of: "+name+"\n", 0o600)
		ansibleVault(t, dir, append([]string{"encrypt"}, append(args, name)...)...)
	}
	src := Sources{
		IDs:           []string{"dev@" + filepath.Join(dir, "pw-dev"), "prod@" + filepath.Join(dir, "pw-prod.sh")},
		PasswordFiles: []string{filepath.Join(dir, "pw-default")},
		NoEnv:         true,
	}
	kr, err := src.Keyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := map[string]string{
		"all.yml":  "$ANSIBLE_VAULT;1.1;AES256\n",
		"dev.yml":  "$ANSIBLE_VAULT;1.2;AES256;dev\n",
		"prod.yml": "$ANSIBLE_VAULT;1.2;AES256;prod\n",
	}
	for name := range files {
		path := filepath.Join(dir, name)
		data, _ := os.ReadFile(path)
		if !strings.HasPrefix(string(data), wantHeader[name]) {
			t.Errorf("%s: ansible wrote header %q", name, strings.SplitN(string(data), "\n", 2)[0])
		}
		plain, err := kr.DecryptFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(plain) != "secret_of: "+name+"\n" {
			t.Errorf("%s: %q", name, plain)
		}
	}
}

// TestAnsibleEncryptStringInYAML opens encrypt_string output that
// ansible-vault wrote into a YAML file, at two depths and with two ids.
func TestAnsibleEncryptStringInYAML(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw-a", "pass-a\n", 0o600)
	writeFile(t, dir, "pw-b", "pass-b\n", 0o600)
	a := ansibleVault(t, dir, "encrypt_string", "--vault-id", "a@pw-a", "--name", "top", "top value")
	b := ansibleVault(t, dir, "encrypt_string", "--vault-id", "b@pw-b", "--name", "deep", "multi\nline value\n")
	doc := "plain: x\n" + string(a) + "\nnested:\n  " + strings.ReplaceAll(string(b), "\n", "\n  ") + "\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("encrypt_string output is not YAML: %v\n%s", err, doc)
	}
	kr := NewKeyring(Secret{ID: "a", Password: []byte("pass-a")}, Secret{ID: "b", Password: []byte("pass-b")})
	got := map[string]string{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if c.Tag == "!vault" {
				v, err := kr.DecryptInline(n.Content[i-1].Value, c.Value)
				if err != nil {
					t.Fatal(err)
				}
				got[n.Content[i-1].Value] = v
			}
			walk(c)
		}
	}
	walk(&root)
	if got["top"] != "top value" || got["deep"] != "multi\nline value\n" {
		t.Errorf("decrypted %q", got)
	}
}

// TestDroverEncryptsAnsibleDecrypts writes files and an inline value with
// drover and has ansible-vault (and ansible, for the inline value) open
// them.
func TestDroverEncryptsAnsibleDecrypts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw-default", "default-pass\n", 0o600)
	writeFile(t, dir, "pw-dev", "dev-pass\n", 0o600)
	kr := NewKeyring(Secret{ID: "default", Password: []byte("default-pass")}, Secret{ID: "dev", Password: []byte("dev-pass")})
	tests := []struct {
		name  string
		id    string
		plain string
		args  []string
	}{
		{"v11.yml", "", "a: 1\nb: two\n", []string{"--vault-password-file", "pw-default"}},
		{"v12.yml", "dev", "token: dev-token\n", []string{"--vault-id", "dev@pw-dev"}},
		{"empty.txt", "", "", []string{"--vault-password-file", "pw-default"}},
		{"block.bin", "", "0123456789abcdef\x00\xff\x80binary", []string{"--vault-password-file", "pw-default"}},
		{"long.txt", "dev", strings.Repeat("0123456789", 500), []string{"--vault-id", "dev@pw-dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := kr.Encrypt([]byte(tt.plain), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, tt.name, string(enc), 0o600)
			out := ansibleVault(t, dir, append([]string{"decrypt", "--output", "-"}, append(tt.args, tt.name)...)...)
			if string(out) != tt.plain {
				t.Errorf("ansible-vault decrypt gave %q, want %q", out, tt.plain)
			}
		})
	}
	t.Run("inline value in vars file", func(t *testing.T) {
		enc, err := kr.Encrypt([]byte("inline-secret"), "dev")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "vars.yml", "plain: x\n"+FormatInline(enc, "token")+"\n", 0o600)
		ansible := needProgram(t, "ansible")
		cmd := exec.Command(ansible, "localhost", "-m", "debug", "-a", "var=token", "-e", "@vars.yml", "--vault-id", "dev@pw-dev")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=False")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"token": "inline-secret"`) {
			t.Errorf("ansible did not read drover's inline value: %v\n%s", err, out)
		}
	})
}

// TestAnsibleRejectsWrongPassword checks drover's wrong-password error on
// an ansible-made file: it names the file and holds no plaintext.
func TestAnsibleRejectsWrongPassword(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw", "right\n", 0o600)
	writeFile(t, dir, "all.yml", "password: TopSecretValue\n", 0o600)
	ansibleVault(t, dir, "encrypt", "--vault-password-file", "pw", "all.yml")
	kr := NewKeyring(Secret{Password: []byte("wrong")})
	path := filepath.Join(dir, "all.yml")
	_, err := kr.DecryptFile(path)
	if err == nil || err.Error() != path+": vault: HMAC verification failed (wrong password?)" {
		t.Errorf("error %v", err)
	}
}
