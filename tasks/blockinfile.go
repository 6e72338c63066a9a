package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/pyregex"
)

func init() {
	Register(&Spec{
		Name: "blockinfile",
		Args: append([]Arg{
			{Name: "path", Aliases: []string{"dest", "destfile", "name"}, Type: Path, Required: true},
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "marker", Type: Str, Default: "# {mark} ANSIBLE MANAGED BLOCK"},
			{Name: "block", Aliases: []string{"content"}, Type: Str, Default: ""},
			{Name: "insertafter", Type: Str},
			{Name: "insertbefore", Type: Str},
			{Name: "create", Type: Bool, Default: false},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "validate", Type: Str},
			{Name: "marker_begin", Type: Str, Default: "BEGIN"},
			{Name: "marker_end", Type: Str, Default: "END"},
		}, fileCommonArgs()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
		Run:               runBlockinfile,
	})
}

// blockSpec is what blockinfile puts where.
type blockSpec struct {
	present                   bool
	block, marker0, marker1   string
	insertAfter, insertBefore *string
}

func runBlockinfile(ctx context.Context, c *Call) (*Result, error) {
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
	if !f.exists && !c.Args.Bool("create") {
		return Failf("Path %s does not exist !", p).Set("rc", 257), nil
	}
	present := c.Args.Str("state") == "present"
	if !present && !f.exists {
		return &Result{Msg: "File " + p + " not present"}, nil
	}
	spec, failure := blockSpecOf(c, present)
	if failure != nil {
		return failure, nil
	}
	var original *string
	if f.exists {
		s := string(f.content)
		original = &s
	}
	result, err := blockLines(original, spec)
	if err != nil {
		return Failf("%v", err), nil
	}
	diff := contentDiff(p)
	if c.Diff {
		if original != nil && *original != "" {
			diff["before"] = *original
		}
		diff["after"] = result
	}
	msg, changed := "", true
	switch {
	case original != nil && *original == result:
		changed = false
	case original == nil:
		msg = "File created"
	case spec.block == "" || !spec.present:
		msg = "Block removed"
	default:
		msg = "Block inserted"
	}
	return finishBlockEdit(ctx, c, f, result, changed, msg, diff)
}

// finishBlockEdit writes the new content and builds blockinfile's result.
func finishBlockEdit(ctx context.Context, c *Call, f *textFile, result string, changed bool, msg string, diff map[string]any) (*Result, error) {
	if c.Check && !f.exists {
		r := &Result{Changed: changed, Msg: msg}
		if msg == "" {
			r.Set("msg", "")
		}
		return setDiff(r, diff), nil
	}
	e, stop, err := saveEdit(ctx, c, f, []byte(result), changed)
	if stop != nil || err != nil {
		return stop, err
	}
	r := editResult(f, e, changed, msg, diff)
	if e.backup != "" {
		r.Set("backup_file", e.backup)
	}
	return r, nil
}

// blockSpecOf builds the markers as blockinfile does (re.sub of {mark}
// with marker_begin/marker_end, whose backslash escapes are processed).
func blockSpecOf(c *Call, present bool) (blockSpec, *Result) {
	s := blockSpec{present: present, block: c.Args.Str("block"),
		insertAfter: strArg(c, "insertafter"), insertBefore: strArg(c, "insertbefore")}
	markRe, _ := compileRegex(`{mark}`, pyregex.Flags{})
	marker := c.Args.Str("marker")
	var err error
	if s.marker0, _, err = markRe.Subn(marker, c.Args.Str("marker_begin"), 0); err != nil {
		return s, Failf("%v", err)
	}
	if s.marker1, _, err = markRe.Subn(marker, c.Args.Str("marker_end"), 0); err != nil {
		return s, Failf("%v", err)
	}
	s.marker0 += "\n"
	s.marker1 += "\n"
	return s, nil
}

// blockLines is blockinfile's edit of a file's content (nil when the file
// does not exist): the new content.
func blockLines(original *string, s blockSpec) (string, error) {
	var lines []string
	orig := ""
	if original != nil {
		orig = *original
		lines = pyfmt.SplitByteLines(orig, true)
	}
	if s.insertBefore == nil && s.insertAfter == nil {
		eof := "EOF"
		s.insertAfter = &eof
	}
	var insertRe *pyregex.Regexp
	var err error
	switch {
	case s.insertAfter != nil && *s.insertAfter != "EOF":
		insertRe, err = compileRegex(*s.insertAfter, pyregex.Flags{})
	case s.insertBefore != nil && *s.insertBefore != "BOF":
		insertRe, err = compileRegex(*s.insertBefore, pyregex.Flags{})
	}
	if err != nil {
		return "", err
	}
	var blocklines []string
	if s.present && s.block != "" {
		block := s.block
		if !strings.HasSuffix(block, "\n") {
			block += "\n"
		}
		blocklines = append(append([]string{s.marker0}, pyfmt.SplitByteLines(block, true)...), s.marker1)
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if l == s.marker0 {
			n0 = i
		}
		if l == s.marker1 {
			n1 = i
		}
	}
	if n0 < 0 || n1 < 0 {
		if n0, err = blockInsertPoint(lines, orig, insertRe, s); err != nil {
			return "", err
		}
	} else if n0 < n1 {
		lines = append(lines[:n0], lines[n1+1:]...)
	} else {
		lines = append(lines[:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	out := append(append(append([]string{}, lines[:n0]...), blocklines...), lines[n0:]...)
	return strings.Join(out, ""), nil
}

// blockInsertPoint is where a block without markers in the file goes.
func blockInsertPoint(lines []string, orig string, insertRe *pyregex.Regexp, s blockSpec) (int, error) {
	if insertRe == nil {
		if s.insertBefore != nil {
			return 0, nil
		}
		return len(lines), nil
	}
	n0 := -1
	if p := insertRe.String(); strings.Contains(p, "(?m") || strings.HasPrefix(p, "(?") && strings.Contains(p[:strings.IndexByte(p+")", ')')], "m") {
		m, err := insertRe.Search(orig)
		if err != nil {
			return 0, err
		}
		if m != nil {
			if s.insertAfter != nil {
				n0 = strings.Count(orig[:m.End()], "\n")
			} else {
				n0 = strings.Count(orig[:m.Start()], "\n")
			}
		}
	} else {
		for i, l := range lines {
			m, err := insertRe.Search(l)
			if err != nil {
				return 0, err
			}
			if m != nil {
				n0 = i
			}
		}
	}
	if n0 < 0 {
		return len(lines), nil
	}
	if s.insertAfter != nil {
		n0++
	}
	return n0, nil
}
