package tasks

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// copyTree is what a copy from the controller transfers, as the copy
// action's _walk_dirs lists it: files (with their path relative to dest),
// directories and symbolic links to recreate.
type copyTree struct {
	isDir bool
	files []copySource
	dirs  []string
	links []copyLink
}

type copyLink struct {
	target string // the link's target, as read
	rel    string
}

// walkSource lists a controller source. A directory given with a trailing
// slash copies its content; without, the directory itself (rsync's rule).
// localFollow copies the files and directories links point to instead of
// the links.
func walkSource(src string, localFollow bool) (copyTree, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return copyTree{}, err
	}
	if !fi.IsDir() {
		return copyTree{files: []copySource{{path: src, rel: filepath.Base(src)}}}, nil
	}
	t := copyTree{isDir: true}
	top := strings.TrimSuffix(src, "/")
	base := ""
	if !strings.HasSuffix(src, "/") {
		base = filepath.Base(top)
	}
	if lfi, err := os.Lstat(top); err == nil && lfi.Mode()&os.ModeSymlink != 0 && !localFollow {
		target, _ := os.Readlink(top)
		t.links = append(t.links, copyLink{target: target, rel: filepath.Base(top)})
		return t, nil
	}
	real, _ := filepath.EvalSymlinks(top)
	err = t.walk(top, base, localFollow, map[string]bool{real: true})
	return t, err
}

// walk lists dir (its entries go under rel) as os.walk does: files first,
// then directories, recursing into each.
func (t *copyTree) walk(dir, rel string, follow bool, parents map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var subdirs []string
	for _, e := range entries {
		full := filepath.Join(dir, e.Name())
		r := filepath.Join(rel, e.Name())
		st, serr := os.Stat(full)
		isLink := e.Type()&os.ModeSymlink != 0
		if serr == nil && st.IsDir() {
			subdirs = append(subdirs, e.Name())
			continue
		}
		if isLink {
			real, rerr := filepath.EvalSymlinks(full)
			if follow && rerr == nil && serr == nil && st.Mode().IsRegular() {
				t.files = append(t.files, copySource{path: real, rel: r})
				continue
			}
			target, _ := os.Readlink(full)
			t.links = append(t.links, copyLink{target: target, rel: r})
			continue
		}
		t.files = append(t.files, copySource{path: full, rel: r})
	}
	for _, name := range subdirs {
		if err := t.walkSubdir(dir, rel, name, follow, parents); err != nil {
			return err
		}
	}
	return nil
}

func (t *copyTree) walkSubdir(dir, rel, name string, follow bool, parents map[string]bool) error {
	full := filepath.Join(dir, name)
	r := filepath.Join(rel, name)
	lfi, err := os.Lstat(full)
	if err != nil {
		return err
	}
	if lfi.Mode()&os.ModeSymlink == 0 {
		t.dirs = append(t.dirs, r)
		return t.walk(full, r, follow, parents)
	}
	real, err := filepath.EvalSymlinks(full)
	if !follow || err != nil || parents[real] {
		target, _ := os.Readlink(full)
		t.links = append(t.links, copyLink{target: target, rel: r})
		return nil
	}
	t.dirs = append(t.dirs, r)
	inner := map[string]bool{real: true}
	for k := range parents {
		inner[k] = true
	}
	return t.walk(real, r, follow, inner)
}
