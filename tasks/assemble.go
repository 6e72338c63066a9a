package tasks

import (
	"bytes"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/internal/pyregex"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "assemble",
		Args: append([]Arg{
			{Name: "src", Type: Path},
			{Name: "dest", Type: Path},
			{Name: "delimiter", Type: Str},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "remote_src", Type: Raw, Default: "yes"},
			{Name: "regexp", Type: Str},
			{Name: "ignore_hidden", Type: Bool, Default: false},
			{Name: "validate", Type: Str},
			{Name: "decrypt", Type: Bool, Default: true},
			{Name: "follow", Type: Bool, Default: false},
		}, fileCommonArgs()...),
		Run: runAssemble,
	})
}

// fragment is one file to assemble.
type fragment struct {
	name string
	read func() ([]byte, error)
}

// runAssemble concatenates the fragments of a directory (on the host with
// remote_src, the default, else on the controller, vault files decrypted)
// in name order and writes the result to dest when it differs, with the
// copy module's file arguments, backup and validate, as Ansible's assemble
// action and module do.
func runAssemble(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return checkModeUnsupported(), nil
	}
	a := c.Args
	if !a.Has("src") || !a.Has("dest") {
		return Failf("src and dest are required"), nil
	}
	remote, _ := ToBool(a["remote_src"])
	var frags []fragment
	var src string
	var fail *Result
	var err error
	if remote {
		src, frags, fail, err = remoteFragments(ctx, c)
	} else {
		src, frags, fail = localFragments(c)
	}
	if err != nil || fail != nil {
		return fail, err
	}
	content, err := assembleFragments(frags, a.Str("delimiter"), !remote)
	if err != nil {
		return Failf("%v", err), nil
	}
	return writeAssembled(ctx, c, content, src, remote)
}

// fragmentFilter is regexp and ignore_hidden: whether a name is taken.
func fragmentFilter(c *Call) (func(string) bool, *Result) {
	var re *pyregex.Regexp
	if c.Args.Has("regexp") {
		var err error
		if re, err = pyregex.Compile(c.Args.Str("regexp"), pyregex.Flags{}); err != nil {
			return nil, Failf("Invalid Regexp (%v) in \"%s\"", err, c.Args.Str("regexp"))
		}
	}
	hidden := c.Args.Bool("ignore_hidden")
	return func(name string) bool {
		if re != nil {
			if found, err := re.MatchString(name); err != nil || !found {
				return false
			}
		}
		return !hidden || !strings.HasPrefix(name, ".")
	}, nil
}

// remoteFragments lists the regular files of src on the host.
func remoteFragments(ctx context.Context, c *Call) (string, []fragment, *Result, error) {
	src, err := ExpandUser(ctx, c.Conn, c.Args.Str("src"))
	if err != nil {
		return "", nil, nil, err
	}
	fi, err := c.Conn.Stat(ctx, src)
	switch {
	case err != nil && hostErr(err):
		return "", nil, nil, err
	case err != nil:
		return "", nil, Failf("Source (%s) does not exist", src), nil
	case !fi.IsDir():
		return "", nil, Failf("Source (%s) is not a directory", src), nil
	}
	take, fail := fragmentFilter(c)
	if fail != nil {
		return "", nil, fail, nil
	}
	if fail := checkValidate(c.Args.Str("validate")); fail != nil {
		return "", nil, fail, nil
	}
	entries, err := c.Conn.ReadDir(ctx, src)
	if err != nil {
		return "", nil, nil, unreachableOnly(err)
	}
	var out []fragment
	for _, e := range entries {
		p := path.Join(src, e.Name)
		if !take(e.Name) {
			continue
		}
		if st, err := c.Conn.Stat(ctx, p); err != nil || !st.Mode.IsRegular() {
			if hostErr(err) {
				return "", nil, nil, err
			}
			continue
		}
		out = append(out, fragment{name: e.Name, read: func() ([]byte, error) {
			var b bytes.Buffer
			err := c.Conn.Get(ctx, p, &b)
			return b.Bytes(), err
		}})
	}
	return src, out, nil, nil
}

// localFragments lists the regular files of src on the controller (found
// as the action finds it), vault files decrypted unless decrypt is off.
func localFragments(c *Call) (string, []fragment, *Result) {
	src, err := c.Find("files", c.Args.Str("src"))
	if err != nil {
		return "", nil, Failf("%v", err)
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return "", nil, Failf("Source (%s) is not a directory", src)
	}
	take, fail := fragmentFilter(c)
	if fail != nil {
		return "", nil, fail
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", nil, Failf("%v", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []fragment
	for _, name := range names {
		p := filepath.Join(src, name)
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || !take(name) {
			continue
		}
		out = append(out, fragment{name: name, read: func() ([]byte, error) {
			data, _, err := c.ReadControllerFile(p, c.Args.Bool("decrypt"))
			return data, err
		}})
	}
	return src, out, nil
}

// assembleFragments joins the fragments: a newline after a fragment that
// lacks one, the delimiter (Python escapes decoded) between fragments
// followed by a newline when it lacks one, or always with alwaysNL (the
// controller side, as Ansible's action writes it).
func assembleFragments(frags []fragment, delimiter string, alwaysNL bool) ([]byte, error) {
	var b bytes.Buffer
	addNewline := false
	for i, f := range frags {
		content, err := f.read()
		if err != nil {
			return nil, err
		}
		if addNewline {
			b.WriteByte('\n')
		}
		if i > 0 && delimiter != "" {
			d := escapeDecode(delimiter)
			b.WriteString(d)
			if alwaysNL || !strings.HasSuffix(d, "\n") {
				b.WriteByte('\n')
			}
		}
		b.Write(content)
		addNewline = !bytes.HasSuffix(content, []byte("\n"))
	}
	return b.Bytes(), nil
}

// escapeDecode is Python's codecs.escape_decode: backslash escapes of
// bytes (\n, \t, \\, \x41, \101, ...); unknown escapes stay as written.
func escapeDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if c, ok := simpleEscapes[s[i]]; ok {
			b.WriteByte(c)
			continue
		}
		switch {
		case s[i] == 'x' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		case s[i] >= '0' && s[i] <= '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(n))
			i = j - 1
		case s[i] == '\n':
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

var simpleEscapes = map[byte]byte{'\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'f': 12, 'n': '\n', 'r': '\r', 't': '\t', 'v': 11}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// writeAssembled writes content to dest when its checksum differs, then
// gives dest its attributes; the result is the assemble module's (remote)
// or the copy module's (from the controller).
func writeAssembled(ctx context.Context, c *Call, content []byte, src string, remote bool) (*Result, error) {
	dest, err := ExpandUser(ctx, c.Conn, c.Args.Str("dest"))
	if err != nil {
		return nil, err
	}
	ds, err := statDest(ctx, c.Conn, dest, true, true)
	if err != nil {
		return nil, err
	}
	sha, md := bytesChecksums(content)
	var diff map[string]any
	if !remote && c.Diff {
		diff = assembleDiff(ctx, c, content, dest, src, ds)
	}
	var r *Result
	if ds.sum == sha {
		if r, err = ensureFileAttrs(ctx, c, dest, ds.fi, fileArgsOf(c), "file"); err != nil || r.Failed {
			return r, err
		}
		delete(r.Values, "path")
	} else if r, err = writeNewAssembly(ctx, c, content, dest, ds, remote); err != nil || r.Failed {
		return r, err
	}
	r.Set("dest", dest).Set("checksum", sha).Set("md5sum", md).Set("src", src)
	if remote {
		r.Msg = "OK"
	} else if diff != nil {
		r.Set("diff", diff)
	}
	return r, nil
}

// writeNewAssembly replaces dest with content (validated, backed up).
func writeNewAssembly(ctx context.Context, c *Call, content []byte, dest string, ds destState, remote bool) (*Result, error) {
	if fail := checkValidate(c.Args.Str("validate")); fail != nil {
		return fail, nil
	}
	var old *transport.FileInfo
	if lst, err := c.Conn.Lstat(ctx, dest); err == nil {
		old = &lst
	} else if hostErr(err) {
		return nil, err
	}
	w := &FileWrite{Path: dest, Size: int64(len(content)), Old: old, Args: fileArgsOf(c),
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil },
		Backup: c.Args.Bool("backup") && ds.exists, Validate: c.Args.Str("validate")}
	wr, err := w.Write(ctx, c)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("Unable to write %s: %s", dest, writeErr(err)), nil
	}
	if wr.Failure != nil {
		return wr.Failure, nil
	}
	if v := wr.Validate; v != nil && v.ExitCode != 0 {
		if remote {
			return Failf("failed to validate: rc:%d error:%s", v.ExitCode, v.Stderr), nil
		}
		return Failf("failed to validate").Set("exit_status", v.ExitCode).Set("stdout", string(v.Stdout)).Set("stderr", string(v.Stderr)), nil
	}
	r := Changed()
	if wr.BackupFile != "" {
		r.Set("backup_file", wr.BackupFile)
	}
	if v := wr.Validate; v != nil && remote {
		r.Set("validation", map[string]any{"rc": v.ExitCode, "stdout": string(v.Stdout), "stderr": string(v.Stderr)})
	}
	return r, setPathInfo(ctx, c, r, wr.Info, "file")
}

// assembleDiff is the action's diff of dest against the assembled content.
func assembleDiff(ctx context.Context, c *Call, content []byte, dest, src string, ds destState) map[string]any {
	d := map[string]any{}
	_ = destDiff(d, dest, ds.exists, ds.fi.Size, func() ([]byte, error) {
		var b bytes.Buffer
		err := c.Conn.Get(ctx, dest, &b)
		return b.Bytes(), err
	})
	srcDiff(d, src, content, int64(len(content)))
	return d
}
