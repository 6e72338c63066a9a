package tasks

import (
	"bytes"
	"context"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drover/drover/internal/pyregex"
)

func init() {
	Register(&Spec{
		Name: "find",
		Args: []Arg{
			{Name: "paths", Aliases: []string{"name", "path"}, Type: List, Elements: Str, Required: true},
			{Name: "patterns", Aliases: []string{"pattern"}, Type: List, Elements: Str, Default: []any{}},
			{Name: "excludes", Aliases: []string{"exclude"}, Type: List, Elements: Str},
			{Name: "contains", Type: Str},
			{Name: "read_whole_file", Type: Bool, Default: false},
			{Name: "file_type", Type: Str, Default: "file", Choices: []string{"any", "directory", "file", "link"}},
			{Name: "age", Type: Str},
			{Name: "age_stamp", Type: Str, Default: "mtime", Choices: []string{"atime", "ctime", "mtime"}},
			{Name: "size", Type: Str},
			{Name: "recurse", Type: Bool, Default: false},
			{Name: "hidden", Type: Bool, Default: false},
			{Name: "follow", Type: Bool, Default: false},
			{Name: "get_checksum", Type: Bool, Default: false},
			{Name: "use_regex", Type: Bool, Default: false},
			{Name: "depth", Type: Int},
		},
		Run: runFind,
	})
}

// findSpec holds find's filters.
type findSpec struct {
	patterns, excludes []string
	useRegex           bool
	age, size          *int64
	ageStamp           string
	fileType           string
	contains           *pyregex.Regexp
	wholeFile          bool
	now                float64
}

var ageRe = regexp.MustCompile(`^(-?\d+)(s|m|h|d|w)?$`)
var sizeRe = regexp.MustCompile(`^(-?\d+)(b|k|m|g|t)?$`)

// unitValue parses "-2d" or "10k" with unit multipliers.
func unitValue(re *regexp.Regexp, s string, units map[string]int64) (*int64, bool) {
	m := re.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return nil, false
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	mult := int64(1)
	if u, ok := units[m[2]]; ok {
		mult = u
	}
	v := n * mult
	return &v, true
}

func findSpecOf(c *Call) (findSpec, *Result) {
	s := findSpec{patterns: c.Args.Strings("patterns"), excludes: c.Args.Strings("excludes"), useRegex: c.Args.Bool("use_regex"),
		ageStamp: c.Args.Str("age_stamp"), fileType: c.Args.Str("file_type"), wholeFile: c.Args.Bool("read_whole_file"),
		now: unixFloat(time.Now())}
	if len(s.patterns) == 0 {
		s.patterns = []string{"*"}
		if s.useRegex {
			s.patterns = []string{".*"}
		}
	}
	if c.Args.Has("age") {
		v, ok := unitValue(ageRe, c.Args.Str("age"), map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800})
		if !ok {
			return s, Failf("failed to process age").Set("age", c.Args.Str("age"))
		}
		s.age = v
	}
	if c.Args.Has("size") {
		v, ok := unitValue(sizeRe, c.Args.Str("size"), map[string]int64{"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40})
		if !ok {
			return s, Failf("failed to process size").Set("size", c.Args.Str("size"))
		}
		s.size = v
	}
	if c.Args.Has("contains") {
		re, err := compileRegex(c.Args.Str("contains"), pyregex.Flags{})
		if err != nil {
			return s, Failf("%v", err)
		}
		s.contains = re
	}
	return s, nil
}

func runFind(ctx context.Context, c *Call) (*Result, error) {
	spec, failure := findSpecOf(c)
	if failure != nil {
		return failure, nil
	}
	files := []any{}
	skipped := map[string]any{}
	looked := 0
	var warnings []string
	for _, npath := range c.Args.Strings("paths") {
		np, err := ExpandUser(ctx, c.Conn, npath)
		if err != nil {
			return nil, err
		}
		found, n, err := findIn(ctx, c, np, spec)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			skipped[np] = err.Error()
			warnings = append(warnings, "Skipped '"+np+"' path due to this access issue: "+err.Error()+"\n")
			continue
		}
		files = append(files, found...)
		looked += n
	}
	msg := "All paths examined"
	if len(warnings) > 0 {
		msg = "Not all paths examined, check warnings for details"
	}
	r := &Result{Msg: msg, Warnings: warnings}
	r.Set("files", files).Set("matched", len(files)).Set("examined", looked).Set("skipped_paths", skipped)
	return r, nil
}

// findIn walks one path as find's os.walk loop does.
func findIn(ctx context.Context, c *Call, npath string, spec findSpec) ([]any, int, error) {
	fi, err := c.Conn.Stat(ctx, npath)
	if err != nil || !fi.IsDir() {
		if err != nil && hostErr(err) {
			return nil, 0, err
		}
		return nil, 0, &findErr{"'" + npath + "' is not a directory"}
	}
	maxDepth := 0
	depth := c.Args.Int("depth")
	switch {
	case !c.Args.Bool("recurse"):
		maxDepth = 1
	case depth > 0:
		maxDepth = depth + 1
	}
	tree, err := listTree(ctx, c, npath, maxDepth, c.Args.Bool("follow"))
	if err != nil {
		return nil, 0, err
	}
	var out []any
	looked := 0
	wdepth := strings.Count(strings.TrimRight(npath, "/")+"/", "/")
	var ferr error
	osWalk(npath, tree, c.Args.Bool("follow"), func(_ string, dirs, files []hostEntry) bool {
		looked += len(dirs) + len(files)
		prune := false
		for _, e := range append(append([]hostEntry{}, files...), dirs...) {
			fsname := path.Clean(e.Path)
			if depth > 0 && strings.Count(fsname, "/")-wdepth+1 > depth {
				prune = true
				continue
			}
			if strings.HasPrefix(e.Name, ".") && !c.Args.Bool("hidden") {
				continue
			}
			m, err := findMatch(ctx, c, e, fsname, spec)
			if err != nil {
				ferr = err
				return true
			}
			if m != nil {
				out = append(out, m)
			}
		}
		return prune || !c.Args.Bool("recurse")
	})
	return out, looked, ferr
}

type findErr struct{ msg string }

func (e *findErr) Error() string { return e.msg }

// findMatch returns the entry's result dictionary when it passes the
// filters for its type, nil otherwise.
func findMatch(ctx context.Context, c *Call, e hostEntry, fsname string, s findSpec) (map[string]any, error) {
	base := e.Name
	typeOK := false
	switch s.fileType {
	case "any":
		typeOK = e.Type != 'f' || s.sizeOK(e)
	case "directory":
		typeOK = e.Type == 'd'
	case "file":
		typeOK = e.Type == 'f' && s.sizeOK(e)
	case "link":
		typeOK = e.Type == 'l'
	}
	if !typeOK || !s.nameOK(base) || !s.ageOK(e) {
		return nil, nil
	}
	if s.fileType == "file" && s.contains != nil {
		ok, err := s.contentOK(ctx, c, fsname)
		if err != nil || !ok {
			return nil, err
		}
	}
	r := statInfo(e)
	r["path"] = fsname
	if e.Type == 'f' && c.Args.Bool("get_checksum") && (s.fileType == "file" || s.fileType == "any") {
		sum, err := c.Conn.Checksum(ctx, fsname)
		if err != nil && hostErr(err) {
			return nil, err
		}
		r["checksum"] = sum
	}
	return r, nil
}

func (s findSpec) sizeOK(e hostEntry) bool {
	if s.size == nil {
		return true
	}
	if *s.size >= 0 {
		return e.Size >= *s.size
	}
	return e.Size <= -*s.size
}

func (s findSpec) ageOK(e hostEntry) bool {
	if s.age == nil {
		return true
	}
	stamp := map[string]float64{"atime": e.Atime, "mtime": e.Mtime, "ctime": e.Ctime}[s.ageStamp]
	if *s.age >= 0 {
		return s.now-stamp >= float64(*s.age)
	}
	return s.now-stamp <= float64(-*s.age)
}

// nameOK is find's pfilter on the base name.
func (s findSpec) nameOK(name string) bool {
	match := func(p string) bool {
		if s.useRegex {
			re, err := compileRegex(p, pyregex.Flags{})
			if err != nil {
				return false
			}
			m, _ := re.Match(name)
			return m != nil
		}
		return fnMatch(name, p)
	}
	for _, p := range s.patterns {
		if match(p) {
			for _, e := range s.excludes {
				if match(e) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// contentOK is find's contentfilter: a line (or with read_whole_file the
// whole text) matching contains; unreadable or non-UTF-8 files do not.
func (s findSpec) contentOK(ctx context.Context, c *Call, p string) (bool, error) {
	var buf bytes.Buffer
	if err := c.Conn.Get(ctx, p, &buf); err != nil {
		return false, hostOnly(err)
	}
	if !utf8.Valid(buf.Bytes()) {
		return false, nil
	}
	text := strings.ReplaceAll(strings.ReplaceAll(buf.String(), "\r\n", "\n"), "\r", "\n")
	if s.wholeFile {
		m, err := s.contains.Search(text)
		return m != nil, err
	}
	for _, line := range splitLinesKeep(text) {
		if m, err := s.contains.Match(line); err != nil || m != nil {
			return m != nil, err
		}
	}
	return false, nil
}

// statInfo is find's per-file dictionary.
func statInfo(e hostEntry) map[string]any {
	m := e.Perm
	r := map[string]any{"mode": fourOctal(m & permBits), "isdir": e.Type == 'd', "ischr": e.Type == 'c', "isblk": e.Type == 'b',
		"isreg": e.Type == 'f', "isfifo": e.Type == 'p', "islnk": e.Type == 'l', "issock": e.Type == 's',
		"uid": e.UID, "gid": e.GID, "size": e.Size, "inode": e.Ino, "dev": e.Dev, "nlink": e.Nlink,
		"atime": e.Atime, "mtime": e.Mtime, "ctime": e.Ctime, "gr_name": e.Group, "pw_name": e.User,
		"isuid": m&0o4000 != 0, "isgid": m&0o2000 != 0}
	for i, k := range []string{"xoth", "woth", "roth", "xgrp", "wgrp", "rgrp", "xusr", "wusr", "rusr"} {
		r[k] = m&(1<<i) != 0
	}
	return r
}

// fnMatch is Python's fnmatch.fnmatch on POSIX: *, ?, [seq] and [!seq]
// over the whole name.
func fnMatch(name, pat string) bool {
	re, err := regexp.Compile(fnTranslate(pat))
	return err == nil && re.MatchString(name)
}

// fnTranslate is fnmatch.translate for Go's regexp.
func fnTranslate(pat string) string {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(pat); i++ {
		switch ch := pat[i]; ch {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(pat) && pat[j] == '!' {
				j++
			}
			if j < len(pat) && pat[j] == ']' {
				j++
			}
			for j < len(pat) && pat[j] != ']' {
				j++
			}
			if j >= len(pat) {
				b.WriteString(`\[`)
				continue
			}
			stuff := strings.ReplaceAll(pat[i+1:j], `\`, `\\`)
			if strings.HasPrefix(stuff, "!") {
				stuff = "^" + stuff[1:]
			} else if strings.HasPrefix(stuff, "^") {
				stuff = `\` + stuff
			}
			b.WriteString("[" + stuff + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString(`$`)
	return b.String()
}
