package tasks

import (
	"bytes"
	"io/fs"
)

// Diffs of file contents as Ansible reports them.
//
// A module puts its diff in Result.Values["diff"] in exactly the shape
// Ansible registers (a mapping, or a list of mappings for copy, lineinfile
// and blockinfile), since some keys (dst_binary, src_larger) and shapes (a
// list of one) have no place in Result.Diff; the engine renders both.

// maxDiffSize is Ansible's MAX_FILE_SIZE_FOR_DIFF: larger files are not
// diffed.
const maxDiffSize = 104448

// modeSpecial are the setuid, setgid and sticky bits of fs.FileMode.
const modeSpecial = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// looksBinary is Ansible's test of a file for diffs: a NUL byte in its
// first 8192 bytes.
func looksBinary(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// destDiff fills the "before" half of a content diff from the destination
// file as the copy action's _get_diff_data does: "" when it does not exist,
// dst_binary or dst_larger instead of content for binary or large files.
// read returns the destination's content; size is its size.
func destDiff(d map[string]any, dest string, exists bool, size int64, read func() ([]byte, error)) error {
	if !exists {
		d["before"] = ""
		return nil
	}
	if size > maxDiffSize {
		d["dst_larger"] = maxDiffSize
		return nil
	}
	b, err := read()
	if err != nil {
		return err
	}
	if looksBinary(b) {
		d["dst_binary"] = 1
		return nil
	}
	d["before_header"], d["before"] = dest, string(b)
	return nil
}

// srcDiff fills the "after" half from the new content: src_larger or
// src_binary instead of content for large or binary sources (a NUL byte
// anywhere).
func srcDiff(d map[string]any, header string, content []byte, size int64) {
	switch {
	case size > maxDiffSize:
		d["src_larger"] = maxDiffSize
	case bytes.IndexByte(content, 0) >= 0:
		d["src_binary"] = 1
	default:
		d["after_header"], d["after"] = header, string(content)
	}
}

// setDiff stores a module's diff in its registered values.
func setDiff(r *Result, d any) *Result { return r.Set("diff", d) }
