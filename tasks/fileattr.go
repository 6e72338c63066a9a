package tasks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/drover/drover/transport"
)

// FileArgs are Ansible's common file arguments (mode, owner, group),
// shared by copy, template, file, lineinfile, blockinfile, replace,
// unarchive and any module that declares FileCommonArgs.
type FileArgs struct {
	Mode  any    // nil, an int, or an octal or symbolic string
	Owner string // "" when not given; a name or a numeric id
	Group string
}

// fileCommonArgs are the argument declarations of Ansible's
// add_file_common_args, to append to a module's Args.
func fileCommonArgs() []Arg {
	return []Arg{
		{Name: "mode", Type: Raw},
		{Name: "owner", Type: Str},
		{Name: "group", Type: Str},
		{Name: "seuser", Type: Str},
		{Name: "serole", Type: Str},
		{Name: "setype", Type: Str},
		{Name: "selevel", Type: Str},
		{Name: "unsafe_writes", Type: Bool, Default: false},
		{Name: "attributes", Aliases: []string{"attr"}, Type: Str},
	}
}

// fileArgsOf reads the common file arguments of a call.
func fileArgsOf(c *Call) FileArgs {
	return FileArgs{Mode: c.Args["mode"], Owner: c.Args.Str("owner"), Group: c.Args.Str("group")}
}

// FileState is what is known of a file before attributes are applied.
type FileState struct {
	Exists bool
	Perm   uint32 // Unix permission bits (0o7777)
	UID    int
	GID    int
	IsDir  bool
	IsLink bool
}

// stateOf describes a file from its Lstat (or Stat) info.
func stateOf(fi transport.FileInfo) FileState {
	return FileState{Exists: true, Perm: unixPerm(fi.Mode), UID: fi.UID, GID: fi.GID, IsDir: fi.IsDir(),
		IsLink: fi.Mode&fs.ModeSymlink != 0}
}

// AttrPlan is what applying FileArgs to a file changes: the resulting
// owner, group and mode, which of them differ, and Ansible's diff entries
// (before/after owner, group and mode).
type AttrPlan struct {
	UID, GID                             int
	Perm                                 uint32
	OwnerChanged, GroupChanged, ModeDiff bool
	// ModeChanged is false for a symbolic link, whose mode Linux cannot
	// change (Ansible then records the diff but reports no change).
	ModeChanged   bool
	Before, After map[string]any
}

// Changed reports whether applying the plan changes the file.
func (p AttrPlan) Changed() bool { return p.OwnerChanged || p.GroupChanged || p.ModeChanged }

// AttrFailure is a failure of a module's file arguments (unknown user,
// bad mode), reported as the task's failure with Ansible's message.
type AttrFailure struct {
	Msg     string
	Details string
}

func (e *AttrFailure) Error() string { return e.Msg }

// planAttrs computes what set_fs_attributes_if_different would change on
// a file in state st: owner and group are resolved on the host (names
// through its passwd and group tables), mode against the current mode.
func planAttrs(ctx context.Context, c *Call, a FileArgs, st FileState) (AttrPlan, error) {
	p := AttrPlan{UID: st.UID, GID: st.GID, Perm: st.Perm, Before: map[string]any{}, After: map[string]any{}}
	if a.Owner != "" {
		uid, ok, err := lookupUID(ctx, c.Conn, a.Owner)
		if err != nil {
			return p, err
		}
		if !ok {
			return p, &AttrFailure{Msg: "chown failed: failed to look up user " + a.Owner}
		}
		if uid != st.UID {
			p.Before["owner"], p.After["owner"] = st.UID, uid
			p.UID, p.OwnerChanged = uid, true
		}
	}
	if a.Group != "" {
		gid, ok, err := lookupGID(ctx, c.Conn, a.Group)
		if err != nil {
			return p, err
		}
		if !ok {
			return p, &AttrFailure{Msg: "chgrp failed: failed to look up group " + a.Group}
		}
		if gid != st.GID {
			p.Before["group"], p.After["group"] = st.GID, gid
			p.GID, p.GroupChanged = gid, true
		}
	}
	if a.Mode != nil {
		if err := planMode(ctx, c, a.Mode, st, &p); err != nil {
			return p, err
		}
	}
	return p, nil
}

func planMode(ctx context.Context, c *Call, mode any, st FileState, p *AttrPlan) error {
	umask := uint32(0o022)
	if s, ok := mode.(string); ok && needsUmask(s) {
		id, err := hostIdentity(ctx, c.Conn)
		if err != nil {
			return err
		}
		umask = id.Umask
	}
	m, err := resolveMode(mode, st.Perm, st.IsDir, umask)
	if err != nil {
		if errors.Is(err, errModeForm) {
			return &AttrFailure{Msg: errModeForm.Error(), Details: strings.TrimPrefix(err.Error(), errModeForm.Error()+": ")}
		}
		return &AttrFailure{Msg: err.Error()}
	}
	if m != st.Perm {
		p.Before["mode"], p.After["mode"] = octalMode(st.Perm), octalMode(m)
		p.ModeDiff = true
		if !st.IsLink {
			p.Perm, p.ModeChanged = m, true
		}
	}
	return nil
}

// needsUmask reports whether a symbolic mode has a clause without a who
// part ("+x", "=r"), which the umask limits.
func needsUmask(s string) bool {
	if _, ok := pyIntBase8(s); ok {
		return false
	}
	for _, clause := range strings.Split(s, ",") {
		if clause != "" && strings.ContainsRune("+-=", rune(clause[0])) {
			return true
		}
	}
	return false
}

// applyAttrs carries a plan out on path: one Chown for owner and group,
// one Chmod for the mode. Nothing is done in check mode.
func applyAttrs(ctx context.Context, c *Call, p string, plan AttrPlan, st FileState) error {
	if c.Check {
		return nil
	}
	if plan.OwnerChanged || plan.GroupChanged {
		uid, gid := -1, -1
		if plan.OwnerChanged {
			uid = plan.UID
		}
		if plan.GroupChanged {
			gid = plan.GID
		}
		if err := chown(ctx, c, p, uid, gid, st.IsLink); err != nil {
			if transport.IsUnreachable(err) {
				return err
			}
			what := "chown failed: "
			if !plan.OwnerChanged {
				what = "chgrp failed: "
			}
			return &AttrFailure{Msg: what + describeErr(err)}
		}
	}
	if plan.ModeChanged {
		if err := c.Conn.Chmod(ctx, p, fileModeOf(plan.Perm)); err != nil {
			if transport.IsUnreachable(err) {
				return err
			}
			return &AttrFailure{Msg: "chmod failed", Details: describeErr(err)}
		}
	}
	return nil
}

// chown changes owner and group; a symbolic link itself is changed with
// chown -h (the file operations follow links).
func chown(ctx context.Context, c *Call, p string, uid, gid int, link bool) error {
	if !link {
		return c.Conn.Chown(ctx, p, uid, gid)
	}
	spec := ""
	if uid >= 0 {
		spec = fmt.Sprint(uid)
	}
	if gid >= 0 {
		spec += fmt.Sprintf(":%d", gid)
	}
	res, err := c.Conn.Run(ctx, transport.Command{Argv: []string{"chown", "-h", spec, p}})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return errors.New(strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// describeErr renders a file operation's error like Python's OSError
// text: "[Errno 2] No such file or directory: '/x'".
func describeErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s: '%s'", pyErrText(pe.Err), pe.Path)
	}
	return err.Error()
}

func pyErrText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "[Errno 2] No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "[Errno 13] Permission denied"
	case errors.Is(err, fs.ErrExist):
		return "[Errno 17] File exists"
	}
	return err.Error()
}

// failAttr turns an attribute failure into the task's failed result (with
// path), and passes any other error on.
func failAttr(err error, p string) (*Result, error) {
	var af *AttrFailure
	if errors.As(err, &af) {
		r := Failf("%s", af.Msg).Set("path", p)
		if af.Details != "" {
			r.Set("details", af.Details)
		}
		return r, nil
	}
	return nil, err
}

// pathInfo adds what Ansible's add_path_info adds to a result about the
// file at p when it exists: uid, gid, owner, group, mode, state and size.
// lst, when not nil, is p's current Lstat (saving a round trip).
func pathInfo(ctx context.Context, c *Call, r *Result, p string, lst *transport.FileInfo) error {
	var fi transport.FileInfo
	if lst != nil {
		fi = *lst
	} else {
		var err error
		if fi, err = c.Conn.Lstat(ctx, p); err != nil {
			return unreachableOnly(err)
		}
	}
	state := "file"
	switch {
	case fi.Mode&fs.ModeSymlink != 0:
		if _, err := c.Conn.Stat(ctx, p); err != nil {
			return unreachableOnly(err)
		}
		state = "link"
	case fi.IsDir():
		state = "directory"
	}
	return setPathInfo(ctx, c, r, fi, state)
}

// setPathInfo adds add_path_info's keys for a file described by fi whose
// state ("file", "directory", "link", "hard") is known.
func setPathInfo(ctx context.Context, c *Call, r *Result, fi transport.FileInfo, state string) error {
	owner, err := userName(ctx, c.Conn, fi.UID)
	if err != nil {
		return err
	}
	group, err := groupName(ctx, c.Conn, fi.GID)
	if err != nil {
		return err
	}
	r.Set("uid", fi.UID).Set("gid", fi.GID).Set("owner", owner).Set("group", group)
	r.Set("mode", octalMode(unixPerm(fi.Mode))).Set("state", state).Set("size", fi.Size)
	return nil
}

// unreachableOnly keeps an error only when the host is unreachable or the
// run was cancelled; a missing file is not an error for path info.
func unreachableOnly(err error) error {
	if transport.IsUnreachable(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// hostErr reports whether err must end the task as an error (host
// unreachable, run cancelled) rather than as the module's failure.
func hostErr(err error) bool { return unreachableOnly(err) != nil }

// realPath resolves symbolic links in the last component of p on the
// host (as os.path.realpath does for the file itself), up to 40 links.
func realPath(ctx context.Context, conn transport.Conn, p string) (string, error) {
	for i := 0; i < 40; i++ {
		fi, err := conn.Lstat(ctx, p)
		if err != nil || fi.Mode&fs.ModeSymlink == 0 {
			return p, unreachableOnly(err)
		}
		target, err := conn.Readlink(ctx, p)
		if err != nil {
			return p, unreachableOnly(err)
		}
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = path.Clean(target)
	}
	return p, nil
}
