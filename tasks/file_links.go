package tasks

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// ensureSymlink is state=link with a src (copy recreates links with it).
func ensureSymlink(ctx context.Context, c *Call, p, src string, follow, force bool, fa FileArgs, times fileTimeArgs) (*Result, error) {
	return ensureSymlinkArgs(ctx, c, p, &src, follow, force, fa, times)
}

// ensureSymlinkArgs is the file module's ensure_symlink; src is nil when
// not given (an existing link is then kept as it points).
func ensureSymlinkArgs(ctx context.Context, c *Call, p string, src *string, follow, force bool, fa FileArgs, times fileTimeArgs) (*Result, error) {
	prev, lst, err := prevState(ctx, c.Conn, p)
	if err != nil {
		return nil, err
	}
	if prev == "file" {
		if prev, err = fileOrHard(ctx, c, p); err != nil {
			return nil, err
		}
	}
	if src == nil && follow && prev == "link" {
		if t, err := c.Conn.Readlink(ctx, p); err == nil {
			src = &t
		}
	}
	if failure, err := symlinkPreflight(ctx, c, p, src, prev, lst, force); err != nil || failure != nil {
		return failure, err
	}
	diff := initialDiff(p, "link", prev)
	changed := false
	switch prev {
	case "link":
		if src != nil {
			old, err := c.Conn.Readlink(ctx, p)
			if err != nil && hostErr(err) {
				return nil, err
			}
			if old != *src {
				diff["before"].(map[string]any)["src"], diff["after"].(map[string]any)["src"] = old, *src
				changed = true
			}
		}
	default:
		if src == nil {
			return Failf("src is required for creating new symlinks"), nil
		}
		changed = true
	}
	srcVal := any(nil)
	if src != nil {
		srcVal = *src
	}
	if changed && !c.Check {
		if failure, err := replaceWithLink(ctx, c, p, *src, prev, c.Conn.Symlink); err != nil || failure != nil {
			return failure, err
		}
	}
	r := &Result{Changed: changed}
	r.Set("dest", p).Set("src", srcVal)
	setDiff(r, diff)
	if c.Check && prev == "absent" {
		return r, nil
	}
	return linkAttrs(ctx, c, r, p, follow, fa, times, diff)
}

// symlinkPreflight refuses what ensure_symlink refuses.
func symlinkPreflight(ctx context.Context, c *Call, p string, src *string, prev string, lst transport.FileInfo, force bool) (*Result, error) {
	rel := path.Dir(p)
	if prev == "directory" {
		rel = p
	}
	if !force && src != nil {
		abs := *src
		if !path.IsAbs(abs) {
			abs = path.Join(rel, abs)
		}
		if _, err := c.Conn.Stat(ctx, abs); err != nil {
			if hostErr(err) {
				return nil, err
			}
			return Failf("src file does not exist, use \"force=yes\" if you really want to create the link: %s", abs).
				Set("path", p).Set("src", *src), nil
		}
	}
	switch {
	case prev == "directory" && !force:
		return Failf("refusing to convert from %s to symlink for %s", prev, p).Set("path", p), nil
	case prev == "directory":
		entries, err := c.Conn.ReadDir(ctx, p)
		if err != nil && hostErr(err) {
			return nil, err
		}
		if len(entries) > 0 {
			return Failf("the directory %s is not empty, refusing to convert it", p).Set("path", p), nil
		}
	case (prev == "file" || prev == "hard") && !force:
		return Failf("refusing to convert from %s to symlink for %s", prev, p).Set("path", p), nil
	}
	return nil, nil
}

// replaceWithLink puts a link (made by mk) at p: directly when nothing is
// there, else under a temporary name renamed over p.
func replaceWithLink(ctx context.Context, c *Call, p, src, prev string, mk func(context.Context, string, string) error) (*Result, error) {
	verb := "linking"
	target := p
	if prev != "absent" {
		verb = "replacing"
		target = path.Join(path.Dir(p), fmt.Sprintf(".%d.%d.tmp", time.Now().UnixNano(), len(p)))
		if prev == "directory" {
			if err := c.Conn.Remove(ctx, p); err != nil && !isNotExist(err) {
				return linkFailure(verb, p, err)
			}
		}
	}
	if err := mk(ctx, src, target); err != nil {
		return linkFailure(verb, p, err)
	}
	if target != p {
		if err := c.Conn.Rename(ctx, target, p); err != nil {
			_ = c.Conn.Remove(ctx, target)
			return linkFailure(verb, p, err)
		}
	}
	return nil, nil
}

func linkFailure(verb, p string, err error) (*Result, error) {
	if hostErr(err) {
		return nil, err
	}
	return Failf("Error while %s: %s", verb, describeErr(err)).Set("path", p), nil
}

// linkAttrs sets the file arguments on a link (on its target with follow)
// and its times.
func linkAttrs(ctx context.Context, c *Call, r *Result, p string, follow bool, fa FileArgs, times fileTimeArgs, diff map[string]any) (*Result, error) {
	target := p
	lst, err := c.Conn.Lstat(ctx, p)
	if err != nil {
		return r, unreachableOnly(err)
	}
	st := stateOf(lst)
	if follow && st.IsLink {
		fi, err := c.Conn.Stat(ctx, p)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			r.Warnings = append(r.Warnings, "Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.")
			return r, nil
		}
		if target, err = realPath(ctx, c.Conn, p); err != nil {
			return nil, err
		}
		st = stateOf(fi)
	}
	ch, _, err := setAttrs(ctx, c, target, fa, st, diff)
	if err != nil {
		return failAttr(err, p)
	}
	tc, err := updateTimes(ctx, c, target, times, diff)
	if err != nil {
		return failAttr(err, p)
	}
	r.Changed = r.Changed || ch || tc
	return r, nil
}

// linkInfo is what the file module compares for hard links: inode,
// device and link count, read with stat(1) in one command.
type linkInfo struct {
	ino, dev string
	nlink    int
	ok       bool
}

func hardLinkInfo(ctx context.Context, c *Call, paths ...string) ([]linkInfo, error) {
	script := `for f; do stat -L -c '%i %d %h' -- "$f" 2>/dev/null || echo -; done`
	res, err := c.Conn.Run(ctx, transport.Command{Argv: append([]string{"sh", "-c", script, "sh"}, paths...)})
	if err != nil {
		return nil, err
	}
	out := make([]linkInfo, len(paths))
	for i, line := range strings.Split(strings.TrimRight(string(res.Stdout), "\n"), "\n") {
		f := strings.Fields(line)
		if i < len(out) && len(f) == 3 {
			n, _ := strconv.Atoi(f[2])
			out[i] = linkInfo{ino: f[0], dev: f[1], nlink: n, ok: true}
		}
	}
	return out, nil
}

// ensureHardlink is the file module's ensure_hardlink.
func ensureHardlink(ctx context.Context, c *Call, p, src string, force bool, fa FileArgs, times fileTimeArgs) (*Result, error) {
	prev, _, err := prevState(ctx, c.Conn, p)
	if err != nil {
		return nil, err
	}
	infos, err := hardLinkInfo(ctx, c, p, orDot(src))
	if err != nil {
		return nil, err
	}
	if prev == "file" && infos[0].nlink > 1 {
		prev = "hard"
	}
	if prev != "hard" && src == "" {
		return Failf("src is required for creating new hardlinks"), nil
	}
	if src != "" && !infos[1].ok {
		return Failf("src does not exist").Set("dest", p).Set("src", src), nil
	}
	same := infos[0].ok && infos[1].ok && infos[0].ino == infos[1].ino && infos[0].dev == infos[1].dev
	diff := initialDiff(p, "hard", prev)
	changed, failure, err := hardlinkChange(ctx, c, p, src, prev, force, same, diff)
	if err != nil || failure != nil {
		return failure, err
	}
	if prev == "directory" && same {
		return OK().Set("path", p), nil
	}
	if changed && !c.Check {
		if failure, err := replaceWithLink(ctx, c, p, src, prev, c.Conn.Link); err != nil || failure != nil {
			return failure, err
		}
	}
	r := &Result{Changed: changed}
	r.Set("dest", p).Set("src", nil)
	if src != "" {
		r.Set("src", src)
	}
	setDiff(r, diff)
	if c.Check && prev == "absent" {
		return r, nil
	}
	fi, err := c.Conn.Lstat(ctx, p)
	if err != nil {
		return nil, unreachableOnly(err)
	}
	ch, plan, err := setAttrs(ctx, c, p, fa, stateOf(fi), diff)
	if err != nil {
		return failAttr(err, p)
	}
	tc, err := updateTimes(ctx, c, p, times, diff)
	if err != nil {
		return failAttr(err, p)
	}
	r.Changed = r.Changed || ch || tc
	fi.Mode = fileModeOf(plan.Perm)
	fi.UID, fi.GID = plan.UID, plan.GID
	return r, setPathInfo(ctx, c, r, fi, "hard")
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

// hardlinkChange decides whether a hard link must be (re)made.
func hardlinkChange(ctx context.Context, c *Call, p, src, prev string, force, same bool, diff map[string]any) (bool, *Result, error) {
	switch prev {
	case "absent":
		return true, nil, nil
	case "link":
		old, err := c.Conn.Readlink(ctx, p)
		if err != nil && hostErr(err) {
			return false, nil, err
		}
		if old != src {
			diff["before"].(map[string]any)["src"], diff["after"].(map[string]any)["src"] = old, src
			return true, nil, nil
		}
		return false, nil, nil
	case "hard":
		if src != "" && !same {
			if !force {
				return true, Failf("Cannot link, different hard link exists at destination").Set("dest", p).Set("src", src), nil
			}
			return true, nil, nil
		}
		return false, nil, nil
	case "file":
		if !force {
			return true, Failf("Cannot link, %s exists at destination", prev).Set("dest", p).Set("src", src), nil
		}
		return true, nil, nil
	}
	if !same && !force {
		return true, Failf("Cannot link: different hard link exists at destination").Set("dest", p).Set("src", src), nil
	}
	return true, nil, nil
}
