package playbooks

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/drover/drover/internal/fqcn"
	"github.com/drover/drover/internal/yamlx"
)

// defaultPluginFilters is the plugin filter file read when
// plugin_filters_cfg is not set.
const defaultPluginFilters = "/etc/ansible/plugin_filters.yml"

// moduleFilter is the module_blacklist of the plugin filter file
// (plugin_filters_cfg): modules and actions a task may not use, as if they
// did not exist.
type moduleFilter struct {
	path    string
	blocked map[string]bool
	err     error // stat is blocked: nothing can run
}

// blockedModule returns the error for a module the plugin filter file
// blocks; nil for any other.
func (l *Loader) blockedModule(name string) error {
	l.filterOnce.Do(func() {
		var notes []string
		l.filter, notes = readModuleFilter(l.opts.PluginFilters)
		l.notes = append(l.notes, notes...)
	})
	if l.filter.err != nil {
		return l.filter.err
	}
	if l.filter.blocked[name] || l.filter.blocked[fqcn.Short(name)] {
		return fmt.Errorf("couldn't resolve module/action '%s': the plugin filter file %s blocks it (module_blacklist)", name, l.filter.path)
	}
	return nil
}

// readModuleFilter reads a plugin filter file ("" is the default one, whose
// absence is no warning); a file that cannot be used is skipped with a
// warning, as Ansible skips it.
func readModuleFilter(path string) (moduleFilter, []string) {
	userSet := path != ""
	if !userSet {
		path = defaultPluginFilters
	}
	f, err := yamlx.LoadFile(path, nil)
	if errors.Is(err, fs.ErrNotExist) {
		if userSet {
			return moduleFilter{}, []string{fmt.Sprintf("The plugin filter file, %s does not exist. Skipping.", path)}
		}
		return moduleFilter{}, nil
	}
	var data map[string]any
	if err == nil && len(f.Docs) > 0 {
		v, verr := f.Value(f.Docs[0], yamlx.Options{})
		data, _ = v.(map[string]any)
		err = verr
	}
	if err != nil {
		return moduleFilter{}, []string{fmt.Sprintf("The plugin filter file, %s was not parsable. Skipping: %v", path, err)}
	}
	return filterOf(path, data)
}

// filterOf reads the content of a plugin filter file: filter_version 1.0
// and its module_blacklist list.
func filterOf(path string, data map[string]any) (moduleFilter, []string) {
	version, ok := data["filter_version"]
	if !ok {
		return moduleFilter{}, []string{fmt.Sprintf("The plugin filter file, %s was invalid. Skipping.", path)}
	}
	if v, isFloat := version.(float64); isFloat && v == float64(int(v)) {
		version = fmt.Sprintf("%.1f", v)
	}
	if strings.TrimSpace(fmt.Sprint(version)) != "1.0" {
		return moduleFilter{}, []string{fmt.Sprintf("The plugin filter file, %s was a version not recognized by this version of Ansible. Skipping.", path)}
	}
	list, ok := data["module_blacklist"].([]any)
	if !ok {
		return moduleFilter{}, []string{fmt.Sprintf("Unable to parse the plugin filter file %s as module_blacklist is not a list. Skipping.", path)}
	}
	mf := moduleFilter{path: path, blocked: map[string]bool{}}
	for _, m := range list {
		mf.blocked[fmt.Sprint(m)] = true
	}
	if mf.blocked["stat"] {
		mf.err = fmt.Errorf("The stat module was specified in the module blacklist file, %s, but Ansible will not function without the stat module.  Please remove stat from the blacklist.", path)
	}
	return mf, nil
}
