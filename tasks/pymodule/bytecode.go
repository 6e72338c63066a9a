package pymodule

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"path"
	"strings"
	"sync"
	"time"
)

// fileStamp is the modification time every payload file gets on the
// hosts, so that bytecode compiled on one host is valid on the others.
var fileStamp = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// bytecodeStore is Python bytecode learnt from hosts during a run: the
// first host with a given Python (cache tag) to receive a payload compiles
// it and sends the bytecode back; the others get it with the payload and
// skip compiling, each module and module_utils compiled once per run and
// Python version rather than once per host.
type bytecodeStore struct {
	mu sync.Mutex
	// pycs maps tag → cache file path and source hash → bytecode.
	pycs map[string]map[string][]byte
	// gates are the payloads (id and tag) a host is compiling; zips the
	// payloads with their bytecode.
	gates map[string]chan struct{}
	zips  map[string][]byte
}

func newBytecodeStore() *bytecodeStore {
	return &bytecodeStore{pycs: map[string]map[string][]byte{}, gates: map[string]chan struct{}{}, zips: map[string][]byte{}}
}

// zipFor is the payload to send to a host whose Python has cache tag
// tag: with bytecode when it is known; lead is true when this host must
// compile it (and report with learn), the others waiting for it.
func (b *bytecodeStore) zipFor(ctx context.Context, p *payload, tag string) (data []byte, lead bool, err error) {
	if tag == "" {
		return p.zip, false, nil
	}
	key := p.id + "\x00" + tag
	b.mu.Lock()
	if z, ok := b.zips[key]; ok {
		b.mu.Unlock()
		return z, false, nil
	}
	gate, ok := b.gates[key]
	if !ok {
		b.gates[key] = make(chan struct{})
		b.mu.Unlock()
		return p.zip, true, nil
	}
	b.mu.Unlock()
	select {
	case <-gate:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.zips[key], false, nil
}

// learn records the bytecode a leading host sent for p (a zip, possibly
// empty) and releases the hosts waiting for it.
func (b *bytecodeStore) learn(p *payload, tag string, pycZip []byte) {
	key := p.id + "\x00" + tag
	b.mu.Lock()
	defer b.mu.Unlock()
	known := b.pycs[tag]
	if known == nil {
		known = map[string][]byte{}
		b.pycs[tag] = known
	}
	if zr, err := zip.NewReader(bytes.NewReader(pycZip), int64(len(pycZip))); err == nil {
		for _, f := range zr.File {
			src := sourceOf(f.Name, tag)
			if sum, ok := p.files[src]; ok {
				if data, err := readZipFile(f); err == nil {
					known[f.Name+"\x00"+sum] = data
				}
			}
		}
	}
	z, err := withBytecode(p, tag, known)
	if err != nil {
		z = p.zip
	}
	b.zips[key] = z
	if gate, ok := b.gates[key]; ok {
		close(gate)
		delete(b.gates, key)
	}
}

// sourceOf is the source file of a cached bytecode file:
// a/__pycache__/b.TAG.pyc → a/b.py.
func sourceOf(pyc, tag string) string {
	dir, file := path.Split(pyc)
	dir = strings.TrimSuffix(strings.TrimSuffix(dir, "/"), "__pycache__")
	return dir + strings.TrimSuffix(file, "."+tag+".pyc") + ".py"
}

// cacheOf is where Python caches the bytecode of src.
func cacheOf(src, tag string) string {
	dir, file := path.Split(src)
	return dir + "__pycache__/" + strings.TrimSuffix(file, ".py") + "." + tag + ".pyc"
}

func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// withBytecode is p's zip with the known bytecode of its sources added.
func withBytecode(p *payload, tag string, known map[string][]byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(p.zip), int64(len(p.zip)))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	for src, sum := range p.files {
		if !strings.HasSuffix(src, ".py") {
			continue
		}
		pyc := cacheOf(src, tag)
		data, ok := known[pyc+"\x00"+sum]
		if !ok {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: pyc, Method: zip.Store, Modified: fileStamp})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
