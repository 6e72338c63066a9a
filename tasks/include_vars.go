package tasks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

func init() {
	Register(&Spec{
		Name: "include_vars",
		Args: []Arg{
			{Name: "file", Type: Path},
			{Name: "dir", Type: Path},
			{Name: "name", Type: Str},
			{Name: "depth", Type: Int, Default: 0},
			{Name: "files_matching", Type: Str},
			{Name: "ignore_files", Type: List, Elements: Str},
			{Name: "extensions", Type: List, Elements: Str, Default: []any{"json", "yaml", "yml"}},
			{Name: "ignore_unknown_extensions", Type: Bool, Default: false},
			{Name: "hash_behaviour", Type: Str, Choices: []string{"replace", "merge"}},
		},
		FreeForm:          FreeFormOptional,
		MutuallyExclusive: [][]string{{"file", "dir"}},
		Controller:        true,
		Facts:             IncludeVars,
		Run:               runIncludeVars,
	})
}

// runIncludeVars reads a YAML/JSON vars file (or every one in a directory)
// on the controller; the engine stores the result at include_vars
// precedence.
func runIncludeVars(_ context.Context, c *Call) (*Result, error) {
	files, err := includeVarsFiles(c)
	if err != nil {
		return includeVarsFailed(err.Error()), nil
	}
	vars := map[string]any{}
	used := []any{}
	for _, f := range files {
		v, err := c.LoadFile(f)
		if err != nil {
			return includeVarsFailed(err.Error()), nil
		}
		m, ok := v.(map[string]any)
		if v != nil && !ok {
			return includeVarsFailed(f + " must be stored as a dictionary/hash"), nil
		}
		for k, x := range m {
			vars[k] = x
		}
		used = append(used, f)
	}
	if name := c.Args.Str("name"); name != "" {
		vars = map[string]any{name: vars}
	}
	if c.Args.Str("hash_behaviour") == "merge" {
		if err := mergeWithCurrent(c, vars); err != nil {
			return includeVarsFailed(err.Error()), nil
		}
	}
	r := &Result{Facts: vars}
	return r.Set("ansible_included_var_files", used), nil
}

// mergeWithCurrent merges each read mapping into the variable's current
// value (hash_behaviour: merge), recursively, the file's values winning.
func mergeWithCurrent(c *Call, vars map[string]any) error {
	for k, v := range vars {
		raw, ok := c.Var(k)
		if !ok {
			continue
		}
		old, err := c.Template(raw)
		if err != nil {
			return err
		}
		vars[k] = mergeValues(old, v)
	}
	return nil
}

// mergeValues is Ansible's recursive merge_hash of two values: mappings
// merge key by key, anything else is replaced by the new value.
func mergeValues(old, v any) any {
	om, ok1 := old.(map[string]any)
	nm, ok2 := v.(map[string]any)
	if !ok1 || !ok2 {
		return v
	}
	out := make(map[string]any, len(om)+len(nm))
	for k, x := range om {
		out[k] = x
	}
	for k, x := range nm {
		out[k] = mergeValues(out[k], x)
	}
	return out
}

// includeVarsFailed is include_vars' failure: its reason under "message",
// as Ansible's action returns it.
func includeVarsFailed(msg string) *Result {
	r := &Result{Failed: true, Facts: map[string]any{}}
	return r.Set("message", msg).Set("ansible_included_var_files", []any{})
}

func includeVarsFiles(c *Call) ([]string, error) {
	if dir := c.Args.Str("dir"); dir != "" {
		root, err := c.Find("vars", dir)
		if err != nil {
			return nil, err
		}
		return varsDirFiles(c, root)
	}
	name := c.Args.Str("file")
	if name == "" {
		name = c.Args.Str(RawParams)
	}
	if name == "" {
		return nil, fmt.Errorf("Could not find file on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option")
	}
	p, err := c.Find("vars", name)
	if err != nil {
		return nil, err
	}
	return []string{p}, nil
}

// varsDirFiles lists the vars files of a directory, sorted, recursing up to
// depth levels (0: no limit).
func varsDirFiles(c *Call, root string) ([]string, error) {
	var match *regexp.Regexp
	if m := c.Args.Str("files_matching"); m != "" {
		var err error
		if match, err = regexp.Compile(m); err != nil {
			return nil, err
		}
	}
	exts := c.Args.Strings("extensions")
	ignore := c.Args.Strings("ignore_files")
	depth := c.Args.Int("depth")
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		level := len(strings.Split(rel, string(filepath.Separator)))
		if d.IsDir() {
			if depth > 0 && p != root && level >= depth {
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		if slices.Contains(ignore, base) || (match != nil && !match.MatchString(base)) {
			return nil
		}
		if !slices.Contains(exts, strings.TrimPrefix(filepath.Ext(base), ".")) {
			if c.Args.Bool("ignore_unknown_extensions") {
				return nil
			}
			return fmt.Errorf("%s does not have a valid extension: %s", p, strings.Join(exts, ", "))
		}
		out = append(out, p)
		return nil
	})
	sort.Strings(out)
	return out, err
}
