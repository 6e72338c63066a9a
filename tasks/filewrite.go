package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/transport"
)

// FileWrite replaces the whole content of a file the way Ansible's
// atomic_move and set_fs_attributes_if_different leave it, in the fewest
// round trips: the new content is Put (temporary name + rename) with its
// final mode; one Chown follows only when the owner or group must differ
// from the connection's user. Used by copy, template, lineinfile,
// blockinfile and replace; get_url and the like can use it too.
type FileWrite struct {
	Path string
	// Open returns the new content (called once, or twice with validate
	// when the first attempt must be retried).
	Open func() (io.ReadCloser, error)
	Size int64
	// Old is the current file at Path (Lstat), nil when there is none. A
	// symbolic link is replaced by a file.
	Old  *transport.FileInfo
	Args FileArgs
	// Backup keeps the old file first (see Backup); OldContent, when set,
	// is its content already read.
	Backup     bool
	OldContent []byte
	// Validate is a command with %s, run on the new file before it takes
	// Path's place.
	Validate string
}

// WriteResult is what a FileWrite did.
type WriteResult struct {
	Plan       AttrPlan           // the attributes set, relative to the file's state after the move
	Info       transport.FileInfo // the file as it is now (size, mode, uid, gid)
	BackupFile string             // "" when no backup was made
	Validate   *transport.Result  // the validate command's result, when one ran
	Failure    *Result            // a failure with Ansible's message (chown, mode, backup)
}

// baseState is the state a replaced file has right after atomic_move,
// before the module's mode/owner/group: the old file's mode and owner, or
// for a new file (or a replaced symbolic link) 0666 less the umask and the
// connection's user.
func baseState(old *transport.FileInfo, id Identity) FileState {
	if old != nil && old.Mode.IsRegular() {
		st := stateOf(*old)
		st.IsLink = false
		return st
	}
	return FileState{Exists: true, Perm: defaultPerm &^ id.Umask, UID: id.UID, GID: id.GID}
}

// Write carries the FileWrite out (in check mode it only plans).
func (w *FileWrite) Write(ctx context.Context, c *Call) (WriteResult, error) {
	var out WriteResult
	id, err := hostIdentity(ctx, c.Conn)
	if err != nil {
		return out, err
	}
	base := baseState(w.Old, id)
	plan, err := planAttrs(ctx, c, w.Args, base)
	if err != nil {
		r, err := failAttr(err, w.Path)
		out.Failure = r
		return out, err
	}
	out.Plan = plan
	out.Info = transport.FileInfo{Name: path.Base(w.Path), Size: w.Size, Mode: fileModeOf(plan.Perm), UID: plan.UID, GID: plan.GID}
	if c.Check {
		return out, nil
	}
	if w.Backup && w.Old != nil {
		if out.BackupFile, err = w.backup(ctx, c); err != nil {
			if hostErr(err) {
				return out, err
			}
			out.Failure = Failf("Could not make backup of %s to %s: %s", w.Path, out.BackupFile, describeErr(err))
			return out, nil
		}
	}
	return out, w.put(ctx, c, &out, id)
}

func (w *FileWrite) backup(ctx context.Context, c *Call) (string, error) {
	if w.OldContent != nil {
		return backupContent(ctx, c.Conn, w.Path, w.OldContent, *w.Old)
	}
	return backupFile(ctx, c.Conn, w.Path)
}

// put writes the content (to a temporary name first when validating), then
// fixes owner and group.
func (w *FileWrite) put(ctx context.Context, c *Call, out *WriteResult, id Identity) error {
	target := w.Path
	if w.Validate != "" {
		target = path.Join(path.Dir(w.Path), "."+path.Base(w.Path)+".drover-validate-"+randomHex())
	}
	rc, err := w.Open()
	if err != nil {
		return err
	}
	err = c.Conn.Put(ctx, target, rc, transport.PutOptions{Mode: fileModeOf(out.Plan.Perm)})
	rc.Close()
	if err != nil {
		return err
	}
	if failure, err := w.fixOwner(ctx, c, target, out.Plan, id); err != nil || failure != nil {
		out.Failure = failure
		w.discard(ctx, c, target)
		return err
	}
	if w.Validate == "" {
		return nil
	}
	res, err := runValidate(ctx, c, w.Validate, target)
	out.Validate = &res
	if err != nil || res.ExitCode != 0 {
		w.discard(ctx, c, target)
		return err
	}
	return c.Conn.Rename(ctx, target, w.Path)
}

// discard removes a temporary file that will not take the target's place.
func (w *FileWrite) discard(ctx context.Context, c *Call, target string) {
	if target != w.Path {
		_ = c.Conn.Remove(ctx, target)
	}
}

// fixOwner gives the new file the owner and group of the plan when they
// are not the connection user's. Keeping the old file's owner may fail
// without root, as in Ansible; a requested owner may not.
func (w *FileWrite) fixOwner(ctx context.Context, c *Call, target string, plan AttrPlan, id Identity) (*Result, error) {
	if plan.UID == id.UID && plan.GID == id.GID {
		return nil, nil
	}
	err := c.Conn.Chown(ctx, target, plan.UID, plan.GID)
	if err == nil {
		return nil, nil
	}
	if hostErr(err) {
		return nil, err
	}
	if !plan.OwnerChanged && !plan.GroupChanged {
		return nil, nil
	}
	what := "chown failed: "
	if !plan.OwnerChanged {
		what = "chgrp failed: "
	}
	return Failf("%s%s", what, describeErr(err)).Set("path", w.Path), nil
}

// runValidate runs a validate command with %s replaced by file, split as
// Python's shlex (no shell), as Ansible's run_command does.
func runValidate(ctx context.Context, c *Call, validate, file string) (transport.Result, error) {
	argv, err := shlex.Python(strings.ReplaceAll(validate, "%s", file), false)
	if err != nil {
		return transport.Result{ExitCode: 2, Stderr: []byte(err.Error())}, nil
	}
	if len(argv) == 0 {
		return transport.Result{ExitCode: 2, Stderr: []byte("empty validate command")}, nil
	}
	return c.Run(ctx, transport.Command{Argv: argv})
}

// checkValidate returns Ansible's failure for a validate without %s.
func checkValidate(validate string) *Result {
	if validate != "" && !strings.Contains(validate, "%s") {
		return Failf("validate must contain %%s: %s", validate)
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeErr describes a failed write for a module's message.
func writeErr(err error) string {
	if errors.Is(err, context.Canceled) {
		return err.Error()
	}
	return describeErr(err)
}
