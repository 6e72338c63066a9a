package tasks

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"

	"github.com/drover/drover/transport"
)

// Digests of host files and of content streamed to the host (get_url,
// uri): SHA-1 through the connection's Checksum, other algorithms with
// coreutils' *sum programs (or, without them, by reading the file).

// digestAlgos are the checksum algorithms get_url accepts.
var digestAlgos = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224,
	"sha256": sha256.New, "sha384": sha512.New384, "sha512": sha512.New}

// digestNames lists the algorithms, for messages.
func digestNames() string {
	var n []string
	for k := range digestAlgos {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// hostDigest is the hex digest of a host file with algo.
func hostDigest(ctx context.Context, c *Call, p, algo string) (string, error) {
	if algo == "sha1" {
		return c.Conn.Checksum(ctx, p)
	}
	newHash, ok := digestAlgos[algo]
	if !ok {
		return "", fmt.Errorf("Could not hash file '%s' with algorithm '%s'. Available algorithms: %s", p, algo, digestNames())
	}
	res, err := c.Conn.Run(ctx, transport.Command{Argv: []string{algo + "sum", "--", p}})
	if err != nil {
		return "", err
	}
	if res.ExitCode == 0 {
		if f := strings.Fields(string(res.Stdout)); len(f) > 0 {
			return strings.TrimPrefix(f[0], `\`), nil
		}
	}
	h := newHash()
	if err := c.Conn.Get(ctx, p, h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// errSameContent ends a streamed write whose content turned out to be the
// destination's already: the temporary file is dropped, nothing changes.
var errSameContent = errors.New("content unchanged")

// hashingReader hashes what is read through it (SHA-1, MD5 and one more
// algorithm) and, when same is set, fails at the end with errSameContent
// if the SHA-1 equals it.
type hashingReader struct {
	r            io.Reader
	sha, md, alg hash.Hash
	same         string
	n            int64
	done         bool
	matched      bool
}

func newHashingReader(r io.Reader, algo, same string) *hashingReader {
	h := &hashingReader{r: r, sha: sha1.New(), md: md5.New(), same: same}
	if f, ok := digestAlgos[algo]; ok {
		h.alg = f()
	}
	return h
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	h.sha.Write(p[:n])
	h.md.Write(p[:n])
	if h.alg != nil {
		h.alg.Write(p[:n])
	}
	if err == io.EOF {
		h.done = true
		if h.same != "" && h.SHA1() == h.same {
			h.matched = true
			return n, errSameContent
		}
	}
	return n, err
}

// SHA1 and MD5 are the digests of what was read.
func (h *hashingReader) SHA1() string { return hex.EncodeToString(h.sha.Sum(nil)) }

// MD5 is the MD5 of what was read.
func (h *hashingReader) MD5() string { return hex.EncodeToString(h.md.Sum(nil)) }

// Algo is the digest with the extra algorithm ("" when none).
func (h *hashingReader) Algo() string {
	if h.alg == nil {
		return ""
	}
	return hex.EncodeToString(h.alg.Sum(nil))
}

// readAllHashing drains r (for check mode and HEAD requests).
func readAllHashing(h *hashingReader) error {
	_, err := io.Copy(io.Discard, h)
	if errors.Is(err, errSameContent) {
		return nil
	}
	return err
}
