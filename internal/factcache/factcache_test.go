package factcache

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestJSONFile(t *testing.T) {
	facts := map[string]any{"ansible_processor_cores": 4, "ansible_load": 0.5, "cached": "yes",
		"ansible_mounts": []any{map[string]any{"mount": "/", "size": 10}}, "none": nil, "flag": true}
	tests := []struct {
		name   string
		maxAge time.Duration
		age    time.Duration
		prefix string
		want   bool
	}{
		{"fresh", time.Hour, time.Minute, "", true},
		{"expired", time.Hour, 2 * time.Hour, "", false},
		{"no expiry", 0, 1000 * time.Hour, "", true},
		{"prefix", time.Hour, 0, "facts_", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache")
			c, err := New(dir, tt.prefix, tt.maxAge)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Set("web1", facts); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(filepath.Join(dir, tt.prefix+"web1"))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("cache file: %v, %v", st, err)
			}
			c.now = func() time.Time { return st.ModTime().Add(tt.age) }
			got, ok, err := c.Get("web1")
			if err != nil || ok != tt.want {
				t.Fatalf("Get: ok %v, %v; want ok %v", ok, err, tt.want)
			}
			if ok && !reflect.DeepEqual(got, facts) {
				t.Errorf("got %#v\nwant %#v", got, facts)
			}
			if _, ok, _ := c.Get("web2"); ok {
				t.Error("web2 has no facts")
			}
			if err := c.Delete("web1"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := c.Get("web1"); ok {
				t.Error("web1's facts were deleted")
			}
			if err := c.Delete("web1"); err != nil {
				t.Errorf("deleting what is gone: %v", err)
			}
		})
	}
}

func TestNeedsDirectory(t *testing.T) {
	if _, err := New("", "", 0); err == nil {
		t.Fatal("a jsonfile cache without a directory must be refused")
	}
}

func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	c, _ := New(dir, "", 0)
	if err := os.WriteFile(filepath.Join(dir, "h"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("h"); err == nil {
		t.Fatal("a corrupt cache file must be an error")
	}
}
