package tasks

import (
	"context"
	"io/fs"
	"path"

	"github.com/drover/drover/transport"
)

// ensureDirectory is the file module's state=directory: missing
// directories are created (each with the mode, owner and group), an
// existing one gets its attributes, and with recurse everything inside.
func ensureDirectory(ctx context.Context, c *Call, p string, fa FileArgs, follow, recurse bool, times fileTimeArgs) (*Result, error) {
	prev, lst, err := prevState(ctx, c.Conn, p)
	if err != nil {
		return nil, err
	}
	return ensureDirectoryFrom(ctx, c, p, prev, lst, fa, follow, recurse, times)
}

// ensureDirectoryFrom is ensureDirectory for a path whose state is known.
func ensureDirectoryFrom(ctx context.Context, c *Call, p, prev string, lst transport.FileInfo, fa FileArgs, follow, recurse bool, times fileTimeArgs) (*Result, error) {
	var err error
	if follow && prev == "link" {
		if p, err = realPath(ctx, c.Conn, p); err != nil {
			return nil, err
		}
		if prev, lst, err = prevState(ctx, c.Conn, p); err != nil {
			return nil, err
		}
	}
	diff := initialDiff(p, "directory", prev)
	r := &Result{}
	r.Set("path", p)
	setDiff(r, diff)
	if prev == "absent" {
		r.Changed = true
		if c.Check {
			return r, nil
		}
		if _, err := makeDirsDiff(ctx, c, p, fa, diff); err != nil {
			return failAttr(err, p)
		}
		return r, nil
	}
	if prev != "directory" {
		return Failf("%s already exists as a %s", p, prev).Set("path", p), nil
	}
	changed, plan, err := setAttrs(ctx, c, p, fa, stateOf(lst), diff)
	if err != nil {
		return failAttr(err, p)
	}
	tc, err := updateTimes(ctx, c, p, times, diff)
	if err != nil {
		return failAttr(err, p)
	}
	r.Changed = changed || tc
	if recurse {
		rc, err := recursiveAttrs(ctx, c, p, follow, fa, times, 0)
		if err != nil {
			return failAttr(err, p)
		}
		r.Changed = r.Changed || rc
	}
	if !tc && !recurse {
		lst.Mode = lst.Mode&^(fs.ModePerm|modeSpecial) | fileModeOf(plan.Perm)
		lst.UID, lst.GID = plan.UID, plan.GID
		return r, setPathInfo(ctx, c, r, lst, "directory")
	}
	return r, nil
}

// makeDirs creates the directory p and any missing parents, each with the
// file arguments applied; it reports whether something was created.
func makeDirs(ctx context.Context, c *Call, p string, fa FileArgs) (bool, error) {
	return makeDirsDiff(ctx, c, p, fa, nil)
}

func makeDirsDiff(ctx context.Context, c *Call, p string, fa FileArgs, diff map[string]any) (bool, error) {
	id, err := hostIdentity(ctx, c.Conn)
	if err != nil {
		return false, err
	}
	base := FileState{Exists: true, Perm: 0o777 &^ id.Umask, UID: id.UID, GID: id.GID, IsDir: true}
	plan, err := planAttrs(ctx, c, fa, base)
	if err != nil {
		return false, err
	}
	if diff != nil {
		mergeAttrDiff(diff, plan)
	}
	return mkdirAll(ctx, c, p, plan, id)
}

// mkdirAll makes p, making its parent first when it is missing.
func mkdirAll(ctx context.Context, c *Call, p string, plan AttrPlan, id Identity) (bool, error) {
	err := c.Conn.Mkdir(ctx, p, fileModeOf(plan.Perm))
	if err != nil && isNotExist(err) && path.Dir(p) != p {
		if _, err := mkdirAll(ctx, c, path.Dir(p), plan, id); err != nil {
			return false, err
		}
		err = c.Conn.Mkdir(ctx, p, fileModeOf(plan.Perm))
	}
	if err != nil {
		if fi, serr := c.Conn.Stat(ctx, p); serr == nil && fi.IsDir() {
			return false, nil
		}
		if hostErr(err) {
			return false, err
		}
		return false, &AttrFailure{Msg: "There was an issue creating " + p + " as requested: " + describeErr(err)}
	}
	if plan.UID != id.UID || plan.GID != id.GID {
		if err := c.Conn.Chown(ctx, p, plan.UID, plan.GID); err != nil {
			if hostErr(err) {
				return true, err
			}
			return true, &AttrFailure{Msg: "chown failed: " + describeErr(err)}
		}
	}
	return true, nil
}

// recursiveAttrs applies the file arguments (and times) to everything
// below dir, as recursive_set_attributes does: links themselves, and with
// follow the directories and files they point to.
func recursiveAttrs(ctx context.Context, c *Call, dir string, follow bool, fa FileArgs, times fileTimeArgs, depth int) (bool, error) {
	if depth > 64 {
		return false, nil
	}
	entries, err := c.Conn.ReadDir(ctx, dir)
	if err != nil {
		if hostErr(err) {
			return false, err
		}
		return false, &AttrFailure{Msg: "Could not recursively set attributes on " + dir + ". Original error was: '" + describeErr(err) + "'"}
	}
	changed := false
	var subdirs []string
	for _, e := range entries {
		p := path.Join(dir, e.Name)
		ch, err := entryAttrs(ctx, c, p, e, fa, times)
		if err != nil {
			return changed, err
		}
		changed = changed || ch
		if e.IsDir() {
			subdirs = append(subdirs, p)
		}
		if e.Mode&fs.ModeSymlink != 0 && follow {
			ch, err := followedAttrs(ctx, c, dir, p, fa, times, depth)
			if err != nil {
				return changed, err
			}
			changed = changed || ch
		}
	}
	for _, d := range subdirs {
		ch, err := recursiveAttrs(ctx, c, d, follow, fa, times, depth+1)
		if err != nil {
			return changed, err
		}
		changed = changed || ch
	}
	return changed, nil
}

func entryAttrs(ctx context.Context, c *Call, p string, fi transport.FileInfo, fa FileArgs, times fileTimeArgs) (bool, error) {
	ch, _, err := setAttrs(ctx, c, p, fa, stateOf(fi), nil)
	if err != nil {
		return false, err
	}
	tc, err := updateTimes(ctx, c, p, times, nil)
	return ch || tc, err
}

// followedAttrs handles the target of a link met in a recursive walk.
func followedAttrs(ctx context.Context, c *Call, dir, link string, fa FileArgs, times fileTimeArgs, depth int) (bool, error) {
	target, err := c.Conn.Readlink(ctx, link)
	if err != nil {
		return false, unreachableOnly(err)
	}
	t := path.Join(dir, target)
	if path.IsAbs(target) {
		t = target
	}
	fi, err := c.Conn.Stat(ctx, t)
	if err != nil {
		return false, unreachableOnly(err)
	}
	changed := false
	if fi.IsDir() {
		ch, err := recursiveAttrs(ctx, c, t, true, fa, times, depth+1)
		if err != nil {
			return false, err
		}
		changed = ch
	}
	ch, err := entryAttrs(ctx, c, t, fi, fa, times)
	return changed || ch, err
}
