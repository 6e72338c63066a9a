package ansiblecfg

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestAgainstAnsibleConfig resolves every base setting as ansible-config
// dump does, for configuration files and environments that exercise the
// INI syntax, the types, the paths and the precedence; a case Ansible
// refuses must be refused too.
func TestAgainstAnsibleConfig(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-config")
	tests := []struct {
		name, cfg string
		env       map[string]string
		fails     bool
	}{
		{name: "no file"},
		{name: "syntax", cfg: "# c\n; c\n[defaults]\nFORKS = 7\nlibrary: lib ; inline\nremote_user = \"bob\"  # kept\n" +
			"roles_path = roles:~/r:$HOME/x:%(here)s/y\n  continued:z\n\n  more\ninventory = inv1, 'inv2'\n" +
			"timeout = \t 12\t\n[DEFAULT]\nask_pass = yes\n[privilege_escalation]\nbecome_user =\nbecome = on\n"},
		{name: "types", cfg: "[defaults]\nhash_behaviour = merge\ngathering = smart\ngather_subset = '!all', min\n" +
			"jinja2_native = True\nerror_on_undefined_vars = no\nforce_handlers = 1\nany_errors_fatal = t\n" +
			"fact_caching = jsonfile\nfact_caching_connection = cache\nfact_caching_timeout = 1_0\n" +
			"duplicate_dict_key = error\ninternal_poll_interval = 0.5\nvault_identity_list = a@x, b@y\n" +
			"[inventory]\nhost_pattern_mismatch = error\n[colors]\nok = bright blue\n"},
		{name: "env over file", cfg: "[defaults]\nforks = 9\nroles_path = r\n",
			env: map[string]string{"ANSIBLE_FORKS": "3", "ANSIBLE_ROLES_PATH": "e1:/e2", "ANSIBLE_TIMEOUT": "",
				"ANSIBLE_FORCE_HANDLERS": "", "ANSIBLE_COLLECTIONS_PATHS": "/p1", "ANSIBLE_COLLECTIONS_PATH": "/p2",
				"ANSIBLE_HOME": "~/ah", "NO_COLOR": "1"}},
		{name: "ansible-test environment", env: map[string]string{"ANSIBLE_FORCE_HANDLERS": "true",
			"ANSIBLE_HOST_PATTERN_MISMATCH": "error", "ANSIBLE_INVENTORY": "/dev/null", "ANSIBLE_DEPRECATION_WARNINGS": "false",
			"ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_RETRY_FILES_ENABLED": "false", "ANSIBLE_LIBRARY": "/dev/null",
			"ANSIBLE_DEVEL_WARNING": "false"}},
		{name: "bad int", cfg: "[defaults]\nforks = abc\n", fails: true},
		{name: "bad env int", env: map[string]string{"ANSIBLE_TIMEOUT": "lola"}, fails: true},
		{name: "bad choice", cfg: "[defaults]\nhash_behaviour = mrge\n", fails: true},
		{name: "empty env choice", env: map[string]string{"ANSIBLE_GATHERING": ""}, fails: true},
		{name: "no section", cfg: "forks = 3\n", fails: true},
		{name: "duplicate key", cfg: "[defaults]\nforks = 3\nforks = 4\n", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.env["ANSIBLE_CONFIG"] = ""
			if tt.cfg != "" {
				w.env["ANSIBLE_CONFIG"] = w.write(t, "conf/ansible.cfg", tt.cfg)
			}
			for k, v := range tt.env {
				w.env[k] = v
			}
			want, err := ansibleDump(w)
			c, lerr := w.load()
			if tt.fails {
				if err == nil || lerr == nil {
					t.Fatalf("ansible-config: %v; drover: %v; both should fail", err, lerr)
				}
				return
			}
			if err != nil || lerr != nil {
				t.Fatalf("ansible-config: %v; drover: %v", err, lerr)
			}
			compareDump(t, c, want)
		})
	}
}

// ansibleDump runs ansible-config dump in the world and returns each
// setting's value.
func ansibleDump(w *world) (map[string]any, error) {
	cmd := exec.Command("ansible-config", "dump", "-f", "json")
	cmd.Dir = w.cwd
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var list []struct {
		Name  string
		Value any
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for _, s := range list {
		m[s.Name] = s.Value
	}
	return m, nil
}

func compareDump(t *testing.T, c *Config, want map[string]any) {
	t.Helper()
	if f, _ := want["CONFIG_FILE"].(string); f != c.File {
		t.Errorf("file %q, Ansible's %q", c.File, f)
	}
	for _, d := range baseDefs {
		if d.Type == TmpPath {
			continue // Ansible makes a new directory in it each run
		}
		wv, ok := want[d.Name]
		if !ok {
			t.Errorf("ansible-config has no %s", d.Name)
			continue
		}
		v, _ := c.Get(d.Name)
		b, _ := json.Marshal(v.V)
		var got any
		_ = json.Unmarshal(b, &got)
		if !reflect.DeepEqual(got, wv) {
			t.Errorf("%s = %#v, Ansible's %#v", d.Name, got, wv)
		}
	}
}
