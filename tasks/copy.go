package tasks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "copy",
		Args: append([]Arg{
			{Name: "src", Type: Path},
			{Name: "content", Type: Raw},
			{Name: "dest", Type: Path, Required: true},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "force", Aliases: []string{"thirsty"}, Type: Bool, Default: true},
			{Name: "validate", Type: Str},
			{Name: "directory_mode", Type: Raw},
			{Name: "remote_src", Type: Bool, Default: false},
			{Name: "local_follow", Type: Bool, Default: true},
			{Name: "checksum", Type: Str},
			{Name: "follow", Type: Bool, Default: false},
			{Name: "decrypt", Type: Bool, Default: true},
		}, fileCommonArgs()...),
		Run: runCopy,
	})
}

// copySource is one file to copy from the controller: a file or the
// content argument.
type copySource struct {
	path    string // controller path; "" for content
	content []byte // the content argument, or the decrypted file when vaulted
	vaulted bool   // path is vault-encrypted: content holds its plaintext
	rel     string // path relative to dest
	header  string // the diff's after_header, when not path
}

// inMemory reports whether the bytes to copy are content, not path's.
func (s copySource) inMemory() bool { return s.path == "" || s.vaulted }

func (s copySource) open() (io.ReadCloser, error) {
	if s.inMemory() {
		return io.NopCloser(bytes.NewReader(s.content)), nil
	}
	return os.Open(s.path)
}

func (s copySource) read() ([]byte, error) {
	if s.inMemory() {
		return s.content, nil
	}
	return os.ReadFile(s.path)
}

func (s copySource) size() int64 {
	if s.inMemory() {
		return int64(len(s.content))
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (s copySource) sums() (string, string, error) {
	if s.inMemory() {
		sha, md := bytesChecksums(s.content)
		return sha, md, nil
	}
	return localChecksums(s.path)
}

// decryptSources reads the vault-encrypted files of a source tree into
// memory, decrypted, as the copy action's get_real_file does for each file
// (unless decrypt is false). The plaintext never touches the controller's
// disk. Files that cannot be read are left for copyOne to report.
func decryptSources(c *Call, tree copyTree) *Result {
	if !c.Args.Bool("decrypt") {
		return nil
	}
	for i := range tree.files {
		f := &tree.files[i]
		if vaulted, err := isVaultFile(f.path); err != nil || !vaulted {
			continue
		}
		plain, _, failure := readSource(c, f.path, true)
		if failure != nil {
			return failure
		}
		f.content, f.vaulted = plain, true
	}
	return nil
}

// copyArgsError checks copy's arguments as the copy action does.
func copyArgsError(c *Call) string {
	src, hasContent, dest := c.Args.Str("src"), c.Args.Has("content"), c.Args.Str("dest")
	switch {
	case src == "" && !hasContent:
		return "src (or content) is required"
	case dest == "":
		return "dest is required"
	case src != "" && hasContent:
		return "src and content are mutually exclusive"
	case hasContent && strings.HasSuffix(dest, "/"):
		return "can not use content with a dir as dest"
	}
	return ""
}

func runCopy(ctx context.Context, c *Call) (*Result, error) {
	if msg := copyArgsError(c); msg != "" {
		return Failf("%s", msg), nil
	}
	dest, err := ExpandUser(ctx, c.Conn, c.Args.Str("dest"))
	if err != nil {
		return nil, err
	}
	if c.Args.Bool("remote_src") {
		return runRemoteCopy(ctx, c, dest)
	}
	if c.Args.Has("content") {
		return copyFiles(ctx, c, dest, "", copyTree{files: []copySource{{content: contentBytes(c.Args["content"])}}})
	}
	src := c.Args.Str("src")
	found, err := c.Find("files", src)
	if err != nil {
		return Failf("%v", err), nil
	}
	if strings.HasSuffix(src, "/") && !strings.HasSuffix(found, "/") {
		found += "/"
	}
	tree, err := walkSource(found, c.Args.Bool("local_follow"))
	if err != nil {
		return Failf("could not find src=%s, %v", found, err), nil
	}
	if failure := decryptSources(c, tree); failure != nil {
		return failure, nil
	}
	if tree.isDir && !strings.HasSuffix(dest, "/") {
		dest += "/"
	}
	return copyFiles(ctx, c, dest, found, tree)
}

// contentBytes is the content argument as the file's bytes: mappings and
// lists are written as JSON.
func contentBytes(v any) []byte {
	switch v.(type) {
	case map[string]any, []any:
		return []byte(pyfmt.JSON(v, 0))
	}
	s, _ := ToStr(v)
	return []byte(s)
}

// copyFiles copies every file, directory and link of a source tree and
// builds the action's result.
func copyFiles(ctx context.Context, c *Call, dest, src string, tree copyTree) (*Result, error) {
	var last *Result
	changed, executed := false, false
	for _, f := range tree.files {
		r, err := copyOne(ctx, c, f, dest, len(tree.dirs) == 0 && c.Args.Bool("follow"))
		if err != nil || (r != nil && r.Failed) {
			return r, err
		}
		if r == nil {
			continue
		}
		last, executed, changed = r, true, changed || r.Changed
	}
	for _, d := range tree.dirs {
		r, err := ensureDirectory(ctx, c, path.Join(dest, d), dirArgs(c), false, false, noTimes())
		if err != nil || r.Failed {
			return r, err
		}
		if err := finishPathInfo(ctx, c, r); err != nil {
			return nil, err
		}
		last, executed, changed = r, true, changed || r.Changed
	}
	for _, l := range tree.links {
		fa := fileArgsOf(c)
		if s, ok := fa.Mode.(string); ok && s == "preserve" {
			fa.Mode = nil
		}
		r, err := ensureSymlink(ctx, c, path.Join(dest, l.rel), l.target, len(tree.dirs) == 0 && c.Args.Bool("follow"), true, fa, noTimes())
		if err != nil || r.Failed {
			return r, err
		}
		if err := finishPathInfo(ctx, c, r); err != nil {
			return nil, err
		}
		last, executed, changed = r, true, changed || r.Changed
	}
	if executed && len(tree.files) == 1 {
		if _, ok := last.Values["dest"]; !ok {
			if p, ok := last.Values["path"]; ok {
				last.Set("dest", p)
			}
		}
		return last, nil
	}
	r := &Result{Changed: changed}
	r.Set("dest", dest)
	if src != "" {
		r.Set("src", src)
	}
	return r, nil
}

// dirArgs are the file arguments for directories a recursive copy creates.
func dirArgs(c *Call) FileArgs {
	fa := fileArgsOf(c)
	fa.Mode = c.Args["directory_mode"]
	return fa
}

// destState is a destination's Lstat (or Stat with follow) and, for a
// regular file, its checksum; both are asked at once.
type destState struct {
	fi     transport.FileInfo
	exists bool
	sum    string // "" when not a readable regular file
}

func statDest(ctx context.Context, conn transport.Conn, p string, follow, wantSum bool) (destState, error) {
	var ds destState
	var sum string
	var sumErr error
	done := make(chan struct{})
	if wantSum {
		go func() {
			defer close(done)
			sum, sumErr = conn.Checksum(ctx, p)
		}()
	} else {
		close(done)
	}
	var err error
	if follow {
		ds.fi, err = conn.Stat(ctx, p)
	} else {
		ds.fi, err = conn.Lstat(ctx, p)
	}
	<-done
	if err != nil {
		if hostErr(err) {
			return ds, err
		}
		return ds, nil
	}
	ds.exists = true
	if hostErr(sumErr) {
		return ds, sumErr
	}
	if sumErr == nil && ds.fi.Mode.IsRegular() {
		ds.sum = sum
	}
	return ds, nil
}

// copyOne copies one file as the copy action's _copy_file does; nil means
// nothing was done (dest exists and force is off).
func copyOne(ctx context.Context, c *Call, src copySource, dest string, follow bool) (*Result, error) {
	force := c.Args.Bool("force")
	destFile := dest
	if strings.HasSuffix(dest, "/") {
		destFile = path.Join(dest, src.rel)
	}
	ds, err := statDest(ctx, c.Conn, destFile, follow, force)
	if err != nil {
		return nil, err
	}
	if ds.exists && ds.fi.IsDir() {
		if src.path == "" {
			return Failf("can not use content with a dir as dest"), nil
		}
		destFile = path.Join(dest, src.rel)
		if ds, err = statDest(ctx, c.Conn, destFile, follow, force); err != nil {
			return nil, err
		}
	}
	if ds.exists && !force {
		return nil, nil
	}
	sha, md, err := src.sums()
	if err != nil {
		return Failf("could not find src=%s, %v", src.path, err), nil
	}
	if sha == ds.sum {
		return copyUnchanged(ctx, c, src, destFile, ds, sha, follow)
	}
	return copyChanged(ctx, c, src, dest, destFile, ds, sha, md, follow)
}

// copyDiff is the content diff of a copy.
func copyDiff(ctx context.Context, c *Call, src copySource, destFile string, ds destState) ([]any, error) {
	if !c.Diff {
		return []any{}, nil
	}
	d := map[string]any{}
	err := destDiff(d, destFile, ds.exists, ds.fi.Size, func() ([]byte, error) {
		var b bytes.Buffer
		err := c.Conn.Get(ctx, destFile, &b)
		return b.Bytes(), err
	})
	if err != nil && hostErr(err) {
		return nil, err
	}
	content, err := src.read()
	if err != nil {
		return nil, err
	}
	header := src.header
	if header == "" {
		header = src.path
	}
	if header == "" {
		header = "dynamically generated"
	}
	srcDiff(d, header, content, src.size())
	return []any{d}, nil
}

// copyChanged writes a file whose content differs (the copy module's
// part).
func copyChanged(ctx context.Context, c *Call, src copySource, dest, destFile string, ds destState, sha, md string, follow bool) (*Result, error) {
	diff, err := copyDiff(ctx, c, src, destFile, ds)
	if err != nil {
		return nil, err
	}
	if c.Check {
		return setDiff(Changed(), diff), nil
	}
	if !strings.Contains(destFile, "/") {
		destFile = "./" + destFile
	}
	if follow && ds.exists && ds.fi.Mode&fs.ModeSymlink == 0 {
		if real, err := realPath(ctx, c.Conn, destFile); err == nil {
			destFile = real
		}
	}
	fa := fileArgsOf(c)
	if s, ok := fa.Mode.(string); ok && s == "preserve" {
		fa.Mode = preservedMode(src)
	}
	var old *transport.FileInfo
	if ds.exists && !follow {
		old = &ds.fi
	} else if ds.exists {
		lst, err := c.Conn.Lstat(ctx, destFile)
		if err != nil && hostErr(err) {
			return nil, err
		}
		if err == nil {
			old = &lst
		}
	}
	if failure := checkValidate(c.Args.Str("validate")); failure != nil {
		return failure, nil
	}
	w := &FileWrite{Path: destFile, Open: src.open, Size: src.size(), Old: old, Args: fa,
		Backup: c.Args.Bool("backup"), Validate: c.Args.Str("validate")}
	wr, err := writeCopy(ctx, c, w, strings.HasSuffix(dest, "/"))
	if err != nil || wr.Failure != nil {
		if err != nil && !hostErr(err) {
			return copyWriteFailure(ctx, c, src, destFile, err).Set("checksum", sha), nil
		}
		if wr.Failure != nil {
			wr.Failure.Set("checksum", sha)
		}
		return wr.Failure, err
	}
	if wr.Validate != nil && wr.Validate.ExitCode != 0 {
		r := Failf("failed to validate").Set("exit_status", wr.Validate.ExitCode).Set("checksum", sha)
		return r.Set("stdout", string(wr.Validate.Stdout)).Set("stderr", string(wr.Validate.Stderr)), nil
	}
	r := Changed().Set("dest", destFile).Set("checksum", sha).Set("md5sum", md)
	if src.path != "" {
		r.Set("src", src.path)
	}
	if wr.BackupFile != "" {
		r.Set("backup_file", wr.BackupFile)
	}
	if err := setPathInfo(ctx, c, r, wr.Info, "file"); err != nil {
		return nil, err
	}
	return setDiff(r, diff), nil
}

// writeCopy writes, creating missing parent directories first for a copy
// into a directory (dest ending in /), as the copy module does.
func writeCopy(ctx context.Context, c *Call, w *FileWrite, intoDir bool) (WriteResult, error) {
	wr, err := w.Write(ctx, c)
	if err == nil || !intoDir || !isNotExist(err) {
		return wr, err
	}
	if _, err := makeDirs(ctx, c, path.Dir(w.Path), dirArgs(c)); err != nil {
		return wr, err
	}
	return w.Write(ctx, c)
}

// copyWriteFailure words a failed write as the copy module does.
func copyWriteFailure(ctx context.Context, c *Call, src copySource, destFile string, err error) *Result {
	dir := path.Dir(destFile)
	if isNotExist(err) {
		if _, serr := c.Conn.Stat(ctx, dir); serr != nil {
			return Failf("Destination directory %s does not exist", dir)
		}
	}
	if errors.Is(err, fs.ErrPermission) {
		return Failf("Destination %s not writable", dir)
	}
	return Failf("failed to copy: %s to %s: %s", src.path, destFile, writeErr(err))
}

// preservedMode is the controller file's mode for mode=preserve.
func preservedMode(src copySource) any {
	if src.path == "" {
		return nil
	}
	fi, err := os.Stat(src.path)
	if err != nil {
		return nil
	}
	return octalMode(unixPerm(fi.Mode()))
}

// copyUnchanged handles a destination whose content is already right: the
// file module sets its attributes (the action's second half).
func copyUnchanged(ctx context.Context, c *Call, src copySource, destFile string, ds destState, sha string, follow bool) (*Result, error) {
	fa := fileArgsOf(c)
	if s, ok := fa.Mode.(string); ok && s == "preserve" {
		fa.Mode = preservedMode(src)
	}
	if follow && ds.fi.Mode&fs.ModeSymlink == 0 {
		if lst, err := c.Conn.Lstat(ctx, destFile); err == nil && lst.Mode&fs.ModeSymlink != 0 {
			if real, err := realPath(ctx, c.Conn, destFile); err == nil {
				destFile = real
			}
		}
	}
	r, err := ensureFileAttrs(ctx, c, destFile, ds.fi, fa, "file")
	if err != nil || r.Failed {
		return r, err
	}
	r.Set("dest", destFile).Set("checksum", sha)
	return r, nil
}
