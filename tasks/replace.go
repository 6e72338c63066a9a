package tasks

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/drover/drover/internal/pyregex"
)

func init() {
	Register(&Spec{
		Name: "replace",
		Args: append([]Arg{
			{Name: "path", Aliases: []string{"dest", "destfile", "name"}, Type: Path, Required: true},
			{Name: "regexp", Type: Str, Required: true},
			{Name: "replace", Type: Str, Default: ""},
			{Name: "after", Type: Str},
			{Name: "before", Type: Str},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "validate", Type: Str},
			{Name: "encoding", Type: Str, Default: "utf-8"},
		}, fileCommonArgs()...),
		Run: runReplace,
	})
}

func runReplace(ctx context.Context, c *Call) (*Result, error) {
	p, err := ExpandUser(ctx, c.Conn, c.Args.Str("path"))
	if err != nil {
		return nil, err
	}
	f, err := readTextFile(ctx, c.Conn, p)
	if err != nil {
		return Failf("%v", err), hostOnly(err)
	}
	if f.exists && f.info.IsDir() {
		return Failf("Path %s is a directory !", p).Set("rc", 256), nil
	}
	if !f.exists {
		return Failf("Path %s does not exist !", p).Set("rc", 257), nil
	}
	if !utf8.Valid(f.content) {
		return Failf("Unable to read the contents of %s: 'utf-8' codec can't decode the file", p), nil
	}
	contents := string(f.content)
	out, n, failure := replaceText(contents, c.Args.Str("regexp"), c.Args.Str("replace"), c.Args.Str("after"), c.Args.Str("before"))
	if failure != nil {
		return failure.Set("rc", 0), nil
	}
	r := &Result{}
	r.Set("rc", 0)
	changed := n > 0 && out != contents
	if changed {
		r.Msg = fmt.Sprintf("%d replacements made", n)
		if c.Diff {
			setDiff(r, map[string]any{"before_header": p, "before": contents, "after_header": p, "after": out})
		}
	}
	if failure := checkValidate(c.Args.Str("validate")); failure != nil && changed && !c.Check {
		return failure, nil
	}
	e, err := f.save(ctx, c, []byte(out), changed, c.Args.Bool("backup") && changed, c.Args.Str("validate"))
	if err != nil || e.failure != nil {
		return e.failure, err
	}
	if e.validate != nil {
		return validateFailure(e.validate), nil
	}
	if e.backup != "" {
		r.Set("backup_file", e.backup)
	}
	if e.attrChanged {
		if changed {
			r.Msg += " and "
		}
		changed = true
		r.Msg += "ownership, perms or SE linux context changed"
	}
	r.Changed = changed
	if r.Msg == "" {
		r.Set("msg", "")
	}
	return r, nil
}

// replaceText is the replace module's substitution: regexp (MULTILINE)
// replaced by the template repl in the section between after and before
// (DOTALL patterns), and the number of replacements. A section that is
// not found gives the module's unchanged result.
func replaceText(contents, regexp, repl, after, before string) (string, int, *Result) {
	pattern := ""
	switch {
	case after != "" && before != "":
		pattern = fmt.Sprintf("%s(?P<subsection>.*?)%s", after, before)
	case after != "":
		pattern = fmt.Sprintf("%s(?P<subsection>.*)", after)
	case before != "":
		pattern = fmt.Sprintf("(?P<subsection>.*)%s", before)
	}
	section, start, end := contents, 0, len(contents)
	if pattern != "" {
		sre, err := compileRegex(pattern, pyregex.Flags{DotAll: true})
		if err != nil {
			return "", 0, Failf("%v", err)
		}
		m, err := sre.Search(contents)
		if err != nil {
			return "", 0, Failf("%v", err)
		}
		if m == nil {
			return contents, 0, &Result{Msg: "Pattern for before/after params did not match the given file: " + pattern}
		}
		g := sre.GroupIndex("subsection")
		start, end = m.Span(g)
		section = contents[start:end]
	}
	mre, err := compileRegex(regexp, pyregex.Flags{Multiline: true})
	if err != nil {
		return "", 0, Failf("%v", err)
	}
	out, n, err := mre.Subn(section, repl, 0)
	if err != nil {
		return "", 0, Failf("%v", err)
	}
	return contents[:start] + out + contents[end:], n, nil
}
