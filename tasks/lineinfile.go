package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/drover/drover/internal/pyregex"
)

func init() {
	Register(&Spec{
		Name: "lineinfile",
		Args: append([]Arg{
			{Name: "path", Aliases: []string{"dest", "destfile", "name"}, Type: Path, Required: true},
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "regexp", Aliases: []string{"regex"}, Type: Str},
			{Name: "search_string", Type: Str},
			{Name: "line", Aliases: []string{"value"}, Type: Str},
			{Name: "insertafter", Type: Str},
			{Name: "insertbefore", Type: Str},
			{Name: "backrefs", Type: Bool, Default: false},
			{Name: "create", Type: Bool, Default: false},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "firstmatch", Type: Bool, Default: false},
			{Name: "validate", Type: Str},
		}, fileCommonArgs()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"}, {"backrefs", "search_string"}},
		Run:               runLineinfile,
	})
}

// lineSpec is what lineinfile looks for and writes; nil pointers are
// Python's None.
type lineSpec struct {
	regexp       *pyregex.Regexp
	searchString *string
	line         *string
	insertAfter  *string
	insertBefore *string
	backrefs     bool
	firstmatch   bool
}

func strArg(c *Call, name string) *string {
	if !c.Args.Has(name) {
		return nil
	}
	s := c.Args.Str(name)
	return &s
}

func runLineinfile(ctx context.Context, c *Call) (*Result, error) {
	p, err := ExpandUser(ctx, c.Conn, c.Args.Str("path"))
	if err != nil {
		return nil, err
	}
	spec := lineSpec{searchString: strArg(c, "search_string"), line: strArg(c, "line"),
		insertAfter: strArg(c, "insertafter"), insertBefore: strArg(c, "insertbefore"),
		backrefs: c.Args.Bool("backrefs"), firstmatch: c.Args.Bool("firstmatch")}
	var warnings []string
	if re := strArg(c, "regexp"); re != nil {
		if *re == "" {
			warnings = append(warnings, emptyMatchWarning("regular expression"))
		}
		if spec.regexp, err = compileRegex(*re, pyregex.Flags{}); err != nil {
			return Failf("%v", err), nil
		}
	} else if spec.searchString != nil && *spec.searchString == "" {
		warnings = append(warnings, emptyMatchWarning("search string"))
	}
	f, err := readTextFile(ctx, c.Conn, p)
	if err != nil {
		return Failf("%v", err), hostOnly(err)
	}
	if f.exists && f.info.IsDir() {
		return Failf("Path %s is a directory !", p).Set("rc", 256), nil
	}
	var r *Result
	if c.Args.Str("state") == "present" {
		r, err = lineinfilePresent(ctx, c, f, spec)
	} else {
		r, err = lineinfileAbsent(ctx, c, f, spec)
	}
	if r != nil {
		r.Warnings = append(warnings, r.Warnings...)
	}
	return r, err
}

// hostOnly passes on an error only when it is the host's or the run's.
func hostOnly(err error) error {
	if hostErr(err) {
		return err
	}
	return nil
}

func emptyMatchWarning(what string) string {
	msg := fmt.Sprintf("The %s is an empty string, which will match every line in the file. "+
		"This may have unintended consequences, such as replacing the last line in the file rather than appending.", what)
	if what == "regular expression" {
		msg += " If this is desired, use '^' to match every line in the file and avoid this warning."
	}
	return msg
}

// contentDiff is the (content) half of the text modules' diffs.
func contentDiff(p string) map[string]any {
	return map[string]any{"before": "", "after": "", "before_header": p + " (content)", "after_header": p + " (content)"}
}

func lineinfilePresent(ctx context.Context, c *Call, f *textFile, spec lineSpec) (*Result, error) {
	p := f.path
	if spec.backrefs && spec.regexp == nil {
		return Failf("regexp is required with backrefs=true"), nil
	}
	if spec.line == nil {
		return Failf("line is required with state=present"), nil
	}
	if spec.insertBefore == nil && spec.insertAfter == nil {
		eof := "EOF"
		spec.insertAfter = &eof
	}
	if !f.exists && !c.Args.Bool("create") {
		return Failf("Destination %s does not exist !", p).Set("rc", 257), nil
	}
	diff := contentDiff(p)
	lines := splitLinesKeep(string(f.content))
	if c.Diff {
		diff["before"] = string(f.content)
	}
	out, msg, changed, err := presentLines(lines, spec)
	if err != nil {
		return Failf("%v", err), nil
	}
	newContent := strings.Join(out, "")
	if c.Diff {
		diff["after"] = newContent
	}
	return finishLineEdit(ctx, c, f, []byte(newContent), changed, msg, diff, nil)
}

// finishLineEdit writes a lineinfile edit and builds the result; found is
// set for state=absent.
func finishLineEdit(ctx context.Context, c *Call, f *textFile, content []byte, changed bool, msg string, diff map[string]any, found *int) (*Result, error) {
	if c.Check && !f.exists {
		r := &Result{Changed: changed, Msg: msg}
		return setDiff(r.Set("backup", ""), diff), nil
	}
	e, stop, err := saveEdit(ctx, c, f, content, changed)
	if stop != nil || err != nil {
		return stop, err
	}
	if found != nil && changed {
		msg = fmt.Sprintf("%d line(s) removed", *found)
	}
	r := editResult(f, e, changed, msg, diff).Set("backup", e.backup)
	if found != nil {
		r.Set("found", *found)
	}
	return r, nil
}

// presentLines is lineinfile's state=present on a file's lines (each with
// its newline): the new lines, the message and whether they changed.
func presentLines(lines []string, spec lineSpec) ([]string, string, bool, error) {
	var insRe *pyregex.Regexp
	var err error
	switch {
	case spec.insertAfter != nil && *spec.insertAfter != "BOF" && *spec.insertAfter != "EOF":
		insRe, err = compileRegex(*spec.insertAfter, pyregex.Flags{})
	case spec.insertBefore != nil && *spec.insertBefore != "BOF":
		insRe, err = compileRegex(*spec.insertBefore, pyregex.Flags{})
	}
	if err != nil {
		return nil, "", false, err
	}
	line := *spec.line
	index := [2]int{-1, -1}
	var match *pyregex.Match
	matched, exact := false, false
	if spec.regexp != nil {
		for i, cur := range lines {
			m, err := spec.regexp.Search(cur)
			if err != nil {
				return nil, "", false, err
			}
			if m != nil {
				index[0], match, matched = i, m, true
				if spec.firstmatch {
					break
				}
			}
		}
	}
	if spec.searchString != nil {
		for i, cur := range lines {
			if strings.Contains(cur, *spec.searchString) {
				index[0], matched = i, true
				if spec.firstmatch {
					break
				}
			}
		}
	}
	if !matched {
		for i, cur := range lines {
			if line == strings.TrimRight(cur, "\r\n") {
				index[0], exact = i, true
				continue
			}
			if insRe == nil {
				continue
			}
			m, err := insRe.Search(cur)
			if err != nil {
				return nil, "", false, err
			}
			if m == nil {
				continue
			}
			if truthy(spec.insertAfter) {
				index[1] = i + 1
				if spec.firstmatch {
					break
				}
			}
			if truthy(spec.insertBefore) {
				index[1] = i
				if spec.firstmatch {
					break
				}
			}
		}
	}
	return placeLine(lines, spec, line, index, match, matched, exact)
}

func truthy(s *string) bool { return s != nil && *s != "" }

func isStr(s *string, v string) bool { return s != nil && *s == v }

// placeLine is the second half of lineinfile's present(): replace the
// matched line or insert the line where it belongs.
func placeLine(lines []string, spec lineSpec, line string, index [2]int, match *pyregex.Match, matched, exact bool) ([]string, string, bool, error) {
	added := func() ([]string, string, bool, error) { return lines, "line added", true, nil }
	switch {
	case index[0] != -1:
		newLine := line
		if spec.backrefs && match != nil {
			var err error
			if newLine, err = match.Expand(line); err != nil {
				return nil, "", false, err
			}
		}
		if !strings.HasSuffix(newLine, "\n") {
			newLine += "\n"
		}
		if spec.regexp == nil && spec.searchString == nil && !matched && !exact {
			return insertNear(lines, spec, line, index)
		}
		if lines[index[0]] != newLine {
			lines[index[0]] = newLine
			return lines, "line replaced", true, nil
		}
		return lines, "", false, nil
	case spec.backrefs:
		return lines, "", false, nil
	case isStr(spec.insertBefore, "BOF") || isStr(spec.insertAfter, "BOF"):
		lines = append([]string{line + "\n"}, lines...)
		return added()
	case isStr(spec.insertAfter, "EOF") || index[1] == -1:
		if len(lines) > 0 && !endsNewline(lines[len(lines)-1]) {
			lines = append(lines, "\n")
		}
		lines = append(lines, line+"\n")
		return added()
	case truthy(spec.insertAfter) && index[1] != -1:
		if len(lines) == index[1] {
			if strings.TrimRight(lines[index[1]-1], "\r\n") != line {
				lines = append(lines, line+"\n")
				return added()
			}
			return lines, "", false, nil
		}
		if line != strings.TrimRight(lines[index[1]], "\n\r") {
			lines = insertAt(lines, index[1], line+"\n")
			return added()
		}
		return lines, "", false, nil
	}
	lines = insertAt(lines, index[1], line+"\n")
	return added()
}

// insertNear is the branch of present() for a line found by exact match
// only when neither regexp nor search_string were given (kept as Ansible
// has it).
func insertNear(lines []string, spec lineSpec, line string, index [2]int) ([]string, string, bool, error) {
	if truthy(spec.insertAfter) && *spec.insertAfter != "EOF" {
		if len(lines) > 0 && !endsNewline(lines[len(lines)-1]) {
			lines[len(lines)-1] += "\n"
		}
		if len(lines) == index[1] {
			if strings.TrimRight(lines[index[1]-1], "\r\n") != line {
				return append(lines, line+"\n"), "line added", true, nil
			}
		} else if strings.TrimRight(lines[index[1]], "\r\n") != line {
			return insertAt(lines, index[1], line+"\n"), "line added", true, nil
		}
	} else if truthy(spec.insertBefore) && *spec.insertBefore != "BOF" {
		if index[1] <= 0 {
			if strings.TrimRight(lines[pyIndex(len(lines), index[1])], "\r\n") != line {
				return insertAt(lines, index[1], line+"\n"), "line added", true, nil
			}
		} else if strings.TrimRight(lines[index[1]-1], "\r\n") != line {
			return insertAt(lines, index[1], line+"\n"), "line added", true, nil
		}
	}
	return lines, "", false, nil
}

// pyIndex maps a Python index (negative counts from the end) into n.
func pyIndex(n, i int) int {
	if i < 0 {
		return n + i
	}
	return i
}

func endsNewline(s string) bool {
	return strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\r")
}

// insertAt is list.insert(i, s) with Python's index rules.
func insertAt(lines []string, i int, s string) []string {
	if i < 0 {
		i += len(lines)
		if i < 0 {
			i = 0
		}
	}
	if i > len(lines) {
		i = len(lines)
	}
	lines = append(lines, "")
	copy(lines[i+1:], lines[i:])
	lines[i] = s
	return lines
}

func lineinfileAbsent(ctx context.Context, c *Call, f *textFile, spec lineSpec) (*Result, error) {
	if spec.regexp == nil && spec.searchString == nil && spec.line == nil {
		return Failf("one of line, search_string, or regexp is required with state=absent"), nil
	}
	if !f.exists {
		return &Result{Msg: "file not present"}, nil
	}
	diff := contentDiff(f.path)
	if c.Diff {
		diff["before"] = string(f.content)
	}
	kept, found, err := absentLines(splitLinesKeep(string(f.content)), spec)
	if err != nil {
		return Failf("%v", err), nil
	}
	newContent := strings.Join(kept, "")
	if c.Diff {
		diff["after"] = newContent
	}
	return finishLineEdit(ctx, c, f, []byte(newContent), found > 0, "", diff, &found)
}

// absentLines is lineinfile's state=absent: the lines kept and how many
// matched.
func absentLines(lines []string, spec lineSpec) ([]string, int, error) {
	line := "None"
	if spec.line != nil {
		line = *spec.line
	}
	kept := []string{}
	found := 0
	for _, cur := range lines {
		var hit bool
		switch {
		case spec.regexp != nil:
			m, err := spec.regexp.Search(cur)
			if err != nil {
				return nil, 0, err
			}
			hit = m != nil
		case spec.searchString != nil:
			hit = strings.Contains(cur, *spec.searchString)
		default:
			hit = line == strings.TrimRight(cur, "\r\n")
		}
		if hit {
			found++
		} else {
			kept = append(kept, cur)
		}
	}
	return kept, found, nil
}
