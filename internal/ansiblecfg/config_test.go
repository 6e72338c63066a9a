package ansiblecfg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// world is a test's file system: the current directory, a home directory
// and a system file, each with or without a configuration file.
type world struct {
	root, cwd, home, system string
	env                     map[string]string
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{root: root, cwd: filepath.Join(root, "cwd"), home: filepath.Join(root, "home"),
		system: filepath.Join(root, "etc", "ansible.cfg")}
	for _, d := range []string{w.cwd, w.home, filepath.Dir(w.system)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w.env = map[string]string{"HOME": w.home}
	return w
}

func (w *world) write(t *testing.T, path, text string) string {
	t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join(w.root, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (w *world) load() (*Config, error) {
	return Load(Options{Dir: w.cwd, System: w.system, LookupEnv: func(k string) (string, bool) {
		v, ok := w.env[k]
		return v, ok
	}})
}

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world)
		want  string // relative to the world's root; "" for none
		warn  bool
	}{
		{"none", func(*testing.T, *world) {}, "", false},
		{"system", func(t *testing.T, w *world) { w.write(t, w.system, "") }, "etc/ansible.cfg", false},
		{"home over system", func(t *testing.T, w *world) {
			w.write(t, w.system, "")
			w.write(t, "home/.ansible.cfg", "")
		}, "home/.ansible.cfg", false},
		{"cwd over home", func(t *testing.T, w *world) {
			w.write(t, "home/.ansible.cfg", "")
			w.write(t, "cwd/ansible.cfg", "")
		}, "cwd/ansible.cfg", false},
		{"ANSIBLE_CONFIG over cwd", func(t *testing.T, w *world) {
			w.write(t, "cwd/ansible.cfg", "")
			w.env["ANSIBLE_CONFIG"] = w.write(t, "other/my.cfg", "")
		}, "other/my.cfg", false},
		{"ANSIBLE_CONFIG relative to cwd", func(t *testing.T, w *world) {
			w.write(t, "cwd/sub/my.ini", "")
			w.env["ANSIBLE_CONFIG"] = "sub/my.ini"
		}, "cwd/sub/my.ini", false},
		{"ANSIBLE_CONFIG a directory", func(t *testing.T, w *world) {
			w.write(t, "d/ansible.cfg", "")
			w.env["ANSIBLE_CONFIG"] = filepath.Join(w.root, "d")
		}, "d/ansible.cfg", false},
		{"ANSIBLE_CONFIG empty means the current directory", func(t *testing.T, w *world) {
			w.write(t, "cwd/ansible.cfg", "")
			w.write(t, "home/.ansible.cfg", "")
			w.env["ANSIBLE_CONFIG"] = ""
		}, "cwd/ansible.cfg", false},
		{"ANSIBLE_CONFIG missing falls through", func(t *testing.T, w *world) {
			w.write(t, "home/.ansible.cfg", "")
			w.env["ANSIBLE_CONFIG"] = "nonexistent.cfg"
		}, "home/.ansible.cfg", false},
		{"world-writable cwd is skipped with a warning", func(t *testing.T, w *world) {
			w.write(t, "cwd/ansible.cfg", "")
			w.write(t, "home/.ansible.cfg", "")
			chmod(t, w.cwd, 0o777)
		}, "home/.ansible.cfg", true},
		{"world-writable cwd named by ANSIBLE_CONFIG is used", func(t *testing.T, w *world) {
			w.env["ANSIBLE_CONFIG"] = w.write(t, "cwd/ansible.cfg", "")
			chmod(t, w.cwd, 0o777)
		}, "cwd/ansible.cfg", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(t, w)
			c, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tt.want != "" {
				want = filepath.Join(w.root, tt.want)
			}
			if c.File != want {
				t.Errorf("file %q, want %q", c.File, want)
			}
			if (len(c.Warnings) > 0) != tt.warn {
				t.Errorf("warnings %q, want some: %v", c.Warnings, tt.warn)
			}
		})
	}
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		cfg     string
		env     map[string]string
		setting string
		want    any
		origin  string // "file", "default" or "env: NAME"
	}{
		{"default", "", nil, "DEFAULT_FORKS", 5, "default"},
		{"file over default", "[defaults]\nforks = 9\n", nil, "DEFAULT_FORKS", 9, "file"},
		{"env over file", "[defaults]\nforks = 9\n", map[string]string{"ANSIBLE_FORKS": "11"}, "DEFAULT_FORKS", 11, "env: ANSIBLE_FORKS"},
		{"empty env of an int falls back to the default", "[defaults]\ntimeout = 30\n", map[string]string{"ANSIBLE_TIMEOUT": ""},
			"DEFAULT_TIMEOUT", 10, "default"},
		{"empty env of a bool is false", "", map[string]string{"ANSIBLE_HOST_KEY_CHECKING": ""},
			"HOST_KEY_CHECKING", false, "env: ANSIBLE_HOST_KEY_CHECKING"},
		{"the last env name set wins", "", map[string]string{"ANSIBLE_COLLECTIONS_PATHS": "/a", "ANSIBLE_COLLECTIONS_PATH": "/b"},
			"COLLECTIONS_PATHS", []string{"/b"}, "env: ANSIBLE_COLLECTIONS_PATH"},
		{"the last ini key wins", "[defaults]\ncollections_path = /b\ncollections_paths = /a\n", nil,
			"COLLECTIONS_PATHS", []string{"/b"}, "file"},
		{"other section of a plugin option", "[ssh_connection]\ntimeout = 7\n", nil, "connection.ssh.timeout", 7, "file"},
		{"plugin option env alias", "", map[string]string{"ANSIBLE_SSH_TIMEOUT": "8"}, "connection.ssh.timeout", 8, "env: ANSIBLE_SSH_TIMEOUT"},
		{"file paths are relative to the file", "[defaults]\nroles_path = roles:/abs\n", nil,
			"DEFAULT_ROLES_PATH", []string{"$CFGDIR/roles", "/abs"}, "file"},
		{"env paths are relative to the current directory", "", map[string]string{"ANSIBLE_ROLES_PATH": "r1:r2"},
			"DEFAULT_ROLES_PATH", []string{"$CWD/r1", "$CWD/r2"}, "env: ANSIBLE_ROLES_PATH"},
		{"defaults follow ANSIBLE_HOME", "[defaults]\nhome = /opt/ah\n", nil,
			"DEFAULT_ROLES_PATH", []string{"/opt/ah/roles", "/usr/share/ansible/roles", "/etc/ansible/roles"}, "default"},
		{"unknown keys and sections are ignored", "[defaults]\nnosuch = 1\n[nosuch]\nforks = x\n", nil, "DEFAULT_FORKS", 5, "default"},
		{"inventory is a comma list of paths", "[defaults]\ninventory = hosts, /etc/other\n", nil,
			"DEFAULT_HOST_LIST", []string{"$CFGDIR/hosts", "/etc/other"}, "file"},
		{"unset setting has no value", "", nil, "DEFAULT_REMOTE_USER", nil, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			cfg := w.write(t, "conf/ansible.cfg", tt.cfg)
			w.env["ANSIBLE_CONFIG"] = cfg
			for k, v := range tt.env {
				w.env[k] = v
			}
			c, err := w.load()
			if err != nil {
				t.Fatal(err)
			}
			v, ok := c.Get(tt.setting)
			if !ok {
				t.Fatalf("no setting %s", tt.setting)
			}
			want := tt.want
			if l, ok := want.([]string); ok {
				r := strings.NewReplacer("$CFGDIR", filepath.Dir(cfg), "$CWD", w.cwd)
				for i := range l {
					l[i] = r.Replace(l[i])
				}
			}
			origin := strings.Replace(tt.origin, "file", cfg, 1)
			if !reflect.DeepEqual(v.V, want) || v.Origin != origin {
				t.Errorf("%s = %#v from %q, want %#v from %q", tt.setting, v.V, v.Origin, want, origin)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, cfg string
		env       map[string]string
		want      string // $CFG is the file's path
	}{
		{"bad int in file", "[defaults]\nforks = abc\n", nil,
			`$CFG:2:9: invalid value "abc" for [defaults] forks (configuration setting DEFAULT_FORKS): expected an integer`},
		{"bad int in env", "", map[string]string{"ANSIBLE_TIMEOUT": "lola"},
			`ANSIBLE_TIMEOUT: invalid value "lola" for environment variable ANSIBLE_TIMEOUT (configuration setting DEFAULT_TIMEOUT): expected an integer`},
		{"bad choice", "[defaults]\nhash_behaviour = mrge\n", nil,
			`$CFG:2:18: invalid value "mrge" for [defaults] hash_behaviour (configuration setting DEFAULT_HASH_BEHAVIOUR): expected one of replace, merge (did you mean "merge"?)`},
		{"empty env is not a choice", "", map[string]string{"ANSIBLE_GATHERING": ""},
			`ANSIBLE_GATHERING: invalid value "" for environment variable ANSIBLE_GATHERING (configuration setting DEFAULT_GATHERING): expected one of implicit, explicit, smart`},
		{"bad choice in another section", "[inventory]\nhost_pattern_mismatch = fail\n", nil,
			`$CFG:2:25: invalid value "fail" for [inventory] host_pattern_mismatch (configuration setting HOST_PATTERN_MISMATCH): expected one of error, warning, ignore`},
		{"bad plugin option", "[defaults]\ncallback_result_format = xml\n", nil,
			`$CFG:2:26: invalid value "xml" for [defaults] callback_result_format (configuration setting callback.default.result_format): expected one of json, yaml`},
		{"syntax", "forks = 1\n", nil, `$CFG:1: expected a [section] header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			cfg := w.write(t, "conf/ansible.cfg", tt.cfg)
			w.env["ANSIBLE_CONFIG"] = cfg
			for k, v := range tt.env {
				w.env[k] = v
			}
			_, err := w.load()
			want := strings.ReplaceAll(tt.want, "$CFG", cfg)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %v\nwant %s", err, want)
			}
		})
	}
}

func TestUnsupportedFileName(t *testing.T) {
	w := newWorld(t)
	w.env["ANSIBLE_CONFIG"] = w.write(t, "conf/ansible.yml", "")
	if _, err := w.load(); err == nil || !strings.Contains(err.Error(), "*.cfg or *.ini") {
		t.Fatalf("error %v", err)
	}
}

func TestDefaultsFillSettings(t *testing.T) {
	s := Defaults().Settings
	if s.Forks != 5 || s.Timeout != 10 || !s.HostKeyChecking || !s.ErrorOnUndefinedVars || s.Gathering != "implicit" ||
		s.HashBehaviour != "replace" || s.DuplicateDictKey != "warn" || s.HostPatternMismatch != "warning" ||
		s.StdoutCallback != "default" || s.FactCaching != "memory" || s.FactCachingTimeout != 86400 ||
		s.BecomeMethod != "sudo" || s.BecomeUser != "root" || s.CallbackResultFormat != "json" || !s.DisplayOkHosts {
		t.Errorf("defaults: %+v", s)
	}
	if got := Defaults().BecomeFlagsFor("sudo"); got != "-H -S -n" {
		t.Errorf("sudo flags %q", got)
	}
}
