package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/drover/drover/internal/yamlx"
)

// ignoredEntry matches directory entries Ansible skips when a directory is an
// inventory source: hidden files, group_vars, host_vars, vars_plugins and
// files with the extensions of INVENTORY_IGNORE_EXTS.
var ignoredEntry = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|` +
	`(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)

// yamlExts are the extensions that make a file a YAML inventory candidate
// (with files that have no extension).
var yamlExts = []string{".yaml", ".yml", ".json"}

func (inv *Inventory) parseSource(ctx context.Context, src string) error {
	if strings.Contains(src, ",") {
		if _, err := os.Stat(src); err != nil {
			return inv.parseHostList(src)
		}
	}
	path := expandHome(src)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && inv.opts.AnyUnparsedFails {
		return fmt.Errorf("inventory source %s: no such file or directory (a list of hosts needs a comma: %q)", src, src+",")
	}
	if errors.Is(err, fs.ErrNotExist) {
		inv.warn("Unable to parse %s as an inventory source", absSource(src))
		inv.unparsed++
		return nil
	}
	if err != nil {
		return fmt.Errorf("inventory source %s: %w", src, err)
	}
	if info.IsDir() {
		return inv.parseDir(ctx, path)
	}
	return inv.parseFile(ctx, path)
}

// absSource is a source as Ansible names it: a path made absolute, a host
// list (it has a comma) as given.
func absSource(src string) string {
	if strings.Contains(src, ",") {
		return src
	}
	if abs, err := filepath.Abs(expandHome(src)); err == nil {
		return abs
	}
	return src
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// parseHostList reads a comma-separated list of hosts, each with an
// optional port; every host goes to ungrouped.
func (inv *Inventory) parseHostList(list string) error {
	inv.setSource(list)
	defer inv.setSource("")
	for _, h := range strings.Split(list, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port, err := ParseAddress(h, false)
		if err != nil {
			host, port = h, 0
		}
		if _, ok := inv.hosts[host]; ok {
			continue
		}
		if _, err := inv.addHost(host, "ungrouped", port); err != nil {
			return fmt.Errorf("host list %q: %v", list, err)
		}
	}
	return nil
}

func (inv *Inventory) parseDir(ctx context.Context, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("inventory directory %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if ignoredEntry.MatchString(n) {
			continue
		}
		full := filepath.Join(dir, n)
		info, err := os.Stat(full)
		if err != nil {
			return fmt.Errorf("inventory source %s: %w", full, err)
		}
		if info.IsDir() {
			err = inv.parseDir(ctx, full)
		} else {
			err = inv.parseFile(ctx, full)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseFile picks the reader for one file the way Ansible's plugins take
// turns: an executable file (or one starting with #!) is a dynamic inventory
// script; a .yml, .yaml, .json file or one without extension is YAML when it
// holds a mapping; anything else is INI.
func (inv *Inventory) parseFile(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	inv.setSource(abs)
	defer inv.setSource("")
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("inventory source %s: %w", path, err)
	}
	if isExecutable(path) {
		err := inv.parseScript(ctx, abs)
		if !errors.Is(err, syscall.ENOEXEC) {
			return err
		}
	}
	ext := filepath.Ext(path)
	switch {
	case ext == ".toml":
		return fmt.Errorf("%s: TOML inventories are not supported; use YAML or INI", path)
	case contains(yamlExts, ext):
		return inv.parseYAMLFile(path, src, true)
	case ext == "":
		return inv.parseUnknown(path, src)
	}
	return inv.parseINI(path, src)
}

// parseUnknown reads a file without extension: as YAML when it parses to a
// mapping, else as INI.
func (inv *Inventory) parseUnknown(path string, src []byte) error {
	f, yerr := yamlx.Load(path, src, inv.opts.Decrypt)
	if yerr == nil && len(f.Docs) == 1 && yamlx.KindName(f.Docs[0]) == "mapping" {
		return inv.parseYAML(f)
	}
	if yerr != nil && looksLikeYAML(src) {
		return yerr
	}
	return inv.parseINI(path, src)
}

// looksLikeYAML reports whether the first meaningful line of src reads as
// YAML rather than INI: a document start or a "key:" line.
func looksLikeYAML(src []byte) bool {
	for _, line := range bytes.Split(src, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
			continue
		}
		return t == "---" || strings.HasSuffix(t, ":") || strings.Contains(t, ": ")
	}
	return false
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	return info.Mode().Perm()&0o111 != 0 && syscall.Access(path, 1) == nil
}

// setSource records the source being read, for inventory_file and
// inventory_dir of the hosts it adds.
func (inv *Inventory) setSource(src string) {
	inv.source = src
	inv.sourceDirValue = nil
}
