package inventory

import (
	"errors"

	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drover/drover/internal/yamlx"
)

// varsExts are the extensions of group_vars/host_vars files, in the order
// Ansible tries them after the bare name.
var varsExts = []string{".yml", ".yaml", ".json"}

// varsDir caches one group_vars or host_vars directory: which entries exist
// and the vars already read for a name.
type varsDir struct {
	path    string
	entries map[string]fs.DirEntry
	loaded  map[string]map[string]any
}

// resolveVars computes every host's Vars with Ansible's precedence.
func (inv *Inventory) resolveVars() error {
	inv.preloadVarsFiles(inv.sources)
	defer func() { inv.preloaded = nil }()
	return inv.mergeHostVars()
}

// mergeHostVars computes every host's Vars from the inline vars and the
// vars files (read once, then cached).
func (inv *Inventory) mergeHostVars() error {
	all := inv.groups["all"]
	allFiles, err := inv.sourcesVars("group_vars", "all")
	if err != nil {
		return err
	}
	groupFiles := map[*group][]map[string]any{}
	for _, g := range inv.groupOrder {
		if g == all {
			continue
		}
		if groupFiles[g], err = inv.perSourceVars("group_vars", g.name); err != nil {
			return err
		}
	}
	for _, h := range inv.hostOrder {
		hostFiles, err := inv.sourcesVars("host_vars", h.Name)
		if err != nil {
			return err
		}
		groups := sortGroups(withoutGroup(h.groups, all))
		v := copyVars(all.vars)
		for _, g := range groups {
			mergeInto(v, g.vars)
		}
		mergeInto(v, allFiles)
		for i := range inv.sources {
			for _, g := range groups {
				if files := groupFiles[g]; files != nil {
					mergeInto(v, files[i])
				}
			}
		}
		mergeInto(v, h.vars)
		mergeInto(v, hostFiles)
		h.Vars = v
	}
	return nil
}

func withoutGroup(gs []*group, g *group) []*group {
	out := make([]*group, 0, len(gs))
	for _, x := range gs {
		if x != g {
			out = append(out, x)
		}
	}
	return out
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}

// sourcesVars merges the vars files for name found beside every source.
func (inv *Inventory) sourcesVars(sub, name string) (map[string]any, error) {
	per, err := inv.perSourceVars(sub, name)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, m := range per {
		mergeInto(out, m)
	}
	return out, nil
}

// perSourceVars returns, for each source in order, the vars of name found in
// its group_vars or host_vars directory (sub).
func (inv *Inventory) perSourceVars(sub, name string) ([]map[string]any, error) {
	out := make([]map[string]any, len(inv.sources))
	for i, src := range inv.sources {
		m, err := inv.loadVarsFor(src, sub, name)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// fileVarsFor is loadVarsFor for callers that have no way to report errors
// (they were reported when the inventory loaded).
func (inv *Inventory) fileVarsFor(src, sub, name string) map[string]any {
	m, _ := inv.loadVarsFor(src, sub, name)
	return m
}

// varsBase is the directory whose group_vars/ and host_vars/ apply to a
// source: the source itself when a directory, else its directory; "" for a
// host list.
func varsBase(src string) string {
	info, err := os.Stat(src)
	if err != nil {
		return ""
	}
	if info.IsDir() {
		return src
	}
	return filepath.Dir(src)
}

func (inv *Inventory) varsDirFor(src, sub string) (*varsDir, error) {
	key := src + "\x00" + sub
	if d, ok := inv.varsBySource[key]; ok {
		return d, nil
	}
	d, err := inv.openVarsDir(src, sub)
	if err != nil {
		return nil, err
	}
	if inv.varsBySource == nil {
		inv.varsBySource = map[string]*varsDir{}
	}
	inv.varsBySource[key] = d
	return d, nil
}

// openVarsDir lists the group_vars or host_vars directory beside src, once
// per real directory.
func (inv *Inventory) openVarsDir(src, sub string) (*varsDir, error) {
	base := varsBase(src)
	if base == "" {
		return nil, nil
	}
	path, err := filepath.Abs(filepath.Join(base, sub))
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if inv.varsDirs == nil {
		inv.varsDirs = map[string]*varsDir{}
	}
	if d, ok := inv.varsDirs[path]; ok {
		return d, nil
	}
	d := &varsDir{path: path, entries: map[string]fs.DirEntry{}, loaded: map[string]map[string]any{}}
	inv.varsDirs[path] = d
	entries, err := os.ReadDir(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return d, nil
		}
		if info, serr := os.Stat(path); serr == nil && !info.IsDir() {
			inv.warn("Found %s that is not a directory, skipping: %s", sub, path)
			return d, nil
		}
		return nil, err
	}
	for _, e := range entries {
		d.entries[e.Name()] = e
	}
	return d, nil
}

// loadVarsFor reads the vars of name from the group_vars or host_vars
// directory beside src: the first of NAME (a file, or a directory read
// recursively), NAME.yml, NAME.yaml, NAME.json that exists.
func (inv *Inventory) loadVarsFor(src, sub, name string) (map[string]any, error) {
	if strings.HasPrefix(name, "/") {
		return nil, nil
	}
	d, err := inv.varsDirFor(src, sub)
	if err != nil || d == nil {
		return nil, err
	}
	if m, ok := d.loaded[name]; ok {
		return m, nil
	}
	files, err := d.find(name)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range files {
		m, err := inv.readVarsFile(f)
		if err != nil {
			return nil, err
		}
		mergeInto(out, m)
	}
	d.loaded[name] = out
	return out, nil
}

func (d *varsDir) find(name string) ([]string, error) {
	if strings.Contains(name, "/") {
		return nil, nil
	}
	for _, ext := range append([]string{""}, varsExts...) {
		e, ok := d.entries[name+ext]
		if !ok {
			continue
		}
		full := filepath.Join(d.path, name+ext)
		info, err := os.Stat(full)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			_ = e
			return dirVarsFiles(full)
		}
		return []string{full}, nil
	}
	return nil, nil
}

// dirVarsFiles lists the vars files of a NAME/ directory, sorted, recursing
// into subdirectories without an extension, skipping hidden and backup files.
func dirVarsFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full := filepath.Join(dir, n)
		info, err := os.Stat(full)
		if err != nil {
			return nil, err
		}
		ext := filepath.Ext(n)
		switch {
		case info.IsDir() && ext == "":
			sub, err := dirVarsFiles(full)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case info.Mode().IsRegular() && (ext == "" || contains(varsExts, ext)):
			out = append(out, full)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readVarsFile reads one group_vars/host_vars file: YAML or JSON, possibly
// vaulted, holding a mapping (or nothing). A file preloaded is not read
// again.
func (inv *Inventory) readVarsFile(path string) (map[string]any, error) {
	r, ok := inv.preloaded[path]
	if !ok {
		r = inv.parseVarsFile(path)
	}
	for _, w := range r.warnings {
		inv.warn("%s", w)
	}
	return r.vars, r.err
}

// varsFile is what reading one vars file gave.
type varsFile struct {
	vars     map[string]any
	warnings []string
	err      error
}

// parseVarsFile reads one vars file without touching inv, so files can be
// read in parallel.
func (inv *Inventory) parseVarsFile(path string) varsFile {
	f, err := yamlx.LoadFile(path, inv.opts.Decrypt)
	if err != nil {
		return varsFile{err: err}
	}
	if len(f.Docs) == 0 {
		return varsFile{}
	}
	if len(f.Docs) > 1 {
		return varsFile{err: f.Errorf(f.Docs[1], "expected a single document in the stream")}
	}
	v, err := f.Value(f.Docs[0], inv.valueOptions())
	r := varsFile{warnings: f.Warnings(), err: err}
	if err != nil {
		return r
	}
	switch m := v.(type) {
	case nil:
	case map[string]any:
		r.vars = m
	default:
		r.err = f.Errorf(f.Docs[0], "variables file must hold a mapping of variable names to values, got a %s", yamlx.KindName(f.Docs[0]))
	}
	return r
}

func (inv *Inventory) valueOptions() yamlx.Options {
	return yamlx.Options{Vault: inv.opts.Decrypt, Unsafe: inv.opts.Unsafe, VaultValue: inv.opts.VaultValue, KeepTypes: inv.opts.KeepTypes}
}

func statPath(p string) (fs.FileInfo, error) { return os.Stat(p) }
