package inventory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/internal/vault"
)

// writeFiles creates files (path → content) under a temporary directory and
// returns it; a path ending in .sh is made executable.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBadInventories checks that each broken inventory is an error naming
// the file, line and column and saying what was expected.
func TestBadInventories(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"yaml syntax", "hosts.yml", "all:\n  hosts:\n    a: 1\n   b: 2\n", []string{"hosts.yml:4:4:", "> 4 |    b: 2", "^"}},
		{"yaml unclosed flow", "hosts.yml", "all:\n  hosts: [a, b\n", []string{"hosts.yml:", "']'"}},
		{"yaml tab", "hosts.yml", "all:\n\thosts:\n", []string{"hosts.yml:2:1:", "cannot start any token"}},
		{"misspelled key", "hosts.yml", "all:\n  children:\n    web:\n      hots:\n        a:\n", []string{"hosts.yml:4:7:", `unknown key "hots"`, `did you mean "hosts"?`}},
		{"hosts as list", "hosts.yml", "web:\n  hosts:\n    - a\n    - b\n", []string{"hosts.yml:3:5:", `invalid "hosts" entry for group "web": expected a mapping, got a sequence`}},
		{"host vars as list", "hosts.yml", "web:\n  hosts:\n    a: [1]\n", []string{"hosts.yml:3:8:", "expected a mapping of variables"}},
		{"duplicate host", "hosts.yml", "web:\n  hosts:\n    a:\n    a:\n", []string{"hosts.yml:4:5:", `duplicate host "a" (first defined at line 3)`}},
		{"duplicate var", "hosts.yml", "web:\n  vars:\n    x: 1\n    x: 2\n", []string{"hosts.yml:4:5:", `duplicate variable "x" (first defined at line 3)`}},
		{"numeric host", "hosts.yml", "web:\n  hosts:\n    10:\n", []string{"hosts.yml:3:5:", "must be a string"}},
		{"group not a mapping", "hosts.yml", "web: [a]\n", []string{"hosts.yml:1:6:", `group "web" must be a mapping`}},
		{"yaml cycle", "hosts.yml", "a:\n  children:\n    b:\n      children:\n        a:\n", []string{"hosts.yml:3:5:", `adding group "b" as child to "a" creates a recursive dependency loop`}},
		{"plugin config", "aws.yml", "plugin: aws_ec2\n", []string{"aws.yml:1:1:", "not supported"}},
		{"ini section type", "hosts.ini", "[web]\na\n[web:foo]\n", []string{"hosts.ini:3:1:", "unknown type"}},
		{"ini section spaces", "hosts.ini", "[web]\n  [bad group]\n", []string{"hosts.ini:2:3:", "invalid section entry"}},
		{"ini host var", "hosts.ini", "[web]\na x=1 novalue\n", []string{"hosts.ini:2:7:", "expected key=value host variable assignment, got: novalue", "> 2 | a x=1 novalue", "      ^"}},
		{"ini quote", "hosts.ini", "[web]\na x=\"open\n", []string{"hosts.ini:2:1:", "no closing quotation"}},
		{"ini vars line", "hosts.ini", "[web]\na\n[web:vars]\nnovalue\n", []string{"hosts.ini:4:1:", "expected key=value, got: novalue"}},
		{"ini undefined vars group", "hosts.ini", "[ghost:vars]\nx=1\n", []string{"hosts.ini:1:1:", "not valid for undefined group: ghost"}},
		{"ini undefined child", "hosts.ini", "[p:children]\nmissing\n", []string{"hosts.ini:2:1:", "[p:children] includes undefined group: missing"}},
		{"ini child name", "hosts.ini", "[p:children]\na b\n", []string{"hosts.ini:2:1:", "expected group name"}},
		{"ini cycle", "hosts.ini", "[a]\n[b]\n[a:children]\nb\n[b:children]\na\n", []string{"hosts.ini:6:1:", "recursive dependency loop"}},
		{"ini port colon", "hosts.ini", "[web]\nhost:\n", []string{"hosts.ini:2:1:", "ending in ':' is not allowed"}},
		{"ini yaml marker", "hosts.ini", "---\n", []string{"hosts.ini:1:1:", "sign this is a YAML file"}},
		{"ini range", "hosts.ini", "web[01:3]\n", []string{"hosts.ini:1:1:", "equal-length"}},
		{"ini priority", "hosts.ini", "[g]\n[g:vars]\nansible_group_priority=high\n", []string{"hosts.ini:3:1:", "ansible_group_priority"}},
		{"group_vars not a mapping", "hosts.ini", "a\n", nil},
		{"toml", "hosts.toml", "[web]\n", []string{"hosts.toml", "TOML inventories are not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{tt.file: tt.content}
			if tt.want == nil {
				files["group_vars/all.yml"] = "- a\n- b\n"
				tt.want = []string{filepath.Join("group_vars", "all.yml") + ":1:1:", "must hold a mapping"}
			}
			dir := writeFiles(t, files)
			_, err := Load(context.Background(), []string{filepath.Join(dir, tt.file)}, Options{})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestPatternWarnings checks Ansible's warnings and errors for patterns.
func TestPatternWarnings(t *testing.T) {
	inv, err := Load(context.Background(), []string{"a,b,c,"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hosts, warnings, err := inv.Select("a:nosuch:&alsono")
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 0 {
		t.Errorf("hosts = %v, want none (intersection with nothing)", names(hosts))
	}
	want := []string{"Could not match supplied host pattern, ignoring: nosuch", "Could not match supplied host pattern, ignoring: alsono"}
	if strings.Join(warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	if _, _, err := inv.Select("ungrouped[5]"); err == nil || !strings.Contains(err.Error(), "no hosts matched the subscripted pattern 'ungrouped[5]'") {
		t.Errorf("out of range subscript: %v", err)
	}
	if _, _, err := inv.Select("~web(["); err == nil || !strings.Contains(err.Error(), "invalid host list pattern") {
		t.Errorf("bad regex: %v", err)
	}
	if _, _, err := inv.Limit(nil, "@/nonexistent/limit"); err == nil || !strings.Contains(err.Error(), "unable to find limit file") {
		t.Errorf("missing limit file: %v", err)
	}
	if _, w, _ := inv.Select("ungrouped[0-1]"); len(w) != 1 || !strings.Contains(w[0], "[x:y] inclusive subscripts") {
		t.Errorf("dash subscript warnings = %q", w)
	}
}

// TestImplicitLocalhost checks the localhost that exists without inventory.
func TestImplicitLocalhost(t *testing.T) {
	inv, err := Load(context.Background(), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Hosts()) != 0 {
		t.Errorf("Hosts = %v, want none", names(inv.Hosts()))
	}
	hosts, warnings, err := inv.Select("localhost")
	if err != nil || len(hosts) != 1 || len(warnings) != 0 {
		t.Fatalf("Select(localhost) = %v, %q, %v", names(hosts), warnings, err)
	}
	h := hosts[0]
	if !h.Implicit || h.Vars["ansible_connection"] != "local" || len(h.Groups) != 0 {
		t.Errorf("implicit localhost = %+v", h)
	}
	if all, _, _ := inv.Select("all"); len(all) != 0 {
		t.Errorf("all = %v, want no hosts: the implicit localhost is not in all", names(all))
	}
	if g := inv.Groups(); len(g["all"]) != 0 || len(g["ungrouped"]) != 0 {
		t.Errorf("Groups = %v", g)
	}
	if h2, ok := inv.Host("127.0.0.1"); !ok || h2 != h {
		t.Errorf("Host(127.0.0.1) should be the same implicit localhost")
	}
}

// TestScriptFailures checks that a dynamic inventory that fails, hangs or
// prints bad JSON is an error naming the script.
func TestScriptFailures(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string
	}{
		{"exit status", "#!/bin/sh\necho boom >&2\nexit 3\n", []string{"inv.sh --list failed", "exit status 3", "boom"}},
		{"bad json", "#!/bin/sh\necho '{\"web\": [\"a\",]}'\n", []string{"inv.sh printed invalid JSON", "inv.sh --list:1:"}},
		{"not an object", "#!/bin/sh\necho '[1]'\n", []string{"inv.sh must print a JSON object"}},
		{"bad hosts", "#!/bin/sh\necho '{\"web\": {\"hosts\": \"a\"}}'\n", []string{"inv.sh --list:1:", "bad data for the host list"}},
		{"hangs", "#!/bin/sh\nsleep 30\n", []string{"inv.sh --list: no answer within 300ms"}},
		{"host fails", "#!/bin/sh\nif [ \"$1\" = --list ]; then echo '{\"g\": [\"a\"]}'; else exit 1; fi\n", []string{"inv.sh --host a failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"inv.sh": tt.script})
			start := time.Now()
			_, err := Load(context.Background(), []string{filepath.Join(dir, "inv.sh")}, Options{ScriptTimeout: 300 * time.Millisecond})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("the hanging script was not killed")
			}
		})
	}
}

// TestVault checks inline !vault values and vaulted group_vars files, with
// and without a password, using real Ansible Vault 1.1 data.
func TestVault(t *testing.T) {
	kr := vault.NewKeyring(vault.Secret{Password: []byte("s3cret")})
	cipherVars, err := kr.Encrypt([]byte("vaulted_file_var: from-file\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	cipherInline, err := kr.Encrypt([]byte("inline-secret"), "")
	if err != nil {
		t.Fatal(err)
	}
	inline := "    db_password: !vault |\n" + indent(string(cipherInline), "      ")
	dir := writeFiles(t, map[string]string{
		"hosts.yml":          "web:\n  hosts:\n    w1:\n  vars:\n" + inline,
		"group_vars/web.yml": string(cipherVars),
	})
	src := []string{filepath.Join(dir, "hosts.yml")}
	_, err = Load(context.Background(), src, Options{})
	if err == nil || !strings.Contains(err.Error(), "hosts.yml:5:18: vault password needed") {
		t.Errorf("without a password: %v", err)
	}
	decrypt := func(ct []byte, _ string) ([]byte, error) { return kr.Decrypt(ct) }
	inv, err := Load(context.Background(), src, Options{Decrypt: decrypt})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := inv.Host("w1")
	if h.Vars["db_password"] != "inline-secret" || h.Vars["vaulted_file_var"] != "from-file" {
		t.Errorf("vars = %v", h.Vars)
	}
	dir2 := writeFiles(t, map[string]string{"hosts.yml": "web:\n  hosts:\n    w1:\n", "group_vars/web.yml": string(cipherVars)})
	_, err = Load(context.Background(), []string{filepath.Join(dir2, "hosts.yml")}, Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join("group_vars", "web.yml")+":1:1: vault password needed") {
		t.Errorf("vaulted file without a password: %v", err)
	}
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}
