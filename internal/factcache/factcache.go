// Package factcache keeps hosts' facts between runs in a directory, one
// JSON file per host, as Ansible's jsonfile fact cache plugin does, so
// that drover and Ansible read each other's caches.
package factcache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/drover/drover/internal/pyfmt"
)

// JSONFile is a jsonfile fact cache.
type JSONFile struct {
	Dir    string        // the cache directory (fact_caching_connection)
	Prefix string        // put before each host's name (fact_caching_prefix)
	MaxAge time.Duration // facts older than this are gone; 0 keeps them forever
	now    func() time.Time
}

// New returns the cache kept in dir, creating dir when missing.
func New(dir, prefix string, maxAge time.Duration) (*JSONFile, error) {
	if dir == "" {
		return nil, errors.New("the jsonfile fact cache needs fact_caching_connection (ANSIBLE_CACHE_PLUGIN_CONNECTION): a writable directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fact cache directory: %w", err)
	}
	return &JSONFile{Dir: dir, Prefix: prefix, MaxAge: maxAge, now: time.Now}, nil
}

func (c *JSONFile) path(host string) string { return filepath.Join(c.Dir, c.Prefix+host) }

// Get returns a host's cached facts; ok is false when there are none or
// they are older than MaxAge.
func (c *JSONFile) Get(host string) (map[string]any, bool, error) {
	p := c.path(host)
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if c.MaxAge > 0 && c.now().Sub(st.ModTime()) > c.MaxAge {
		return nil, false, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false, err
	}
	facts, err := decode(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", p, err)
	}
	return facts, true, nil
}

// Set replaces a host's cached facts (plain values: maps, lists, strings,
// numbers, bools, nil). The file is written under a temporary name with
// mode 0600 and renamed.
func (c *JSONFile) Set(host string, facts map[string]any) error {
	tmp, err := os.CreateTemp(c.Dir, ".drover-facts-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(pyfmt.JSON(facts, 4))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path(host))
}

// Delete forgets a host's cached facts.
func (c *JSONFile) Delete(host string) error {
	err := os.Remove(c.path(host))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// decode reads a JSON object, integers as ints.
func decode(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v).(map[string]any), nil
}

// numbers turns json.Numbers into ints or floats throughout v.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(string(x)); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
