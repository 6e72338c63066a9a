package pymodule

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/tasks"
)

// Config says where modules are found besides the library/ directories of
// playbooks and roles. Empty fields take Ansible's defaults.
type Config struct {
	// Library are the configured module paths (ANSIBLE_LIBRARY, library in
	// ansible.cfg); default ~/.ansible/plugins/modules and
	// /usr/share/ansible/plugins/modules.
	Library []string
	// ModuleUtils are the configured module_utils paths
	// (ANSIBLE_MODULE_UTILS); default ~/.ansible/plugins/module_utils and
	// /usr/share/ansible/plugins/module_utils.
	ModuleUtils []string
	// CollectionsPaths are ANSIBLE_COLLECTIONS_PATH; default
	// ~/.ansible/collections and /usr/share/ansible/collections.
	CollectionsPaths []string
	// AnsibleRoot is the installed ansible package (the directory holding
	// modules/ and module_utils/); empty finds it where Python packages are
	// installed.
	AnsibleRoot string
	// SysPaths are Python package directories searched for an
	// ansible_collections package (Ansible scans its sys.path); empty means
	// the directory AnsibleRoot is in.
	SysPaths []string
	// PythonInterpreter is interpreter_python (ANSIBLE_PYTHON_INTERPRETER),
	// overridden by ansible_python_interpreter; default auto.
	PythonInterpreter string
	// RemoteTmp is remote_tmp (ANSIBLE_REMOTE_TMP): where on the host the
	// run's temporary directory is made; default ~/.ansible/tmp.
	RemoteTmp string
}

// Module is a module found on the controller.
type Module struct {
	// Name is the module's own short name ("sysctl").
	Name string
	// FQCN is its fully qualified name: ansible.builtin.NAME for
	// ansible-core's, NS.COLL.NAME for a collection's, NAME for a library/
	// directory's.
	FQCN string
	// Path is its file.
	Path string
	// Builtin marks ansible-core's own modules.
	Builtin bool
	// Collection is NS.COLL for a collection's module.
	Collection string
	// Warnings are deprecation notices met while resolving the name.
	Warnings []string
	// pyName is the Python module name it runs as
	// (ansible.modules.NAME, ansible_collections.NS.COLL.plugins.modules.NAME).
	pyName string
}

// Source says where the module comes from, for listings.
func (m *Module) Source() string {
	switch {
	case m.Builtin:
		return "ansible-core"
	case m.Collection != "":
		return "collection " + m.Collection
	}
	return "library"
}

// Finder finds modules as Ansible does. It is safe for concurrent use.
type Finder struct {
	cfg  Config
	mu   sync.Mutex
	dirs dirLists
	// legacy is the ansible.legacy search path (nil until first needed
	// after a directory is added).
	legacy []searchDir
	// indexes caches directory listings; colls where each collection is;
	// routes the plugin routing of collections (and ansible.builtin).
	indexes  map[string]*dirIndex
	colls    map[string]string
	routes   map[string]*runtimeMeta
	specs    map[string]*tasks.Spec
	payloads map[string]*building
	version  string
	bytecode *bytecodeStore
}

// dirLists are the search paths a Finder learns while playbooks and roles
// are loaded.
type dirLists struct {
	library, moduleUtils, collections []string
}

// NewFinder returns a Finder with cfg's paths (and Ansible's defaults for
// those cfg leaves empty).
func NewFinder(cfg Config) *Finder {
	home, _ := os.UserHomeDir()
	if cfg.Library == nil {
		cfg.Library = []string{filepath.Join(home, ".ansible/plugins/modules"), "/usr/share/ansible/plugins/modules"}
	}
	if cfg.ModuleUtils == nil {
		cfg.ModuleUtils = []string{filepath.Join(home, ".ansible/plugins/module_utils"), "/usr/share/ansible/plugins/module_utils"}
	}
	if cfg.CollectionsPaths == nil {
		cfg.CollectionsPaths = []string{filepath.Join(home, ".ansible/collections"), "/usr/share/ansible/collections"}
	}
	if cfg.AnsibleRoot == "" {
		cfg.AnsibleRoot = findAnsibleRoot()
	}
	if cfg.SysPaths == nil && cfg.AnsibleRoot != "" {
		cfg.SysPaths = []string{filepath.Dir(cfg.AnsibleRoot)}
	}
	if cfg.PythonInterpreter == "" {
		cfg.PythonInterpreter = "auto"
	}
	if cfg.RemoteTmp == "" {
		cfg.RemoteTmp = "~/.ansible/tmp"
	}
	for _, list := range []*[]string{&cfg.Library, &cfg.ModuleUtils, &cfg.CollectionsPaths} {
		for i, p := range *list {
			(*list)[i] = expandHome(p, home)
		}
	}
	return &Finder{cfg: cfg, indexes: map[string]*dirIndex{}, colls: map[string]string{},
		routes: map[string]*runtimeMeta{}, specs: map[string]*tasks.Spec{}, payloads: map[string]*building{},
		bytecode: newBytecodeStore()}
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// ansibleRoots are where an installed ansible package is looked for.
var ansibleRoots = []string{"/usr/lib/python3/dist-packages/ansible", "/usr/local/lib/python3*/dist-packages/ansible",
	"/usr/lib/python3*/site-packages/ansible", "/usr/local/lib/python3*/site-packages/ansible"}

// findAnsibleRoot locates the installed ansible-core package; "" when
// there is none.
func findAnsibleRoot() string {
	for _, pattern := range ansibleRoots {
		matches, _ := filepath.Glob(pattern)
		sort.Sort(sort.Reverse(sort.StringSlice(matches)))
		for _, m := range matches {
			if fileExists(filepath.Join(m, "module_utils", "basic.py")) {
				return m
			}
		}
	}
	return ""
}

// SysPaths are the Python package directories of the installed ansible
// package.
func (f *Finder) SysPaths() []string { return f.cfg.SysPaths }

// AddPlaybookDir adds what Ansible adds for each playbook file read: its
// library/ and module_utils/ directories and its collections/ directory.
func (f *Finder) AddPlaybookDir(dir string) {
	f.addDirs(dir)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dirs.collections = appendNew(f.dirs.collections, filepath.Join(dir, "collections"))
}

// AddRoleDir adds a loaded role's library/ and module_utils/ directories.
func (f *Finder) AddRoleDir(dir string) { f.addDirs(dir) }

func (f *Finder) addDirs(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := filepath.Join(abs, "library"); isDir(d) {
		f.dirs.library = appendNew(f.dirs.library, d)
		f.legacy = nil
	}
	if d := filepath.Join(abs, "module_utils"); isDir(d) {
		f.dirs.moduleUtils = appendNew(f.dirs.moduleUtils, d)
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// NotFoundError is a module name found nowhere.
type NotFoundError struct {
	Name string
	// Looked lists where the module was searched.
	Looked []string
	// Suggestion is the closest known module name, or "".
	Suggestion string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("couldn't resolve module/action %q", e.Name)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	msg += ". This often indicates a misspelling, missing collection, or incorrect module path"
	if len(e.Looked) > 0 {
		msg += "; drover looked in " + strings.Join(e.Looked, ", ")
	}
	return msg
}

// Resolve finds the module a task names, with the task's collections
// keyword (nearest first). It returns a *NotFoundError when there is none,
// and an error for a module a collection has removed.
func (f *Finder) Resolve(name string, collections []string) (*Module, error) {
	r := &resolution{f: f}
	m, err := r.resolve(name, collections)
	if err != nil || m != nil {
		return m, err
	}
	return nil, &NotFoundError{Name: name, Looked: r.looked}
}

// resolution is one name's lookup: the places searched, for the error.
type resolution struct {
	f      *Finder
	looked []string
	depth  int
	notes  []string
}

func (r *resolution) resolve(name string, collections []string) (*Module, error) {
	if rest, ok := strings.CutPrefix(name, "ansible.legacy."); ok {
		return r.legacy(rest)
	}
	if rest, ok := strings.CutPrefix(name, "ansible.builtin."); ok {
		return r.builtin(rest)
	}
	if parts := strings.SplitN(name, ".", 3); len(parts) == 3 {
		return r.collection(parts[0]+"."+parts[1], parts[2])
	}
	for _, c := range collections {
		m, err := r.resolve(c+"."+name, nil)
		if err != nil || m != nil {
			return m, err
		}
	}
	return r.legacy(name)
}

// done fills in what the resolution learnt.
func (r *resolution) done(m *Module) *Module {
	m.Warnings = append(m.Warnings, r.notes...)
	return m
}
