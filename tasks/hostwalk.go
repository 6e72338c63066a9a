package tasks

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

// hostEntry is one file below a directory on the host, with what lstat
// says about it (find -printf, one command for the whole tree).
type hostEntry struct {
	Path        string // full path
	Name        string
	Parent      string // the directory it is in
	Type        byte   // f, d, l, p, s, c, b (lstat)
	FollowType  byte   // the type following a link (d for a link to a directory)
	Perm        uint32
	UID, GID    int
	Size        int64
	Ino, Dev    uint64
	Nlink       int
	Atime       float64
	Mtime       float64
	Ctime       float64
	User, Group string // "" when the id has no name
}

// entryFormat is the find -printf format of hostEntry, NUL-separated.
const entryFormat = `%y\0%Y\0%m\0%U\0%G\0%s\0%i\0%D\0%n\0%A@\0%T@\0%C@\0%u\0%g\0%p\0`

const entryFields = 15

// listTree lists everything below root down to maxDepth levels (0: no
// limit), in the order the directories hold them (as Python's os.walk sees
// them), grouped by directory. follow descends into linked directories.
func listTree(ctx context.Context, c *Call, root string, maxDepth int, follow bool) (map[string][]hostEntry, error) {
	argv := []string{"find"}
	if follow {
		argv = append(argv, "-L")
	}
	argv = append(argv, root, "-mindepth", "1")
	if maxDepth > 0 {
		argv = append(argv, "-maxdepth", strconv.Itoa(maxDepth))
	}
	argv = append(argv, "-printf", entryFormat)
	res, err := c.Conn.Run(ctx, transport.Command{Argv: argv})
	if err != nil {
		return nil, err
	}
	fields := strings.Split(string(res.Stdout), "\x00")
	if res.ExitCode != 0 && len(fields) < entryFields {
		return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	out := map[string][]hostEntry{}
	for i := 0; i+entryFields <= len(fields); i += entryFields {
		e := parseEntry(fields[i : i+entryFields])
		out[e.Parent] = append(out[e.Parent], e)
	}
	return out, nil
}

func parseEntry(f []string) hostEntry {
	e := hostEntry{Type: f[0][0], FollowType: f[1][0], Path: f[14]}
	perm, _ := strconv.ParseUint(f[2], 8, 32)
	e.Perm = uint32(perm)
	e.UID, _ = strconv.Atoi(f[3])
	e.GID, _ = strconv.Atoi(f[4])
	e.Size, _ = strconv.ParseInt(f[5], 10, 64)
	e.Ino, _ = strconv.ParseUint(f[6], 10, 64)
	e.Dev, _ = strconv.ParseUint(f[7], 10, 64)
	e.Nlink, _ = strconv.Atoi(f[8])
	e.Atime, e.Mtime, e.Ctime = pyTimestamp(f[9]), pyTimestamp(f[10]), pyTimestamp(f[11])
	if f[12] != f[3] {
		e.User = f[12]
	}
	if f[13] != f[4] {
		e.Group = f[13]
	}
	e.Parent, e.Name = path.Dir(e.Path), path.Base(e.Path)
	return e
}

// isDirFollow is os.DirEntry.is_dir(): a directory, or a link to one.
func (e hostEntry) isDirFollow() bool { return e.Type == 'd' || (e.Type == 'l' && e.FollowType == 'd') }

// osWalk visits a listed tree as Python's os.walk(root) does, top down:
// each directory's subdirectories and other entries, then each
// subdirectory (not through links unless followLinks). visit may return
// true to skip a directory's subdirectories.
func osWalk(root string, tree map[string][]hostEntry, followLinks bool, visit func(dir string, dirs, files []hostEntry) bool) {
	var dirs, files []hostEntry
	for _, e := range tree[strings.TrimSuffix(root, "/")] {
		if e.isDirFollow() {
			dirs = append(dirs, e)
		} else {
			files = append(files, e)
		}
	}
	if visit(root, dirs, files) {
		return
	}
	for _, d := range dirs {
		if d.Type == 'l' && !followLinks {
			continue
		}
		osWalk(d.Path, tree, followLinks, visit)
	}
}

// walkList is the file module's path_content of a directory about to be
// removed: every directory and every other file below it.
func walkList(ctx context.Context, c *Call, root string) (map[string]any, error) {
	tree, err := listTree(ctx, c, root, 0, false)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		tree = map[string][]hostEntry{}
	}
	dirs, files := []any{}, []any{}
	osWalk(root, tree, false, func(_ string, ds, fs []hostEntry) bool {
		for _, d := range ds {
			dirs = append(dirs, d.Path)
		}
		for _, f := range fs {
			files = append(files, f.Path)
		}
		return false
	})
	return map[string]any{"directories": dirs, "files": files}, nil
}
