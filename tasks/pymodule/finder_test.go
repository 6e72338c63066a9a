package pymodule

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (path → content) under a new temporary directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// fakeInstall is an ansible-core and a collection installed side by side,
// a configured library path and a playbook with its own library/.
func fakeInstall(t *testing.T) (*Finder, string) {
	root := tree(t, map[string]string{
		"site/ansible/modules/ping.py":                                       "core ping",
		"site/ansible/modules/debconf.py":                                    "core debconf",
		"site/ansible/modules/copy.py":                                       "core copy",
		"site/ansible/plugins/action/copy.py":                                "action",
		"site/ansible/module_utils/basic.py":                                 "",
		"site/ansible/release.py":                                            "__version__ = '2.14.9'\n",
		"site/ansible/config/ansible_builtin_runtime.yml":                    "plugin_routing:\n  modules:\n    sysctl:\n      redirect: ansible.posix.sysctl\n    gone:\n      tombstone:\n        removal_version: '2.0'\n        warning_text: Use other.\n",
		"site/ansible_collections/ansible/posix/plugins/modules/sysctl.py":   "posix sysctl",
		"site/ansible_collections/ansible/posix/meta/runtime.yml":            "plugin_routing:\n  modules:\n    old_sysctl:\n      redirect: ansible.posix.sysctl\n      deprecation:\n        removal_version: '3.0'\n        warning_text: Use sysctl.\n",
		"site/ansible_collections/ansible/posix/plugins/modules/sub/deep.py": "deep",
		"lib/shellmod.sh":                                                    "#!/bin/sh",
		"lib/both.sh":                                                        "#!/bin/sh",
		"lib/group/inner.py":                                                 "inner",
		"lib/notes.txt":                                                      "ignored",
		"pb/library/ping":                                                    "#!/bin/sh\nlibrary ping",
		"pb/library/both.py":                                                 "python both",
		"pb/library/copy.py":                                                 "library copy",
		"pb/play.yml":                                                        "",
		"role/library/rmod.py":                                               "role module",
	})
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{filepath.Join(root, "lib")},
		CollectionsPaths: []string{}, ModuleUtils: []string{}, SysPaths: []string{filepath.Join(root, "site")}})
	f.AddPlaybookDir(filepath.Join(root, "pb"))
	f.AddRoleDir(filepath.Join(root, "role"))
	return f, root
}

func TestResolve(t *testing.T) {
	f, root := fakeInstall(t)
	tests := []struct {
		name        string
		collections []string
		path        string // relative to root; "" means not found
		fqcn        string
		builtin     bool
		warn        string
	}{
		{name: "ping", path: "pb/library/ping", fqcn: "ping"},
		{name: "ansible.builtin.ping", path: "site/ansible/modules/ping.py", fqcn: "ansible.builtin.ping", builtin: true},
		{name: "ansible.legacy.ping", path: "pb/library/ping", fqcn: "ping"},
		{name: "debconf", path: "site/ansible/modules/debconf.py", fqcn: "ansible.builtin.debconf", builtin: true},
		{name: "both", path: "pb/library/both.py", fqcn: "both"}, // the first directory having it wins
		{name: "shellmod", path: "lib/shellmod.sh", fqcn: "shellmod"},
		{name: "inner", path: "lib/group/inner.py", fqcn: "inner"},
		{name: "rmod", path: "role/library/rmod.py", fqcn: "rmod"},
		{name: "notes"},
		{name: "sysctl", path: "site/ansible_collections/ansible/posix/plugins/modules/sysctl.py", fqcn: "ansible.posix.sysctl"},
		{name: "ansible.builtin.sysctl", path: "site/ansible_collections/ansible/posix/plugins/modules/sysctl.py", fqcn: "ansible.posix.sysctl"},
		{name: "ansible.posix.old_sysctl", path: "site/ansible_collections/ansible/posix/plugins/modules/sysctl.py",
			fqcn: "ansible.posix.sysctl", warn: "ansible.posix.old_sysctl has been deprecated. Use sysctl."},
		{name: "ansible.posix.sub.deep", path: "site/ansible_collections/ansible/posix/plugins/modules/sub/deep.py", fqcn: "ansible.posix.sub.deep"},
		{name: "old_sysctl", collections: []string{"ansible.posix"}, path: "site/ansible_collections/ansible/posix/plugins/modules/sysctl.py", fqcn: "ansible.posix.sysctl"},
		{name: "ansible.posix.nothere"},
		{name: "other.coll.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := f.Resolve(tt.name, tt.collections)
			if tt.path == "" {
				var nf *NotFoundError
				if !errors.As(err, &nf) || len(nf.Looked) == 0 {
					t.Fatalf("Resolve(%q) = %v, %v; want a NotFoundError listing where it looked", tt.name, m, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tt.path); m.Path != want || m.FQCN != tt.fqcn || m.Builtin != tt.builtin {
				t.Errorf("Resolve(%q) = %s %s builtin=%v; want %s %s builtin=%v", tt.name, m.Path, m.FQCN, m.Builtin, want, tt.fqcn, tt.builtin)
			}
			if tt.warn != "" && (len(m.Warnings) != 1 || !strings.HasPrefix(m.Warnings[0], tt.warn)) {
				t.Errorf("warnings %q, want one starting %q", m.Warnings, tt.warn)
			}
		})
	}
}

func TestResolveTombstone(t *testing.T) {
	f, _ := fakeInstall(t)
	_, err := f.Resolve("gone", nil)
	if err == nil || !strings.Contains(err.Error(), "ansible.builtin.gone has been removed. Use other.") {
		t.Fatalf("err = %v", err)
	}
}

func TestChoose(t *testing.T) {
	f, _ := fakeInstall(t)
	tests := []struct {
		name   string
		native bool   // drover's own module runs
		fqcn   string // else the fallback module
		err    string
	}{
		{name: "ansible.builtin.ping", native: true},
		{name: "ping", fqcn: "ping"},          // a library/ module named like a builtin wins, as in Ansible
		{name: "copy", native: true},          // a core action plugin wins over library/copy.py
		{name: "command", native: true},       // not in this ansible-core: drover's own
		{name: "include_tasks", native: true}, // engine keywords never fall back
		{name: "debconf", fqcn: "ansible.builtin.debconf"},
		{name: "ansible.posix.sysctl", fqcn: "ansible.posix.sysctl"},
		{name: "pingg", err: `did you mean "ping"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, m, err := f.Choose(tt.name, nil)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case tt.native && m != nil && spec == f.Spec(m):
				t.Errorf("%s runs the fallback %s, want drover's native module", tt.name, m.Path)
			case !tt.native && (m == nil || m.FQCN != tt.fqcn || spec != f.Spec(m)):
				t.Errorf("%s: spec %s, module %+v; want the fallback %s", tt.name, spec.Name, m, tt.fqcn)
			}
		})
	}
}

func TestList(t *testing.T) {
	f, _ := fakeInstall(t)
	got := map[string]string{}
	for _, e := range f.List() {
		got[e.Name] = e.Runs
	}
	want := map[string]string{"command": "native", "ping": "library", "debconf": "ansible-core", "shellmod": "library",
		"sysctl": "collection ansible.posix", "ansible.posix.sysctl": "collection ansible.posix", "rmod": "library"}
	for name, runs := range want {
		if got[name] != runs {
			t.Errorf("%s listed as %q, want %q", name, got[name], runs)
		}
	}
	if _, ok := got["copy"]; ok && got["copy"] != "native" {
		t.Errorf("copy listed as %q, want native", got["copy"])
	}
}
