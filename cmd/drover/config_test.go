package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigWiring runs drover play with an ansible.cfg and ANSIBLE_*
// variables: the configuration changes the run, flags win over it, and a
// bad value ends drover with status 5 naming where it was written.
func TestConfigWiring(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("hosts.ini", "[g]\nlocalhost ansible_connection=local\nother ansible_connection=local\n")
	only := write("only.ini", "[g]\nlocalhost ansible_connection=local\n")
	write("pass.txt", "s3cret\n")
	book := write("site.yml", "- hosts: g\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n")
	good := write("good.cfg", "[defaults]\ninventory = hosts.ini\nvault_password_file = pass.txt\n")
	bad := write("bad.cfg", "[defaults]\nforks = many\n")
	enc := execDrover(t, []string{"ANSIBLE_CONFIG=" + good}, "vault", "encrypt_string", "--name", "secret", "value")
	if enc.code != 0 {
		t.Fatalf("encrypt_string with the configured password file: %d %s", enc.code, enc.stderr)
	}
	vaulted := write("vaulted.yml", "- hosts: localhost\n  gather_facts: false\n  vars:\n"+indent(enc.stdout, "    ")+
		"  tasks:\n    - debug: msg=\"{{ secret | length }}\"\n")
	tests := []struct {
		name     string
		env      []string
		args     []string
		code     int
		stdout   []string // each must appear
		stderr   string
		notInOut string
	}{
		{"inventory from the configuration", []string{"ANSIBLE_CONFIG=" + good}, []string{book}, 0,
			[]string{"localhost", "other"}, "", ""},
		{"-i wins over the configuration", []string{"ANSIBLE_CONFIG=" + good}, []string{"-i", only, book}, 0,
			nil, "", "other"},
		{"ANSIBLE_INVENTORY wins over the file", []string{"ANSIBLE_CONFIG=" + good, "ANSIBLE_INVENTORY=" + filepath.Join(dir, "none.ini")},
			[]string{book}, 0, nil, "Unable to parse " + filepath.Join(dir, "none.ini") + " as an inventory source", "other"},
		{"vault_password_file from the configuration", []string{"ANSIBLE_CONFIG=" + good}, []string{vaulted}, 0,
			[]string{`msg: "5"`}, "", ""},
		{"bad value in the file", []string{"ANSIBLE_CONFIG=" + bad}, []string{book}, 5,
			nil, bad + `:2:9: invalid value "many" for [defaults] forks`, ""},
		{"bad value in the environment", []string{"ANSIBLE_CONFIG=" + good, "ANSIBLE_TIMEOUT=soon"}, []string{book}, 5,
			nil, `ANSIBLE_TIMEOUT: invalid value "soon"`, ""},
		{"bad choice names the choices", []string{"ANSIBLE_CONFIG=" + good, "ANSIBLE_GATHERING=smrt"}, []string{book}, 5,
			nil, `expected one of implicit, explicit, smart (did you mean "smart"?)`, ""},
		// ansible-playbook -l nosuch exits 1 under host_pattern_mismatch=error.
		{"host_pattern_mismatch=error", []string{"ANSIBLE_CONFIG=" + good, "ANSIBLE_HOST_PATTERN_MISMATCH=error"},
			[]string{"-l", "nosuch", book}, 1, nil, "Could not match supplied host pattern, ignoring: nosuch", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execDrover(t, tt.env, append([]string{"play"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q\nstdout:\n%s", r.code, tt.code, r.stderr, tt.stderr, r.stdout)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if tt.notInOut != "" && strings.Contains(r.stdout, tt.notInOut) {
				t.Errorf("stdout has %q:\n%s", tt.notInOut, r.stdout)
			}
		})
	}
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}
