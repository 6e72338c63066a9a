package ansiblecfg

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/drover/drover/internal/suggest"
)

// Options tune Load; the zero value reads the process's environment and
// current directory.
type Options struct {
	// LookupEnv reads environment variables; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// Dir is the current directory; the process's when "".
	Dir string
	// System is the system-wide file; SystemFile when "" (tests change it).
	System string
}

// Value is a setting's value and where it came from.
type Value struct {
	// V is nil (no value), bool, int, float64, string or []string.
	V any
	// Origin is "default", "env: NAME", or the configuration file's path.
	Origin string
	// Line is the file line the value was written on (0 unless from a file).
	Line int
}

// Config is Ansible's configuration as a run sees it: every setting's
// value from the environment, the configuration file, or its default.
type Config struct {
	Settings
	// File is the configuration file read, "" when none was found.
	File string
	// Warnings are what Ansible would warn about while finding the file.
	Warnings []string
	values   map[string]Value
}

// Error is a setting whose value its type or choices refuse.
type Error struct {
	Setting  string // the setting's name, e.g. DEFAULT_FORKS
	Where    string // FILE:LINE:COL, or the environment variable
	Key      string // the ini key ("[defaults] forks") or the variable
	Value    string
	Expected string // e.g. "an integer", "one of replace, merge"
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: invalid value %q for %s (configuration setting %s): expected %s",
		e.Where, e.Value, e.Key, e.Setting, e.Expected)
}

// Load finds the configuration file as Ansible does, reads it, and
// resolves every setting: environment over file over default. A file that
// cannot be read or parsed, or a value of the wrong type or not among its
// choices, is an error naming the file and line or the variable; unknown
// sections and keys are ignored, as Ansible ignores them.
func Load(opts Options) (*Config, error) {
	l, err := newLoader(opts)
	if err != nil {
		return nil, err
	}
	file, warnings := l.find()
	return l.load(file, warnings)
}

// Defaults is the configuration with no file and no environment: every
// setting at its default.
func Defaults() *Config {
	l, err := newLoader(Options{LookupEnv: func(string) (string, bool) { return "", false }, Dir: "/"})
	if err == nil {
		var c *Config
		if c, err = l.load("", nil); err == nil {
			return c
		}
	}
	panic(err) // the defaults are constants checked by the tests
}

// load reads file (none when "") and resolves every setting.
func (l *loader) load(file string, warnings []string) (*Config, error) {
	c := &Config{File: file, Warnings: warnings, values: map[string]Value{}}
	if file != "" {
		var err error
		if l.file, err = readFile(file); err != nil {
			return nil, err
		}
	}
	for _, defs := range [][]Def{baseDefs, pluginDefs} {
		for i := range defs {
			v, err := l.resolve(&defs[i], c.values)
			if err != nil {
				return nil, err
			}
			c.values[defs[i].Name] = v
		}
	}
	c.Settings = settingsOf(c)
	return c, nil
}

// Get returns a setting's value: a base setting by its Ansible name
// (DEFAULT_ROLES_PATH), a plugin option as TYPE.PLUGIN.OPTION
// (connection.ssh.timeout). ok is false for an unknown name.
func (c *Config) Get(name string) (Value, bool) {
	v, ok := c.values[name]
	return v, ok
}

// Names lists every setting's name.
func (c *Config) Names() []string {
	out := make([]string, 0, len(c.values))
	for _, defs := range [][]Def{baseDefs, pluginDefs} {
		for _, d := range defs {
			out = append(out, d.Name)
		}
	}
	return out
}

// IsSet reports whether a setting came from the environment or the file.
func (c *Config) IsSet(name string) bool {
	v, ok := c.values[name]
	return ok && v.Origin != "default"
}

// loader holds what Load needs while it resolves settings.
type loader struct {
	res       resolver
	lookupEnv func(string) (string, bool)
	system    string
	file      *iniFile
}

func newLoader(opts Options) (*loader, error) {
	l := &loader{lookupEnv: opts.LookupEnv, system: opts.System}
	if l.lookupEnv == nil {
		l.lookupEnv = os.LookupEnv
	}
	if l.system == "" {
		l.system = SystemFile
	}
	dir := opts.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("configuration: the current directory: %w", err)
		}
		dir = wd
	}
	home, _ := l.lookupEnv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	l.res = resolver{cwd: dir, home: home, lookupEnv: l.lookupEnv}
	return l, nil
}

// readFile reads and parses the configuration file; only .cfg and .ini
// files are configuration files.
func readFile(path string) (*iniFile, error) {
	if ext := filepath.Ext(path); ext != ".cfg" && ext != ".ini" {
		return nil, fmt.Errorf("%s: a configuration file must be an ini file named *.cfg or *.ini, not %q", path, ext)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	return parseINI(path, data)
}

// resolve finds one setting's value: its last environment variable set,
// else its last key in the file, else its default; then converts and checks
// it.
func (l *loader) resolve(d *Def, done map[string]Value) (Value, error) {
	if v, name, ok := l.fromEnv(d); ok {
		val, err := l.check(d, v, l.res.cwd)
		if err != nil && v == "" && isTypeError(err) {
			return l.resolveDefault(d, done)
		}
		if err != nil {
			return Value{}, &Error{Setting: d.Name, Where: name, Key: "environment variable " + name, Value: v, Expected: expected(err)}
		}
		return Value{V: val, Origin: "env: " + name}, nil
	}
	if iv, key, ok := l.fromFile(d); ok {
		val, err := l.check(d, iv.Text, filepath.Dir(l.file.Path))
		if err != nil {
			return Value{}, &Error{Setting: d.Name, Where: fmt.Sprintf("%s:%d:%d", l.file.Path, iv.Line, iv.Col),
				Key: key, Value: iv.Text, Expected: expected(err)}
		}
		return Value{V: val, Origin: l.file.Path, Line: iv.Line}, nil
	}
	return l.resolveDefault(d, done)
}

func (l *loader) resolveDefault(d *Def, done map[string]Value) (Value, error) {
	raw := d.Default
	if s, ok := raw.(string); ok && strings.Contains(s, homeDefault) {
		home, _ := done["ANSIBLE_HOME"].V.(string)
		raw = strings.ReplaceAll(s, homeDefault, home)
	}
	if raw == nil {
		return Value{Origin: "default"}, nil
	}
	val, err := l.check(d, raw, l.res.cwd)
	if err != nil {
		return Value{}, fmt.Errorf("configuration setting %s: bad default: %w", d.Name, err)
	}
	return Value{V: val, Origin: "default"}, nil
}

func (l *loader) fromEnv(d *Def) (string, string, bool) {
	var val, name string
	found := false
	for _, n := range d.Env {
		if v, ok := l.lookupEnv(n); ok {
			val, name, found = v, n, true
		}
	}
	return val, name, found
}

func (l *loader) fromFile(d *Def) (*iniValue, string, bool) {
	if l.file == nil {
		return nil, "", false
	}
	var found *iniValue
	var where string
	for _, k := range d.Ini {
		section, key, _ := strings.Cut(k, ".")
		if v, ok := l.file.lookup(section, key); ok {
			found, where = v, fmt.Sprintf("[%s] %s", section, key)
		}
	}
	return found, where, found != nil
}

// check converts raw to the setting's type and checks it against the
// setting's choices.
func (l *loader) check(d *Def, raw any, dir string) (any, error) {
	v, err := l.res.convert(d.Type, raw, dir)
	if err != nil || d.Choices == nil {
		return v, err
	}
	items := []string{}
	switch x := v.(type) {
	case string:
		items = append(items, x)
	case []string:
		items = x
	}
	for _, it := range items {
		if !slices.Contains(d.Choices, it) {
			return nil, &choiceError{value: it, choices: d.Choices}
		}
	}
	return v, nil
}

// choiceError is a value that is not one of its setting's choices.
type choiceError struct {
	value   string
	choices []string
}

func (e *choiceError) Error() string {
	s := "expected one of " + strings.Join(e.choices, ", ")
	if best, ok := suggest.Closest(e.value, e.choices); ok {
		s += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return s
}

func isTypeError(err error) bool {
	_, ok := err.(*errType)
	return ok
}

// expected is what an error of check says was expected.
func expected(err error) string {
	return strings.TrimPrefix(err.Error(), "expected ")
}
