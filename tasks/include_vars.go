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
		return includeVarsFailed(err.Error(), []any{}), nil
	}
	vars := map[string]any{}
	used := []any{}
	for _, f := range files {
		v, err := c.LoadFile(f)
		if err != nil {
			return includeVarsFailed(err.Error(), used), nil
		}
		m, ok := v.(map[string]any)
		if v != nil && !ok {
			return includeVarsFailed(f+" must be stored as a dictionary/hash", used), nil
		}
		for k, x := range m {
			vars[k] = x
		}
		used = append(used, f)
	}
	if name := c.Args.Str("name"); name != "" {
		vars = map[string]any{name: vars}
	}
	if c.Args.Str("hash_behaviour") == "merge" && c.Var != nil {
		for k, v := range vars {
			if old, ok := c.Var(k); ok {
				vars[k] = mergeVars(old, v)
			}
		}
	}
	r := &Result{Facts: vars}
	return r.Set("ansible_included_var_files", used), nil
}

// includeVarsFailed is include_vars' failure as Ansible's action returns
// it: the reason under "message" (not msg) with the files read so far.
func includeVarsFailed(msg string, used []any) *Result {
	return &Result{Failed: true, Values: map[string]any{"message": msg, "ansible_included_var_files": used}}
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
		// as Ansible looks for a file named by nothing
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

// mergeVars is Ansible's combine_vars with merge: dictionaries merged
// recursively (b's values win), anything else replaced by b.
func mergeVars(a, b any) any {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return b
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for k, v := range bm {
		if old, ok := out[k]; ok {
			v = mergeVars(old, v)
		}
		out[k] = v
	}
	return out
}
