package tasks

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "file",
		Args: append([]Arg{
			{Name: "state", Type: Str, Choices: []string{"absent", "directory", "file", "hard", "link", "touch"}},
			{Name: "path", Aliases: []string{"dest", "name"}, Type: Path, Required: true},
			{Name: "_original_basename", Type: Str},
			{Name: "recurse", Type: Bool, Default: false},
			{Name: "force", Type: Bool, Default: false},
			{Name: "follow", Type: Bool, Default: true},
			{Name: "_diff_peek", Type: Bool},
			{Name: "src", Type: Path},
			{Name: "modification_time", Type: Str},
			{Name: "modification_time_format", Type: Str, Default: "%Y%m%d%H%M.%S"},
			{Name: "access_time", Type: Str},
			{Name: "access_time_format", Type: Str, Default: "%Y%m%d%H%M.%S"},
		}, fileCommonArgs()...),
		Run: runFile,
	})
}

// prevState is a path's current state as the file module names it:
// absent, link, directory or file ("hard" needs the link count, which
// only hardState asks for).
func prevState(ctx context.Context, conn transport.Conn, p string) (string, transport.FileInfo, error) {
	fi, err := conn.Lstat(ctx, p)
	if err != nil {
		if hostErr(err) {
			return "", fi, err
		}
		return "absent", fi, nil
	}
	switch {
	case fi.Mode&fs.ModeSymlink != 0:
		return "link", fi, nil
	case fi.IsDir():
		return "directory", fi, nil
	}
	return "file", fi, nil
}

func runFile(ctx context.Context, c *Call) (*Result, error) {
	p, err := ExpandUser(ctx, c.Conn, c.Args.Str("path"))
	if err != nil {
		return nil, err
	}
	state, src := c.Args.Str("state"), c.Args.Str("src")
	if state != "link" && state != "absent" && (src != "" || c.Args.Str("_original_basename") != "") {
		if fi, err := c.Conn.Stat(ctx, p); err == nil && fi.IsDir() {
			base := c.Args.Str("_original_basename")
			if base == "" {
				base = path.Base(src)
			}
			p = path.Join(p, base)
		}
	}
	prev, lst, err := prevState(ctx, c.Conn, p)
	if err != nil {
		return nil, err
	}
	if prev == "file" && state != "directory" {
		if prev, err = fileOrHard(ctx, c, p); err != nil {
			return nil, err
		}
	}
	if state == "" {
		switch {
		case prev != "absent":
			state = prev
		case c.Args.Bool("recurse"):
			state = "directory"
		default:
			state = "file"
		}
	}
	if c.Args.Bool("recurse") && state != "directory" {
		return Failf("recurse option requires state to be 'directory'").Set("path", p), nil
	}
	if src != "" && state != "link" && state != "hard" {
		return Failf("src option requires state to be 'link' or 'hard'").Set("path", p), nil
	}
	var warnings []string
	if c.Check && state != "absent" {
		if warnings, err = checkOwnersExist(ctx, c); err != nil {
			return nil, err
		}
	}
	times, failure := fileTimes(c, state)
	if failure != nil {
		return failure, nil
	}
	if c.Args.Has("_diff_peek") {
		return diffPeek(ctx, c, p)
	}
	r, err := fileState(ctx, c, state, p, prev, lst, times)
	if err != nil || r.Failed {
		return r, err
	}
	r.Warnings = append(warnings, r.Warnings...)
	if prev == "hard" {
		r.Set("_nlink", "hard")
	}
	return r, finishPathInfo(ctx, c, r)
}

// fileState carries out one state of the file module.
func fileState(ctx context.Context, c *Call, state, p, prev string, lst transport.FileInfo, times fileTimeArgs) (*Result, error) {
	fa, follow, force := fileArgsOf(c), c.Args.Bool("follow"), c.Args.Bool("force")
	switch state {
	case "file":
		if prev == "absent" {
			return Failf("file (%s) is absent, cannot continue", p).Set("path", p).Set("state", "absent"), nil
		}
		return ensureFile(ctx, c, p, prev, lst, fa, follow, times)
	case "directory":
		return ensureDirectoryFrom(ctx, c, p, prev, lst, fa, follow, c.Args.Bool("recurse"), times)
	case "link":
		var src *string
		if c.Args.Has("src") {
			s := c.Args.Str("src")
			src = &s
		}
		return ensureSymlinkArgs(ctx, c, p, src, follow, force, fa, times)
	case "hard":
		return ensureHardlink(ctx, c, p, c.Args.Str("src"), force, fa, times)
	case "touch":
		return touchFile(ctx, c, p, prev, lst, fa, follow, times)
	}
	return ensureAbsent(ctx, c, p, prev)
}

// fileOrHard tells a regular file with more than one link ("hard") from
// one with a single link, which the file operations cannot see: one
// stat(1) on the host.
func fileOrHard(ctx context.Context, c *Call, p string) (string, error) {
	infos, err := hardLinkInfo(ctx, c, p)
	if err != nil {
		return "", err
	}
	if infos[0].nlink > 1 {
		return "hard", nil
	}
	return "file", nil
}

// finishPathInfo adds add_path_info's keys for the result's path (or
// dest), unless the module already did.
func finishPathInfo(ctx context.Context, c *Call, r *Result) error {
	if _, done := r.Values["uid"]; done {
		delete(r.Values, "_nlink")
		return nil
	}
	p, ok := r.Values["path"].(string)
	if !ok {
		p, ok = r.Values["dest"].(string)
	}
	if !ok {
		return nil
	}
	lst, err := c.Conn.Lstat(ctx, p)
	if err != nil {
		return unreachableOnly(err)
	}
	state := "file"
	switch {
	case lst.Mode&fs.ModeSymlink != 0:
		if _, err := c.Conn.Stat(ctx, p); err != nil {
			return unreachableOnly(err)
		}
		state = "link"
	case lst.IsDir():
		state = "directory"
	case r.Values["state"] == "hard" || r.Values["_nlink"] == "hard":
		state = "hard"
	}
	delete(r.Values, "_nlink")
	return setPathInfo(ctx, c, r, lst, state)
}

// checkOwnersExist warns in check mode about an owner or group the host
// does not know (yet), as check_owner_exists does.
func checkOwnersExist(ctx context.Context, c *Call) ([]string, error) {
	var out []string
	if o := c.Args.Str("owner"); o != "" {
		if uid, err := strconv.Atoi(o); err == nil {
			if _, ok, err := idName(ctx, c.Conn, "passwd", uid); err != nil {
				return nil, err
			} else if !ok {
				out = append(out, fmt.Sprintf("failed to look up user with uid %d. Create user up to this point in real play", uid))
			}
		} else if _, ok, err := lookupUID(ctx, c.Conn, o); err != nil {
			return nil, err
		} else if !ok {
			out = append(out, fmt.Sprintf("failed to look up user %s. Create user up to this point in real play", o))
		}
	}
	if g := c.Args.Str("group"); g != "" {
		if gid, err := strconv.Atoi(g); err == nil {
			if _, ok, err := idName(ctx, c.Conn, "group", gid); err != nil {
				return nil, err
			} else if !ok {
				out = append(out, fmt.Sprintf("failed to look up group with gid %d. Create group up to this point in real play", gid))
			}
		} else if _, ok, err := lookupGID(ctx, c.Conn, g); err != nil {
			return nil, err
		} else if !ok {
			out = append(out, fmt.Sprintf("failed to look up group %s. Create group up to this point in real play", g))
		}
	}
	return out, nil
}

// initialDiff is the file module's diff skeleton.
func initialDiff(p, state, prev string) map[string]any {
	before, after := map[string]any{"path": p}, map[string]any{"path": p}
	if prev != state {
		before["state"], after["state"] = prev, state
	}
	return map[string]any{"before": before, "after": after}
}

// mergeAttrDiff adds an attribute plan's entries to a diff.
func mergeAttrDiff(d map[string]any, plan AttrPlan) {
	b, a := d["before"].(map[string]any), d["after"].(map[string]any)
	for k, v := range plan.Before {
		b[k] = v
	}
	for k, v := range plan.After {
		a[k] = v
	}
}

// setAttrs plans and applies file arguments on p (state st), adding the
// entries to diff; it returns whether something changed.
func setAttrs(ctx context.Context, c *Call, p string, fa FileArgs, st FileState, diff map[string]any) (bool, AttrPlan, error) {
	plan, err := planAttrs(ctx, c, fa, st)
	if err != nil {
		return false, plan, err
	}
	if diff != nil {
		mergeAttrDiff(diff, plan)
	}
	if !plan.Changed() {
		return false, plan, nil
	}
	return true, plan, applyAttrs(ctx, c, p, plan, st)
}

// ensureFileAttrs is state=file on an existing regular file described by
// fi: attributes only.
func ensureFileAttrs(ctx context.Context, c *Call, p string, fi transport.FileInfo, fa FileArgs, state string) (*Result, error) {
	diff := initialDiff(p, "file", "file")
	st := stateOf(fi)
	changed, plan, err := setAttrs(ctx, c, p, fa, st, diff)
	if err != nil {
		return failAttr(err, p)
	}
	r := &Result{Changed: changed}
	r.Set("path", p)
	setDiff(r, diff)
	fi.Mode = fi.Mode&^(fs.ModePerm|modeSpecial) | fileModeOf(plan.Perm)
	fi.UID, fi.GID = plan.UID, plan.GID
	return r, setPathInfo(ctx, c, r, fi, state)
}

// ensureFile is state=file: the file must exist (following a link with
// follow) and gets its attributes and times.
func ensureFile(ctx context.Context, c *Call, p, prev string, lst transport.FileInfo, fa FileArgs, follow bool, times fileTimeArgs) (*Result, error) {
	if prev == "link" && follow {
		real, err := realPath(ctx, c.Conn, p)
		if err != nil {
			return nil, err
		}
		p = real
		if prev, lst, err = prevState(ctx, c.Conn, p); err != nil {
			return nil, err
		}
	}
	if prev != "file" && prev != "hard" {
		return Failf("file (%s) is %s, cannot continue", p, prev).Set("path", p).Set("state", prev), nil
	}
	if times.none() {
		return ensureFileAttrs(ctx, c, p, lst, fa, prev)
	}
	diff := initialDiff(p, "file", prev)
	changed, _, err := setAttrs(ctx, c, p, fa, stateOf(lst), diff)
	if err != nil {
		return failAttr(err, p)
	}
	tc, err := updateTimes(ctx, c, p, times, diff)
	if err != nil {
		return failAttr(err, p)
	}
	r := &Result{Changed: changed || tc}
	r.Set("path", p)
	return setDiff(r, diff), nil
}

// ensureAbsent is state=absent: a directory goes with everything in it.
func ensureAbsent(ctx context.Context, c *Call, p, prev string) (*Result, error) {
	if prev == "absent" {
		return OK().Set("path", p).Set("state", "absent"), nil
	}
	diff := initialDiff(p, "absent", prev)
	if prev == "directory" {
		list, err := walkList(ctx, c, p)
		if err != nil {
			return nil, err
		}
		diff["before"].(map[string]any)["path_content"] = list
	}
	if !c.Check {
		if failure, err := removePath(ctx, c, p, prev); err != nil || failure != nil {
			return failure, err
		}
	}
	r := Changed().Set("path", p).Set("state", "absent")
	return setDiff(r, diff), nil
}

// removePath deletes a file or link (one file operation) or a directory
// tree (one rm -rf).
func removePath(ctx context.Context, c *Call, p, prev string) (*Result, error) {
	if prev != "directory" {
		err := c.Conn.Remove(ctx, p)
		if err == nil || isNotExist(err) {
			return nil, nil
		}
		if hostErr(err) {
			return nil, err
		}
		return Failf("unlinking failed: %s ", describeErr(err)).Set("path", p), nil
	}
	res, err := c.Conn.Run(ctx, transport.Command{Argv: []string{"rm", "-rf", "--", p}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return Failf("rmtree failed: %s", strings.TrimSpace(string(res.Stderr))), nil
	}
	return nil, nil
}

// diffPeek answers the copy action's question whether a file looks binary.
func diffPeek(ctx context.Context, c *Call, p string) (*Result, error) {
	var buf limitedBuffer
	buf.limit = 8192
	err := c.Conn.Get(ctx, p, &buf)
	if err != nil && hostErr(err) {
		return nil, err
	}
	r := OK().Set("path", p).Set("appears_binary", looksBinary(buf.b))
	return r, finishPathInfo(ctx, c, r)
}

// limitedBuffer keeps the first limit bytes written to it and then stops
// the copy.
type limitedBuffer struct {
	b     []byte
	limit int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := l.limit - len(l.b)
	if room <= 0 {
		return 0, errStopRead
	}
	if len(p) > room {
		l.b = append(l.b, p[:room]...)
		return 0, errStopRead
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

var errStopRead = fmt.Errorf("enough read")
