package tasks

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"path"

	"github.com/drover/drover/transport"
)

// textFile is a file lineinfile, blockinfile and replace edit on the
// controller: read whole (its Lstat asked at the same time), changed in
// memory, and written back only when the content differs.
type textFile struct {
	path    string
	exists  bool
	lst     transport.FileInfo // the path itself
	info    transport.FileInfo // following a link
	content []byte
}

// readTextFile reads p; a missing file is not an error (exists false).
func readTextFile(ctx context.Context, conn transport.Conn, p string) (*textFile, error) {
	f := &textFile{path: p}
	var buf bytes.Buffer
	var getErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		getErr = conn.Get(ctx, p, &buf)
	}()
	lst, err := conn.Lstat(ctx, p)
	<-done
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return f, nil
	}
	f.lst, f.info = lst, lst
	if lst.Mode&fs.ModeSymlink != 0 {
		fi, err := conn.Stat(ctx, p)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			return f, nil
		}
		f.info = fi
	}
	f.exists = true
	if f.info.IsDir() {
		return f, nil
	}
	if getErr != nil {
		if hostErr(getErr) {
			return nil, getErr
		}
		return nil, getErr
	}
	f.content = buf.Bytes()
	return f, nil
}

// isLink reports whether the path is a symbolic link (edits go to its
// target, attributes to the link).
func (f *textFile) isLink() bool { return f.exists && f.lst.Mode&fs.ModeSymlink != 0 }

// edit is the outcome of writing (or planning) a text file's new content.
type edit struct {
	attrChanged bool
	attrDiff    map[string]any
	backup      string
	failure     *Result
	validate    *transport.Result
}

// save writes content (when changed) and applies the file arguments, as
// write_changes followed by check_file_attrs do. In check mode nothing is
// written and the attributes are compared with the file as it is.
func (f *textFile) save(ctx context.Context, c *Call, content []byte, changed bool, backup bool, validate string) (edit, error) {
	var e edit
	e.attrDiff = map[string]any{}
	fa := fileArgsOf(c)
	if !changed || c.Check || f.isLink() {
		if changed && !c.Check {
			if err := f.write(ctx, c, content, backup, validate, FileArgs{}, &e); err != nil || e.failure != nil || e.validate != nil {
				return e, err
			}
		}
		return e, f.attrsOnly(ctx, c, fa, &e)
	}
	if err := f.write(ctx, c, content, backup, validate, fa, &e); err != nil || e.failure != nil {
		return e, err
	}
	return e, nil
}

// attrsOnly applies the file arguments to the path as it is.
func (f *textFile) attrsOnly(ctx context.Context, c *Call, fa FileArgs, e *edit) error {
	if !f.exists {
		if c.Check && (fa.Mode != nil || fa.Owner != "" || fa.Group != "") {
			e.attrChanged = true
		}
		return nil
	}
	lst := f.lst
	if !c.Check && !f.isLink() {
		lst = f.info
	}
	ch, plan, err := setAttrs(ctx, c, f.path, fa, stateOf(lst), nil)
	if err != nil {
		r, err := failAttr(err, f.path)
		e.failure = r
		return err
	}
	if len(plan.Before) > 0 {
		e.attrDiff["before"], e.attrDiff["after"] = plan.Before, plan.After
	}
	e.attrChanged = ch
	return nil
}

// write puts the new content at the file's real path.
func (f *textFile) write(ctx context.Context, c *Call, content []byte, backup bool, validate string, fa FileArgs, e *edit) error {
	target := f.path
	var old *transport.FileInfo
	if f.exists {
		old = &f.info
		if f.isLink() {
			real, err := realPath(ctx, c.Conn, f.path)
			if err != nil {
				return err
			}
			target = real
		}
	}
	w := &FileWrite{Path: target, Size: int64(len(content)), Old: old, Args: fa, Backup: backup && f.exists,
		OldContent: f.content, Validate: validate,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }}
	if backup && f.exists && f.isLink() {
		w.Backup = false
		name, err := backupFile(ctx, c.Conn, f.path)
		if err != nil {
			if hostErr(err) {
				return err
			}
			e.failure = Failf("Could not make backup of %s to %s: %s", f.path, name, describeErr(err))
			return nil
		}
		e.backup = name
	}
	wr, err := w.Write(ctx, c)
	if err != nil && !f.exists && isNotExist(err) {
		if _, merr := makeDirs(ctx, c, path.Dir(target), FileArgs{}); merr == nil {
			wr, err = w.Write(ctx, c)
		}
	}
	if err != nil {
		if hostErr(err) {
			return err
		}
		e.failure = Failf("Unable to write %s: %s", target, writeErr(err))
		return nil
	}
	if wr.BackupFile != "" {
		e.backup = wr.BackupFile
	}
	e.failure = wr.Failure
	if wr.Validate != nil && wr.Validate.ExitCode != 0 {
		e.validate = wr.Validate
		return nil
	}
	if len(wr.Plan.Before) > 0 {
		e.attrDiff["before"], e.attrDiff["after"] = wr.Plan.Before, wr.Plan.After
	}
	e.attrChanged = wr.Plan.Changed()
	return nil
}

// splitLinesKeep is Python's bytes.readlines(): lines with their "\n".
func splitLinesKeep(s string) []string {
	if s == "" {
		return nil
	}
	out := []string{}
	for s != "" {
		i := indexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// validateFailure is the failure lineinfile, blockinfile and replace
// report when validate rejects the new content.
func validateFailure(res *transport.Result) *Result {
	return Failf("failed to validate: rc:%d error:%s", res.ExitCode, string(res.Stderr))
}

// saveEdit writes the edited content of f as lineinfile and blockinfile
// do: validate command, backup and file attributes. A non-nil Result ends
// the task with it.
func saveEdit(ctx context.Context, c *Call, f *textFile, content []byte, changed bool) (edit, *Result, error) {
	validate := c.Args.Str("validate")
	if failure := checkValidate(validate); failure != nil && changed && !c.Check {
		return edit{}, failure, nil
	}
	e, err := f.save(ctx, c, content, changed, c.Args.Bool("backup") && changed, validate)
	switch {
	case err != nil || e.failure != nil:
		return e, e.failure, err
	case e.validate != nil:
		return e, validateFailure(e.validate), nil
	}
	return e, nil, nil
}

// editResult is the result of a saved edit: an attribute change adds to
// msg and changed, and its diff follows the content's.
func editResult(f *textFile, e edit, changed bool, msg string, diff map[string]any) *Result {
	if e.attrChanged {
		if changed {
			msg += " and "
		}
		changed = true
		msg += "ownership, perms or SE linux context changed"
	}
	e.attrDiff["before_header"] = f.path + " (file attributes)"
	e.attrDiff["after_header"] = f.path + " (file attributes)"
	r := &Result{Changed: changed, Msg: msg}
	if msg == "" {
		r.Set("msg", "")
	}
	return setDiff(r, []any{diff, e.attrDiff})
}
