package playbooks

import (
	"fmt"
	"time"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/factcache"
	"github.com/drover/drover/internal/pyplugin"
)

// ApplyConfig sets the load options that come from Ansible's
// configuration: roles_path, library, module_utils, collections_path,
// duplicate_dict_key, interpreter_python and remote_tmp.
func (o *LoadOptions) ApplyConfig(cfg *ansiblecfg.Config) {
	o.RolesPath, o.Library, o.ModuleUtils = cfg.RolesPath, cfg.Library, cfg.ModuleUtils
	o.CollectionsPaths, o.DuplicateDictKey = cfg.CollectionsPaths, cfg.DuplicateDictKey
	o.InterpreterPython, o.RemoteTmp = cfg.InterpreterPython, cfg.RemoteTmp
	o.PluginDirs = map[string][]string{pyplugin.Filter: cfg.FilterPlugins, pyplugin.Test: cfg.TestPlugins,
		pyplugin.Lookup: cfg.LookupPlugins}
	o.PluginFilters = cfg.PluginFilters
}

// ApplyConfig sets the run options that only Ansible's configuration sets
// (command-line flags are the caller's): hash_behaviour,
// error_on_undefined_vars, jinja2_native, any_errors_fatal,
// host_pattern_mismatch, gathering, gather_subset, gather_timeout,
// facts_modules, interpreter_python, task_timeout, error_on_missing_handler,
// become_flags, become_exe and the fact cache.
func (o *Options) ApplyConfig(cfg *ansiblecfg.Config) error {
	o.HashBehaviour = cfg.HashBehaviour
	o.AllowUndefinedVars = !cfg.ErrorOnUndefinedVars
	o.Jinja2Native = cfg.Jinja2Native
	o.AnyErrorsFatal = cfg.AnyErrorsFatal
	o.HostPatternMismatch = cfg.HostPatternMismatch
	o.Gathering, o.GatherSubset, o.GatherTimeout = cfg.Gathering, cfg.GatherSubset, cfg.GatherTimeout
	o.FactsModules, o.InterpreterPython = cfg.FactsModules, cfg.InterpreterPython
	o.TaskTimeout = cfg.TaskTimeout
	o.ConfigFile = cfg.File
	o.WarnMissingHandler = !cfg.ErrorOnMissingHandler
	if cfg.IsSet("DEFAULT_BECOME_FLAGS") {
		o.BecomeFlags = cfg.BecomeFlags
	}
	if cfg.IsSet("DEFAULT_BECOME_EXE") {
		o.BecomeExe = cfg.BecomeExe
	}
	cache, err := factCacheOf(cfg)
	if err != nil {
		return err
	}
	if cache != nil {
		o.FactCache = cache
	}
	return nil
}

// factCacheOf is the fact cache fact_caching asks for: nil for memory, a
// directory of JSON files for jsonfile.
func factCacheOf(cfg *ansiblecfg.Config) (FactCache, error) {
	switch cfg.FactCaching {
	case "memory", "ansible.builtin.memory":
		return nil, nil
	case "jsonfile", "ansible.builtin.jsonfile":
		return factcache.New(cfg.FactCachingConnection, cfg.FactCachingPrefix, time.Duration(cfg.FactCachingTimeout)*time.Second)
	}
	return nil, fmt.Errorf("fact_caching = %s: drover keeps facts in memory or in jsonfile only", cfg.FactCaching)
}
