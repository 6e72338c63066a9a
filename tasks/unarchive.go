package tasks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "unarchive",
		Args: append([]Arg{
			{Name: "src", Type: Path, Required: true},
			{Name: "dest", Type: Path, Required: true},
			{Name: "remote_src", Type: Bool, Default: false},
			{Name: "creates", Type: Path},
			{Name: "list_files", Type: Bool, Default: false},
			{Name: "keep_newer", Type: Bool, Default: false},
			{Name: "exclude", Type: List, Elements: Str, Default: []any{}},
			{Name: "include", Type: List, Elements: Str, Default: []any{}},
			{Name: "extra_opts", Type: List, Elements: Str, Default: []any{}},
			{Name: "validate_certs", Type: Bool, Default: true},
			{Name: "io_buffer_size", Type: Int, Default: 64 * 1024},
			{Name: "copy", Type: Bool, Default: true},
			{Name: "decrypt", Type: Bool, Default: true},
		}, fileCommonArgs()...),
		MutuallyExclusive: [][]string{{"include", "exclude"}},
		Run:               runUnarchive,
	})
}

// archive is the archive a task unpacks: on the controller (streamed to
// tar's standard input, or put on the host for unzip) or on the host.
type archive struct {
	local   string // controller path; "" when on the host
	plain   []byte // the decrypted content of a vault-encrypted local archive
	remote  string // host path
	handler string // Ansible's handler class name
	zipflag string // tar's compression flag
}

// magic formats, in the order Ansible tries its handlers. GNU tar reads
// bzip2, xz and zstd archives from a file by itself, so Ansible's plain
// TarArchive handler takes them; the flag is still needed to read them
// from standard input.
var archiveMagic = []struct {
	prefix  []byte
	handler string
	flag    string
}{
	{[]byte("PK\x03\x04"), "ZipArchive", ""},
	{[]byte{0x1f, 0x8b}, "TgzArchive", "-z"},
	{[]byte("BZh"), "TarArchive", "-j"},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, "TarArchive", "-J"},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "TarArchive", "--use-compress-program=zstd"},
}

// detect picks the handler from the archive's first bytes.
func (a *archive) detect(head []byte) error {
	for _, m := range archiveMagic {
		if bytes.HasPrefix(head, m.prefix) {
			a.handler, a.zipflag = m.handler, m.flag
			return nil
		}
	}
	if len(head) >= 262 && string(head[257:262]) == "ustar" {
		a.handler = "TarArchive"
		return nil
	}
	return fmt.Errorf("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.", a.name())
}

// openLocal opens the controller archive: the decrypted bytes of a
// vaulted one, else the file.
func (a *archive) openLocal() (io.ReadCloser, error) {
	if a.plain != nil {
		return io.NopCloser(bytes.NewReader(a.plain)), nil
	}
	return os.Open(a.local)
}

func (a *archive) name() string {
	if a.local != "" {
		return a.local
	}
	return a.remote
}

func runUnarchive(ctx context.Context, c *Call) (*Result, error) {
	dest, err := ExpandUser(ctx, c.Conn, c.Args.Str("dest"))
	if err != nil {
		return nil, err
	}
	if cr := c.Args.Str("creates"); cr != "" {
		if found, err := exists(ctx, c, cr); err != nil || found {
			return &Result{Skipped: true, Msg: "skipped, since " + cr + " exists"}, err
		}
	}
	if fi, err := c.Conn.Stat(ctx, dest); err != nil || !fi.IsDir() {
		if err != nil && hostErr(err) {
			return nil, err
		}
		return Failf("dest '%s' must be an existing dir", dest), nil
	}
	a, failure, err := openArchive(ctx, c)
	if err != nil || failure != nil {
		return failure, err
	}
	files, err := a.list(ctx, c)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.\n%v", a.name(), err), nil
	}
	return unpack(ctx, c, a, dest, files)
}

// openArchive finds the archive and its format.
func openArchive(ctx context.Context, c *Call) (*archive, *Result, error) {
	a := &archive{}
	var head bytes.Buffer
	if c.Args.Bool("remote_src") {
		src, err := ExpandUser(ctx, c.Conn, c.Args.Str("src"))
		if err != nil {
			return nil, nil, err
		}
		a.remote = src
		fi, err := c.Conn.Stat(ctx, src)
		if err != nil {
			if hostErr(err) {
				return nil, nil, err
			}
			return nil, Failf("Source '%s' does not exist", src), nil
		}
		if fi.Size == 0 {
			return nil, Failf("Invalid archive '%s', the file is 0 bytes", src), nil
		}
		lb := &limitedBuffer{limit: 512}
		if err := c.Conn.Get(ctx, src, lb); err != nil && hostErr(err) {
			return nil, nil, err
		}
		head.Write(lb.b)
	} else {
		found, err := c.Find("files", c.Args.Str("src"))
		if err != nil {
			return nil, Failf("%v", err), nil
		}
		a.local = found
		if failure := a.decrypt(c); failure != nil {
			return nil, failure, nil
		}
		f, err := a.openLocal()
		if err != nil {
			return nil, Failf("could not find src=%s, %v", found, err), nil
		}
		_, _ = io.CopyN(&head, f, 512)
		f.Close()
		if head.Len() == 0 {
			return nil, Failf("Invalid archive '%s', the file is 0 bytes", found), nil
		}
	}
	if err := a.detect(head.Bytes()); err != nil {
		return nil, Failf("%v", err), nil
	}
	return a, nil, nil
}

// decrypt reads a vault-encrypted controller archive into memory,
// decrypted, as the unarchive action's get_real_file does (unless decrypt
// is false); the plaintext never touches the controller's disk.
func (a *archive) decrypt(c *Call) *Result {
	if !c.Args.Bool("decrypt") {
		return nil
	}
	if vaulted, err := isVaultFile(a.local); err != nil || !vaulted {
		return nil
	}
	plain, _, failure := readSource(c, a.local, true)
	if failure != nil {
		return failure
	}
	a.plain = plain
	return nil
}

// tarArgs are the options shared by tar's list, diff and extract runs.
func tarArgs(c *Call, a *archive, op, dest string, withOwner bool) []string {
	argv := []string{"tar", op}
	if dest != "" {
		argv = append(argv, "-C", dest)
	}
	if a.zipflag != "" {
		argv = append(argv, a.zipflag)
	}
	if opts := c.Args.Strings("extra_opts"); len(opts) > 0 {
		argv = append(append(argv, "--show-transformed-names"), opts...)
	}
	if withOwner {
		if o := c.Args.Str("owner"); o != "" {
			argv = append(argv, "--owner="+o)
		}
		if g := c.Args.Str("group"); g != "" {
			argv = append(argv, "--group="+g)
		}
		if c.Args.Bool("keep_newer") {
			argv = append(argv, "--keep-newer-files")
		}
	}
	for _, e := range c.Args.Strings("exclude") {
		argv = append(argv, "--exclude="+e)
	}
	src := a.remote
	if a.local != "" {
		src = "-"
	}
	argv = append(argv, "-f", src)
	return append(argv, c.Args.Strings("include")...)
}

// runTar runs tar on the host, feeding a controller archive on stdin.
func runTar(ctx context.Context, c *Call, a *archive, argv []string) (transport.Result, error) {
	cmd := transport.Command{Argv: argv, Env: map[string]string{"LANG": "C", "LC_ALL": "C", "LC_MESSAGES": "C", "LANGUAGE": "C"}}
	if a.local != "" {
		f, err := a.openLocal()
		if err != nil {
			return transport.Result{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	return c.Run(ctx, cmd)
}

// list returns the archive's member names as Ansible's handlers list them.
func (a *archive) list(ctx context.Context, c *Call) ([]string, error) {
	if a.handler == "ZipArchive" {
		return a.listZip(ctx, c)
	}
	var out []byte
	if a.local != "" {
		argv := tarArgs(c, a, "--list", "", false)
		if a.plain == nil {
			argv[len(argv)-len(c.Args.Strings("include"))-1] = a.local
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		if a.plain != nil {
			cmd.Stdin = bytes.NewReader(a.plain)
		}
		cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
		var err error
		if out, err = cmd.Output(); err != nil {
			return nil, fmt.Errorf("Unable to list files in the archive: %v", err)
		}
	} else {
		res, err := runTar(ctx, c, a, tarArgs(c, a, "--list", "", false))
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			return nil, fmt.Errorf("Unable to list files in the archive: %s", res.Stderr)
		}
		out = res.Stdout
	}
	var files []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if name == "" {
			continue
		}
		name = strings.TrimPrefix(unescapeTarName(name), "/")
		if !excluded(name, c.Args.Strings("exclude")) {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("Command \"tar\" found no files in archive. Empty archive files are not supported.")
	}
	return files, nil
}

func excluded(name string, excludes []string) bool {
	for _, e := range excludes {
		if fnMatch(name, e) {
			return true
		}
	}
	return false
}

// unescapeTarName undoes GNU tar's octal escapes (codecs.escape_decode).
func unescapeTarName(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(b byte) bool { return b >= '0' && b <= '7' }

var (
	ownerDiffRe   = regexp.MustCompile(`: Uid differs$`)
	groupDiffRe   = regexp.MustCompile(`: Gid differs$`)
	modeDiffRe    = regexp.MustCompile(`: Mode differs$`)
	mtimeDiffRe   = regexp.MustCompile(`: Mod time differs$`)
	emptyFileRe   = regexp.MustCompile(`: : Warning: Cannot stat: No such file or directory$`)
	missingFileRe = regexp.MustCompile(`: Warning: Cannot stat: No such file or directory$`)
	invalidOwner  = regexp.MustCompile(`: Invalid owner`)
	invalidGroup  = regexp.MustCompile(`: Invalid group`)
)

// tarUnarchived is TgzArchive.is_unarchived: tar --diff against dest, its
// differences filtered as Ansible filters them.
func tarUnarchived(ctx context.Context, c *Call, a *archive, dest string) (bool, error) {
	res, err := runTar(ctx, c, a, tarArgs(c, a, "--diff", dest, true))
	if err != nil {
		return false, err
	}
	id, err := hostIdentity(ctx, c.Conn)
	if err != nil {
		return false, err
	}
	lines := append(strings.Split(string(res.Stdout), "\n"), strings.Split(string(res.Stderr), "\n")...)
	for _, l := range lines {
		if emptyFileRe.MatchString(l) {
			continue
		}
		switch {
		case id.UID == 0 && c.Args.Str("owner") == "" && ownerDiffRe.MatchString(l),
			id.UID == 0 && c.Args.Str("group") == "" && groupDiffRe.MatchString(l),
			!c.Args.Has("mode") && modeDiffRe.MatchString(l),
			mtimeDiffRe.MatchString(l), missingFileRe.MatchString(l),
			invalidOwner.MatchString(l), invalidGroup.MatchString(l):
			return false, nil
		}
	}
	return true, nil
}

// unpack checks whether dest already holds the archive, extracts it when
// not, and applies the file arguments to what it holds.
func unpack(ctx context.Context, c *Call, a *archive, dest string, files []string) (*Result, error) {
	r := &Result{}
	src := a.name()
	r.Set("handler", a.handler).Set("dest", dest).Set("src", src)
	var done bool
	var err error
	if a.handler == "ZipArchive" {
		done, err = zipUnarchived(ctx, c, a, dest)
	} else {
		done, err = tarUnarchived(ctx, c, a, dest)
	}
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("%v", err), nil
	}
	r.Changed = !done
	if !done && !c.Check {
		res, cmd, err := a.extract(ctx, c, dest)
		if err != nil {
			return nil, err
		}
		r.Set("extract_results", map[string]any{"cmd": cmd, "rc": res.ExitCode, "out": string(res.Stdout), "err": string(res.Stderr)})
		if res.ExitCode != 0 {
			r.Failed, r.Msg = true, fmt.Sprintf("failed to unpack %s to %s", src, dest)
			return r, nil
		}
	}
	if !c.Check {
		ch, err := archiveAttrs(ctx, c, dest, files)
		if err != nil {
			return failAttr(err, dest)
		}
		r.Changed = r.Changed || ch
	}
	if c.Args.Bool("list_files") {
		l := make([]any, len(files))
		for i, f := range files {
			l[i] = f
		}
		r.Set("files", l)
	}
	return r, pathInfo(ctx, c, r, dest, nil)
}

// extract unpacks the archive into dest.
func (a *archive) extract(ctx context.Context, c *Call, dest string) (transport.Result, []any, error) {
	var argv []string
	if a.handler == "ZipArchive" {
		return a.extractZip(ctx, c, dest)
	}
	argv = tarArgs(c, a, "--extract", dest, true)
	res, err := runTar(ctx, c, a, argv)
	cmd := make([]any, len(argv))
	for i, s := range argv {
		cmd[i] = s
	}
	if a.local != "" {
		cmd[len(argv)-len(c.Args.Strings("include"))-1] = a.local
	}
	return res, cmd, err
}

// archiveAttrs applies mode, owner and group to every member and to the
// top folders.
func archiveAttrs(ctx context.Context, c *Call, dest string, files []string) (bool, error) {
	fa := fileArgsOf(c)
	if fa.Mode == nil && fa.Owner == "" && fa.Group == "" {
		return false, nil
	}
	changed := false
	var tops []string
	seen := map[string]bool{}
	apply := func(p string) error {
		fi, err := c.Conn.Lstat(ctx, p)
		if err != nil {
			return unreachableOnly(err)
		}
		ch, _, err := setAttrs(ctx, c, p, fa, stateOf(fi), nil)
		changed = changed || ch
		return err
	}
	for _, f := range files {
		if err := apply(path.Join(dest, f)); err != nil {
			return changed, err
		}
		if top, _, ok := strings.Cut(f, "/"); ok && !seen[top] {
			seen[top] = true
			tops = append(tops, top)
		}
	}
	for _, t := range tops {
		if err := apply(dest + "/" + t); err != nil {
			return changed, err
		}
	}
	return changed, nil
}
