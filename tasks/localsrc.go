package tasks

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"os"
	"sync"
	"time"
)

// Controller-side source files of copy, template and unarchive: their
// checksums are computed once per file version for the whole run (every
// host copies the same file).

type localSum struct {
	size  int64
	mtime time.Time
	sha1  string
	md5   string
}

var localSums sync.Map // path -> localSum

// localChecksums returns the SHA-1 and MD5 of a file on the controller,
// cached while its size and modification time stay the same.
func localChecksums(p string) (sha, md string, err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", "", err
	}
	if v, ok := localSums.Load(p); ok {
		s := v.(localSum)
		if s.size == fi.Size() && s.mtime.Equal(fi.ModTime()) {
			return s.sha1, s.md5, nil
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h1, h5 := sha1.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(h1, h5), f); err != nil {
		return "", "", err
	}
	s := localSum{size: fi.Size(), mtime: fi.ModTime(), sha1: hex.EncodeToString(h1.Sum(nil)), md5: hex.EncodeToString(h5.Sum(nil))}
	localSums.Store(p, s)
	return s.sha1, s.md5, nil
}

// bytesChecksums returns the SHA-1 and MD5 of content.
func bytesChecksums(b []byte) (sha, md string) {
	h1, h5 := sha1.Sum(b), md5.Sum(b)
	return hex.EncodeToString(h1[:]), hex.EncodeToString(h5[:])
}
