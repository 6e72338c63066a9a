package playbooks

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPluginFilters: the module_blacklist of plugin_filters_cfg makes the
// modules it lists unknown (in their short and builtin names), blocking
// stat stops everything, and a file that cannot be used is skipped with
// Ansible's warning.
func TestPluginFilters(t *testing.T) {
	book := "- hosts: all\n  tasks:\n    - ansible.builtin.copy: {content: x, dest: /tmp/x}\n    - ping:\n"
	for _, tc := range []struct {
		name, filter string // filter "" means no file
		err, warning string
	}{
		{"no file", "", "", "The plugin filter file, FILE does not exist. Skipping."},
		{"copy blocked", "filter_version: 1.0\nmodule_blacklist: [copy]\n", "couldn't resolve module/action 'ansible.builtin.copy': the plugin filter file FILE blocks it", ""},
		{"ping blocked", "filter_version: '1.0'\nmodule_blacklist: [ping, list]\n", "couldn't resolve module/action 'ping'", ""},
		{"lookup names do nothing", "filter_version: 1.0\nmodule_blacklist: [list]\n", "", ""},
		{"stat blocked", "filter_version: 1.0\nmodule_blacklist: [stat]\n", "The stat module was specified in the module blacklist file, FILE, but Ansible will not function without the stat module.", ""},
		{"no version", "module_blacklist: [copy]\n", "", "The plugin filter file, FILE was invalid. Skipping."},
		{"other version", "filter_version: 2.0\nmodule_blacklist: [copy]\n", "", "was a version not recognized by this version of Ansible. Skipping."},
		{"not a list", "filter_version: 1.0\nmodule_blacklist: copy\n", "", "Unable to parse the plugin filter file FILE as module_blacklist is not a list. Skipping."},
		{"not YAML", "filter_version: [\n", "", "The plugin filter file, FILE was not parsable. Skipping: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"site.yml": book}
			if tc.filter != "" {
				files["filters.yml"] = tc.filter
			}
			site := writeBook(t, files)
			path := filepath.Join(filepath.Dir(site), "filters.yml")
			l := NewLoader(LoadOptions{PluginFilters: path})
			_, err := l.Playbook(site)
			want := strings.ReplaceAll(tc.err, "FILE", path)
			if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want %q", err, want)
			}
			warnings := strings.Join(l.Warnings(), "\n")
			if w := strings.ReplaceAll(tc.warning, "FILE", path); !strings.Contains(warnings, w) || w == "" && warnings != "" {
				t.Errorf("warnings %q, want %q", warnings, w)
			}
		})
	}
}
