package ansiblecfg

import (
	"fmt"
	"reflect"
)

// Settings are the settings that change what a run does, typed; each
// field's tag names its setting (see Config.Get). A setting with no value
// is the field's zero value.
type Settings struct {
	// Paths.
	RolesPath        []string `cfg:"DEFAULT_ROLES_PATH"`         // roles_path, ANSIBLE_ROLES_PATH
	Library          []string `cfg:"DEFAULT_MODULE_PATH"`        // library, ANSIBLE_LIBRARY
	ModuleUtils      []string `cfg:"DEFAULT_MODULE_UTILS_PATH"`  // module_utils, ANSIBLE_MODULE_UTILS
	CollectionsPaths []string `cfg:"COLLECTIONS_PATHS"`          // collections_path(s), ANSIBLE_COLLECTIONS_PATH(S)
	FilterPlugins    []string `cfg:"DEFAULT_FILTER_PLUGIN_PATH"` // filter_plugins, ANSIBLE_FILTER_PLUGINS
	TestPlugins      []string `cfg:"DEFAULT_TEST_PLUGIN_PATH"`   // test_plugins, ANSIBLE_TEST_PLUGINS
	LookupPlugins    []string `cfg:"DEFAULT_LOOKUP_PLUGIN_PATH"` // lookup_plugins, ANSIBLE_LOOKUP_PLUGINS
	Inventory        []string `cfg:"DEFAULT_HOST_LIST"`          // inventory, ANSIBLE_INVENTORY
	PlaybookDir      string   `cfg:"PLAYBOOK_DIR"`
	LocalTmp         string   `cfg:"DEFAULT_LOCAL_TMP"`
	RemoteTmp        string   `cfg:"shell.sh.remote_tmp"`
	AsyncDir         string   `cfg:"shell.sh.async_dir"`
	LogPath          string   `cfg:"DEFAULT_LOG_PATH"`

	// Connections.
	Forks           int    `cfg:"DEFAULT_FORKS"`
	RemoteUser      string `cfg:"DEFAULT_REMOTE_USER"`
	RemotePort      int    `cfg:"DEFAULT_REMOTE_PORT"` // 0: unset
	PrivateKeyFile  string `cfg:"DEFAULT_PRIVATE_KEY_FILE"`
	HostKeyChecking bool   `cfg:"connection.ssh.host_key_checking"`
	Timeout         int    `cfg:"connection.ssh.timeout"` // connect timeout, seconds
	Transport       string `cfg:"DEFAULT_TRANSPORT"`
	Pipelining      bool   `cfg:"connection.ssh.pipelining"`
	SSHArgs         string `cfg:"connection.ssh.ssh_args"`
	SSHCommonArgs   string `cfg:"connection.ssh.ssh_common_args"`
	SSHExtraArgs    string `cfg:"connection.ssh.ssh_extra_args"`
	SSHRetries      int    `cfg:"connection.ssh.reconnection_retries"`
	SSHUseTTY       bool   `cfg:"connection.ssh.use_tty"`
	AskPass         bool   `cfg:"DEFAULT_ASK_PASS"`
	Executable      string `cfg:"DEFAULT_EXECUTABLE"`
	KeepRemoteFiles bool   `cfg:"DEFAULT_KEEP_REMOTE_FILES"`
	// InterpreterPython is interpreter_python (ANSIBLE_PYTHON_INTERPRETER).
	InterpreterPython string `cfg:"INTERPRETER_PYTHON"`

	// Become.
	Become              bool   `cfg:"DEFAULT_BECOME"`
	BecomeUser          string `cfg:"DEFAULT_BECOME_USER"`
	BecomeMethod        string `cfg:"DEFAULT_BECOME_METHOD"`
	BecomeAskPass       bool   `cfg:"DEFAULT_BECOME_ASK_PASS"`
	BecomeExe           string `cfg:"DEFAULT_BECOME_EXE"`   // "" unless set
	BecomeFlags         string `cfg:"DEFAULT_BECOME_FLAGS"` // "" unless set; see BecomeFlagsFor
	BecomeAllowSameUser bool   `cfg:"BECOME_ALLOW_SAME_USER"`
	BecomePasswordFile  string `cfg:"BECOME_PASSWORD_FILE"`

	// Vault.
	VaultPasswordFile string   `cfg:"DEFAULT_VAULT_PASSWORD_FILE"`
	VaultIdentityList []string `cfg:"DEFAULT_VAULT_IDENTITY_LIST"`
	VaultIdentity     string   `cfg:"DEFAULT_VAULT_IDENTITY"`
	AskVaultPass      bool     `cfg:"DEFAULT_ASK_VAULT_PASS"`

	// Plays and tasks.
	Gathering             string   `cfg:"DEFAULT_GATHERING"` // implicit, explicit or smart
	GatherSubset          []string `cfg:"DEFAULT_GATHER_SUBSET"`
	GatherTimeout         int      `cfg:"DEFAULT_GATHER_TIMEOUT"`
	FactsModules          []string `cfg:"FACTS_MODULES"`
	HashBehaviour         string   `cfg:"DEFAULT_HASH_BEHAVIOUR"`  // replace or merge
	DuplicateDictKey      string   `cfg:"DUPLICATE_YAML_DICT_KEY"` // warn, error or ignore
	ForceHandlers         bool     `cfg:"DEFAULT_FORCE_HANDLERS"`
	AnyErrorsFatal        bool     `cfg:"ANY_ERRORS_FATAL"`
	HostPatternMismatch   string   `cfg:"HOST_PATTERN_MISMATCH"`          // warning, error or ignore
	ErrorOnUndefinedVars  bool     `cfg:"DEFAULT_UNDEFINED_VAR_BEHAVIOR"` // error_on_undefined_vars
	ErrorOnMissingHandler bool     `cfg:"ERROR_ON_MISSING_HANDLER"`
	Jinja2Native          bool     `cfg:"DEFAULT_JINJA2_NATIVE"`
	Strategy              string   `cfg:"DEFAULT_STRATEGY"`
	TaskTimeout           int      `cfg:"TASK_TIMEOUT"` // seconds; 0: none
	PollInterval          int      `cfg:"DEFAULT_POLL_INTERVAL"`
	NoLog                 bool     `cfg:"DEFAULT_NO_LOG"`
	PrivateRoleVars       bool     `cfg:"DEFAULT_PRIVATE_ROLE_VARS"`
	InjectFactsAsVars     bool     `cfg:"INJECT_FACTS_AS_VARS"`
	AllowUnsafeLookups    bool     `cfg:"DEFAULT_ALLOW_UNSAFE_LOOKUPS"`
	AnsibleManaged        string   `cfg:"DEFAULT_MANAGED_STR"`
	PlaybookVarsRoot      string   `cfg:"PLAYBOOK_VARS_ROOT"`
	YAMLExtensions        []string `cfg:"YAML_FILENAME_EXTENSIONS"`
	TagsRun               []string `cfg:"TAGS_RUN"`
	TagsSkip              []string `cfg:"TAGS_SKIP"`
	DiffAlways            bool     `cfg:"DIFF_ALWAYS"`
	DiffContext           int      `cfg:"DIFF_CONTEXT"`
	MaxDiffSize           int      `cfg:"MAX_FILE_SIZE_FOR_DIFF"`
	ModuleName            string   `cfg:"DEFAULT_MODULE_NAME"` // ad-hoc default module
	Verbosity             int      `cfg:"DEFAULT_VERBOSITY"`

	// Fact caching.
	FactCaching           string `cfg:"CACHE_PLUGIN"`        // memory or jsonfile
	FactCachingConnection string `cfg:"cache.jsonfile._uri"` // jsonfile's directory
	FactCachingPrefix     string `cfg:"cache.jsonfile._prefix"`
	FactCachingTimeout    int    `cfg:"CACHE_PLUGIN_TIMEOUT"` // seconds; 0: never expire

	// Inventory.
	InventoryUnparsedFailed    bool   `cfg:"INVENTORY_UNPARSED_IS_FAILED"`
	InventoryAnyUnparsedFailed bool   `cfg:"INVENTORY_ANY_UNPARSED_IS_FAILED"`
	InventoryUnparsedWarning   bool   `cfg:"INVENTORY_UNPARSED_WARNING"`
	TransformInvalidGroupChars string `cfg:"TRANSFORM_INVALID_GROUP_CHARS"`

	// Plugins.
	PluginFilters string `cfg:"PLUGIN_FILTERS_CFG"` // the plugin filter file; "" when not set

	// Output.
	StdoutCallback        string   `cfg:"DEFAULT_STDOUT_CALLBACK"`
	CallbacksEnabled      []string `cfg:"CALLBACKS_ENABLED"`
	LoadCallbackPlugins   bool     `cfg:"DEFAULT_LOAD_CALLBACK_PLUGINS"` // bin_ansible_callbacks
	CallbackResultFormat  string   `cfg:"callback.default.result_format"`
	DisplaySkippedHosts   bool     `cfg:"DISPLAY_SKIPPED_HOSTS"`
	DisplayOkHosts        bool     `cfg:"callback.default.display_ok_hosts"`
	DisplayFailedStderr   bool     `cfg:"callback.default.display_failed_stderr"`
	DisplayArgsToStdout   bool     `cfg:"DISPLAY_ARGS_TO_STDOUT"`
	ShowCustomStats       bool     `cfg:"SHOW_CUSTOM_STATS"`
	ShowPerHostStart      bool     `cfg:"callback.default.show_per_host_start"`
	CheckModeMarkers      bool     `cfg:"callback.default.check_mode_markers"`
	ShowTaskPathOnFailure bool     `cfg:"callback.default.show_task_path_on_failure"`
	NoColor               bool     `cfg:"ANSIBLE_NOCOLOR"`
	ForceColor            bool     `cfg:"ANSIBLE_FORCE_COLOR"`
	DeprecationWarnings   bool     `cfg:"DEPRECATION_WARNINGS"`
	ActionWarnings        bool     `cfg:"ACTION_WARNINGS"`
	SystemWarnings        bool     `cfg:"SYSTEM_WARNINGS"`
	LocalhostWarning      bool     `cfg:"LOCALHOST_WARNING"`
	RetryFilesEnabled     bool     `cfg:"RETRY_FILES_ENABLED"`
	RetryFilesSavePath    string   `cfg:"RETRY_FILES_SAVE_PATH"`
}

// BecomeFlagsFor is become_flags for a become method: the configured flags,
// else that method's default ("-H -S -n" for sudo).
func (c *Config) BecomeFlagsFor(method string) string {
	if v, ok := c.values["become."+method+".become_flags"]; ok {
		s, _ := v.V.(string)
		return s
	}
	return c.BecomeFlags
}

// settingsOf fills Settings from the config's values by the fields' tags.
func settingsOf(c *Config) Settings {
	var s Settings
	rv := reflect.ValueOf(&s).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		name := rt.Field(i).Tag.Get("cfg")
		v, ok := c.values[name]
		if !ok {
			panic(fmt.Sprintf("ansiblecfg: field %s names unknown setting %q", rt.Field(i).Name, name))
		}
		if v.V != nil {
			rv.Field(i).Set(reflect.ValueOf(v.V))
		}
	}
	return s
}
