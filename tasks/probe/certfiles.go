package probe

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// HostFileRows finds the certificate files matching patterns on the host
// behind conn, reads each and returns their report rows. Patterns are
// host paths with shell wildcards (*, ?, [...]) in any segment and ** for
// any number of directories; names starting with a dot match only a
// pattern segment starting with one. A file or directory that cannot be
// read becomes an ERROR row; a pattern matching nothing yields no row,
// except a plain path, whose absence is an ERROR.
func HostFileRows(ctx context.Context, conn transport.Conn, host string, patterns []string, th Thresholds, now time.Time) []Row {
	var rows []Row
	for _, pat := range patterns {
		files, problems := FindFiles(ctx, conn, pat)
		for _, p := range problems {
			rows = append(rows, Row{Host: host, Path: p.Path, Status: StatusError, Reason: oneLine(p.Err.Error())})
		}
		for _, f := range files {
			var buf bytes.Buffer
			err := conn.Get(ctx, f, &buf)
			rows = append(rows, FileRows(host, f, buf.Bytes(), err, th, now)...)
		}
	}
	return rows
}

// FileProblem is a directory that could not be listed while expanding a
// pattern.
type FileProblem struct {
	Path string
	Err  error
}

// FindFiles expands pattern on the host (see HostFileRows) into the sorted
// paths of the files it matches.
func FindFiles(ctx context.Context, conn transport.Conn, pattern string) ([]string, []FileProblem) {
	g := &globber{ctx: ctx, conn: conn, seen: map[string]bool{}}
	if !hasMeta(pattern) {
		return []string{pattern}, nil
	}
	root, segs := "/", strings.Split(strings.Trim(pattern, "/"), "/")
	if !strings.HasPrefix(pattern, "/") {
		root = "."
	}
	g.walk(root, segs)
	slices.Sort(g.files)
	return g.files, g.problems
}

// globber is the state of one pattern's expansion.
type globber struct {
	ctx      context.Context
	conn     transport.Conn
	seen     map[string]bool
	files    []string
	problems []FileProblem
}

// walk matches segs below dir.
func (g *globber) walk(dir string, segs []string) {
	if len(segs) == 0 || g.ctx.Err() != nil {
		return
	}
	seg, rest := segs[0], segs[1:]
	if seg == "**" {
		g.walk(dir, rest)
	}
	if !hasMeta(seg) {
		g.literal(path.Join(dir, seg), rest)
		return
	}
	entries, err := g.conn.ReadDir(g.ctx, dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			g.problems = append(g.problems, FileProblem{Path: dir, Err: err})
		}
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name, ".") && !strings.HasPrefix(seg, ".") {
			continue
		}
		switch {
		case seg == "**" && e.IsDir():
			g.walk(path.Join(dir, e.Name), segs)
		case seg == "**":
		case !matchSeg(seg, e.Name):
		case len(rest) == 0:
			g.step(path.Join(dir, e.Name), e.IsDir())
		case e.IsDir() || e.Mode&fs.ModeSymlink != 0:
			g.walk(path.Join(dir, e.Name), rest)
		}
	}
}

// literal continues below the named entry p, or records it when it is the
// last segment and an existing file.
func (g *globber) literal(p string, rest []string) {
	if len(rest) > 0 {
		g.walk(p, rest)
		return
	}
	fi, err := g.conn.Stat(g.ctx, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		g.problems = append(g.problems, FileProblem{Path: p, Err: err})
	default:
		g.step(p, fi.IsDir())
	}
}

// step records p as a match unless it is a directory or already seen.
func (g *globber) step(p string, isDir bool) {
	if !isDir && !g.seen[p] {
		g.seen[p] = true
		g.files = append(g.files, p)
	}
}

// matchSeg matches one path segment against a wildcard segment.
func matchSeg(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return ok && err == nil
}

// hasMeta reports whether s holds a wildcard.
func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }
