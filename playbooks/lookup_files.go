package playbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// The lookup plugins that read controller files: file, unvault, template,
// fileglob and first_found.

// templateLookupOptions are the template lookup's keyword options.
var templateLookupOptions = []string{"convert_data", "template_vars", "jinja2_native", "variable_start_string",
	"variable_end_string", "comment_start_string", "comment_end_string"}

// readFile reads a controller file a lookup found, decrypting it in
// memory when it is vault-encrypted.
func (lc *lookupCtx) readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decryptFile(path, b, lc.ps.run.opts.Vault)
}

// decryptFile decrypts the content of a vault-encrypted file that a lookup
// read, in memory, as Ansible's loader does; other content is returned as
// it is.
func decryptFile(path string, b []byte, vault func(string, []byte) ([]byte, error)) ([]byte, error) {
	if !strings.HasPrefix(string(b[:min(len(b), 16)]), "$ANSIBLE_VAULT;") {
		return b, nil
	}
	if vault == nil {
		return nil, fmt.Errorf("%s: vault: no vault password given to decrypt this file (use --vault-id, --vault-password-file or --ask-vault-pass)", path)
	}
	return vault(path, b)
}

// lookupFile is the file plugin: the content of each file, found under
// files/ of the search path, stripped (rstrip by default).
func lookupFile(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	lstrip, err := opts.boolOpt("lstrip", false)
	if err != nil {
		return nil, err
	}
	rstrip, err := opts.boolOpt("rstrip", true)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		name := pyStr(term)
		p, ok := lc.findInSearchPath("files", name, false)
		if !ok {
			return nil, unhandledErrorf("could not locate file in lookup: %s", name)
		}
		b, err := lc.readFile(p)
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) || isDirErr(err) {
				return nil, unhandledErrorf("could not locate file in lookup: %s", name)
			}
			return nil, err
		}
		s := string(b)
		if lstrip {
			s = pyLstrip(s)
		}
		if rstrip {
			s = pyRstrip(s)
		}
		out = append(out, s)
	}
	return out, nil
}

// isDirErr tells the error of reading a directory as a file.
func isDirErr(err error) bool {
	return err != nil && strings.Contains(err.Error(), "is a directory")
}

// lookupUnvault is the unvault plugin: each file's content, decrypted,
// unstripped.
func lookupUnvault(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		name := pyStr(term)
		p, ok := lc.findInSearchPath("files", name, false)
		if !ok {
			return nil, &lookupError{msg: fmt.Sprintf("Unable to find file matching \"%s\" ", name), class: "ansible.errors.AnsibleParserError"}
		}
		b, err := lc.readFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// lookupTemplate is the template plugin: each file of templates/ rendered
// with the task's variables, the template_* variables and template_vars.
func lookupTemplate(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	convert, err := opts.boolOpt("convert_data", true)
	if err != nil {
		return nil, err
	}
	if _, err := opts.boolOpt("jinja2_native", false); err != nil {
		return nil, err
	}
	extra := map[string]any{}
	if v, ok := opts["template_vars"]; ok && v != nil {
		m, isMap := jinja.ToPlain(unwrap(v)).(map[string]any)
		if !isMap {
			return nil, optionsErrorf("Invalid type for configuration option template_vars: %s is not a dict", pyRepr(v))
		}
		extra = m
	}
	delims := make([]string, 4)
	for i, k := range []string{"variable_start_string", "variable_end_string", "comment_start_string", "comment_end_string"} {
		delims[i], _ = opts.strOpt(k)
	}
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		v, err := lc.renderTemplateFile(pyStr(term), extra, delims, convert)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// renderTemplateFile renders one file of the template lookup.
func (lc *lookupCtx) renderTemplateFile(name string, extra map[string]any, delims []string, convert bool) (any, error) {
	p, ok := lc.findInSearchPath("templates", name, false)
	if !ok {
		return nil, unhandledErrorf("the template file %s could not be found for the lookup", name)
	}
	b, err := lc.readFile(p)
	if err != nil {
		return nil, err
	}
	text := tasks.TranslateDelims(string(b), delims[0], delims[1], delims[2], delims[3])
	vars := jinja.ChainVars{jinja.MapVars(extra), jinja.MapVars(tasks.TemplateVars(name, p, "")), lc.vars}
	loader := jinja.DirLoader{filepath.Dir(p)}
	for _, d := range lc.searchPath() {
		loader = append(loader, filepath.Join(d, "templates"), d)
	}
	res, err := lc.env().RenderFileWith(p, []byte(text), vars, jinja.Options{TrimBlocks: true, NewlineSequence: "\n", Loader: loader})
	if err != nil {
		return nil, err
	}
	if convert {
		if v, ok := jinja.LiteralEval(res); ok {
			return v, nil
		}
	}
	return res, nil
}

// lookupFileglob is the fileglob plugin: the files matching each pattern,
// in the first directory of the search path (or files/ under it) that has
// any.
func lookupFileglob(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	var out []any
	for _, term := range terms {
		pat := pyStr(term)
		dir, base := pySplitPath(pat)
		var dirs []string
		if base != pat {
			if found, ok := lc.findInSearchPath("files", dir, false); ok {
				dirs = append(dirs, found)
			}
		} else {
			for _, p := range lc.searchPath() {
				dirs = append(dirs, joinPy(p, "files"), p)
			}
		}
		for _, d := range dirs {
			if matches := globFiles(joinPy(d, base)); len(matches) > 0 {
				out = append(out, matches...)
				break
			}
		}
	}
	return out, nil
}

// pySplitPath is os.path.dirname and os.path.basename.
func pySplitPath(p string) (dir, base string) {
	i := strings.LastIndex(p, "/") + 1
	dir, base = p[:i], p[i:]
	if trimmed := strings.TrimRight(dir, "/"); trimmed != "" {
		dir = trimmed
	}
	return dir, base
}

// registerControllerFilters adds the filters that read the controller's
// files: fileglob (the regular files a pattern matches, as glob.glob).
func registerControllerFilters(env *jinja.Env) {
	env.AddFilter("fileglob", func(v any, _ []any, _ map[string]any) (any, error) {
		out := globFiles(pyStr(v))
		if out == nil {
			out = []any{}
		}
		return out, nil
	})
}

// globFiles is glob.glob keeping regular files: matches of the last path
// element in the directory's own order (as Python lists it), hidden files
// only for a pattern starting with a dot.
func globFiles(pattern string) []any {
	dir, base := pySplitPath(pattern)
	if !strings.ContainsAny(base, "*?[") {
		if st, err := os.Stat(pattern); err == nil && st.Mode().IsRegular() {
			return []any{pattern}
		}
		return nil
	}
	if strings.ContainsAny(dir, "*?[") {
		return globSorted(pattern)
	}
	open := dir
	if open == "" {
		open = "."
	}
	f, err := os.Open(open)
	if err != nil {
		return nil
	}
	names, _ := f.Readdirnames(-1)
	_ = f.Close()
	goPat := strings.ReplaceAll(base, "[!", "[^")
	var out []any
	for _, n := range names {
		if strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if ok, _ := filepath.Match(goPat, n); !ok {
			continue
		}
		full := joinPy(dir, n)
		if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
			out = append(out, full)
		}
	}
	return out
}

// globSorted globs a pattern whose directories hold wildcards too.
func globSorted(pattern string) []any {
	matches, _ := filepath.Glob(pattern)
	var out []any
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
			out = append(out, m)
		}
	}
	return out
}

// lookupFirstFound is the first_found plugin: the path of the first file
// found among the candidates (files, or files under each of paths).
func lookupFirstFound(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	cands, skip, err := firstFoundCandidates(terms, opts)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		name, ok := c.(string)
		if !ok {
			continue
		}
		v, err := lc.env().Template(name, lc.vars)
		if err != nil {
			if jinja.IsUndefined(err) {
				continue
			}
			return nil, err
		}
		if p, found := lc.findInSearchPath(lc.subdir, pyStr(v), true); found {
			return []any{p}, nil
		}
	}
	if skip {
		return []any{}, nil
	}
	return nil, lookupErrorf("No file was found when using first_found.")
}

// firstFoundCandidates is first_found's _process_terms: the paths to try
// and the skip option (the last one given wins).
func firstFoundCandidates(terms []any, opts lookupOpts) ([]any, bool, error) {
	var total []any
	skip := false
	for _, term := range terms {
		o := opts
		switch {
		case isMap(term):
			o = lookupOpts{}
			for _, k := range mapKeysOf(term) {
				o[pyStr(k)], _ = mapValue(term, k)
			}
		case isStr(term):
		default:
			l, ok := seqOf(term)
			if !ok {
				return nil, false, lookupErrorf("Invalid term supplied, can handle string, mapping or list of strings but got: <class '%s'> for %s", pyTypeName(term), pyStr(term))
			}
			partial, s, err := firstFoundCandidates(l, opts)
			if err != nil {
				return nil, false, err
			}
			total, skip = append(total, partial...), s
			continue
		}
		var err error
		if skip, err = o.boolOpt("skip", false); err != nil {
			return nil, false, err
		}
		files, paths := splitOn(o.listOpt("files"), ",;"), splitOn(o.listOpt("paths"), ",:;")
		switch {
		case len(paths) > 0:
			for _, p := range paths {
				for _, f := range files {
					total = append(total, joinPy(p, f))
				}
			}
		case len(files) > 0:
			total = stringsToAny(files)
		default:
			total = append(total, unwrap(term))
		}
	}
	return total, skip, nil
}

// isStr reports whether v is a string.
func isStr(v any) bool {
	_, ok := unwrap(v).(string)
	return ok
}

// splitOn is first_found's _split_on: each string split on any of chars.
func splitOn(values []any, chars string) []string {
	var out []string
	for _, v := range values {
		if l, ok := seqOf(v); ok {
			out = append(out, splitOn(l, chars)...)
			continue
		}
		part := ""
		for _, r := range pyStr(v) {
			if strings.ContainsRune(chars, r) {
				out, part = append(out, part), ""
				continue
			}
			part += string(r)
		}
		out = append(out, part)
	}
	return out
}
