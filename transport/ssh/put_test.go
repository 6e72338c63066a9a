package ssh_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/drover/drover/transport"
)

// onlyReader hides every method of a reader but Read, as a stream of
// unknown size does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestPutSizes writes contents around the size of one SFTP request (8 KiB
// less 64 bytes) and far beyond it, from readers that tell their size
// (bytes.Reader, a file) and from one that does not, and reads each back;
// the largest is more than one Put keeps in flight.
func TestPutSizes(t *testing.T) {
	lab := shared(t)
	h := lab.Hosts[0]
	c := dial(t, hostConfig(lab, h))
	ctx := context.Background()
	const request = 8<<10 - 64
	for _, size := range []int{0, 1, request - 1, request, request + 1, 3*request + 5, 1 << 20, 5 << 20} {
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(i*7 + i/251)
		}
		local := filepath.Join(t.TempDir(), "src")
		if err := os.WriteFile(local, content, 0o644); err != nil {
			t.Fatal(err)
		}
		readers := map[string]func() io.Reader{
			"bytes":  func() io.Reader { return bytes.NewReader(content) },
			"stream": func() io.Reader { return onlyReader{bytes.NewReader(content)} },
			"file": func() io.Reader {
				f, err := os.Open(local)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				return f
			},
		}
		for name, open := range readers {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				p := h.Dir + "/put-" + name
				if err := c.Put(ctx, p, open(), transport.PutOptions{Mode: 0o600}); err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				if err := c.Get(ctx, p, &got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), content) {
					t.Fatalf("read back %d bytes, want %d (equal prefix: %v)", got.Len(), size,
						bytes.HasPrefix(content, got.Bytes()))
				}
				sum, err := c.Checksum(ctx, p)
				if want := fmt.Sprintf("%x", sha1.Sum(content)); err != nil || sum != want {
					t.Errorf("checksum %s, %v; want %s", sum, err, want)
				}
				if fi, err := c.Stat(ctx, p); err != nil || fi.Mode.Perm() != 0o600 || fi.Size != int64(size) {
					t.Errorf("stat: %+v, %v", fi, err)
				}
			})
		}
	}
}
