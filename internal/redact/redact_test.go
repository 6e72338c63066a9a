package redact

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"no secrets", nil, "hello hunter2", "hello hunter2"},
		{"one occurrence", []string{"hunter2"}, "pw=hunter2 ok", "pw=******** ok"},
		{"every occurrence", []string{"hunter2"}, "hunter2hunter2 hunter2", "**************** ********"},
		{"short values ignored", []string{"", "a", "ab"}, "a ab abc", "a ab abc"},
		{"three bytes masked", []string{"abc"}, "a ab abc", "a ab ********"},
		{"only stars ignored", []string{"****"}, "****", "****"},
		{"longest at a position", []string{"pass", "password"}, "password pass", "******** ********"},
		{"overlap leftmost wins", []string{"abcdef", "defghi"}, "abcdefghi", "********ghi"},
		{"multi-byte", []string{"pässwörd"}, "x pässwörd y", "x ******** y"},
		{"in json", []string{`s3"cr\et`}, `{"v":"s3"cr\et"}`, `{"v":"********"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			for _, s := range tt.secrets {
				r.Add(s)
			}
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(r.Bytes([]byte(tt.in))); got != tt.want {
				t.Errorf("Bytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestZeroAndNil(t *testing.T) {
	var zero Redactor
	if got := zero.String("abc"); got != "abc" {
		t.Errorf("zero Redactor changed text: %q", got)
	}
	var nilR *Redactor
	if got := nilR.String("abc"); got != "abc" {
		t.Errorf("nil Redactor changed text: %q", got)
	}
}

func TestWriterSplitSecret(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"whole", []string{"x hunter2 y"}, "x ******** y"},
		{"split in two", []string{"x hun", "ter2 y"}, "x ******** y"},
		{"byte by byte", strings.Split("a hunter2 b", ""), "a ******** b"},
		{"prefix then other text", []string{"hunt", "ing season"}, "hunting season"},
		{"secret at end needs flush", []string{"pw: hunter", "2"}, "pw: ********"},
		{"false start then secret", []string{"hunhun", "ter2"}, "hun********"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			r.Add("hunter2")
			var out bytes.Buffer
			w := r.Writer(&out)
			for _, c := range tt.chunks {
				n, err := w.Write([]byte(c))
				if err != nil || n != len(c) {
					t.Fatalf("Write(%q) = %d, %v", c, n, err)
				}
				if strings.Contains(out.String(), "hunter2") {
					t.Fatalf("secret leaked before close: %q", out.String())
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
			if _, err := w.Write([]byte("x")); err != ErrClosed {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestWriterHoldsNoMoreThanNeeded(t *testing.T) {
	r := New()
	r.Add("secret-value")
	var out bytes.Buffer
	w := r.Writer(&out)
	fmt.Fprint(w, "line one\nline two sec")
	if got := out.String(); got != "line one\nline two " {
		t.Errorf("written before flush: %q, want everything but the possible secret start", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "line one\nline two sec" {
		t.Errorf("after flush: %q", got)
	}
}

func TestWriterConcurrent(t *testing.T) {
	r := New()
	r.Add("topsecret")
	var out bytes.Buffer
	w := r.Writer(&out)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				fmt.Fprintf(w, "[%d topsecret]", i)
				r.Add(fmt.Sprintf("extra-%d", i))
			}
		}()
	}
	wg.Wait()
	w.Close()
	if strings.Contains(out.String(), "topsecret") {
		t.Errorf("secret leaked under concurrent writes")
	}
}

type named string

func TestValue(t *testing.T) {
	r := New()
	r.Add("hunter2")
	in := map[string]any{
		"cmd":     "mysql -phunter2",
		"list":    []any{"hunter2", 42, true, map[any]any{"k": "x hunter2"}},
		"strs":    []string{"a", "hunter2"},
		"bytes":   []byte("hunter2"),
		"named":   named("hunter2!"),
		"num":     3.5,
		"hunter2": "key masked too",
		"ptr":     &[]string{"hunter2"},
		"nested":  map[string]map[string]string{"a": {"b": "hunter2"}},
	}
	got := r.Value(in)
	want := map[string]any{
		"cmd":      "mysql -p********",
		"list":     []any{"********", 42, true, map[any]any{"k": "x ********"}},
		"strs":     []string{"a", "********"},
		"bytes":    []byte("********"),
		"named":    named("********!"),
		"num":      3.5,
		"********": "key masked too",
		"ptr":      &[]string{"********"},
		"nested":   map[string]map[string]string{"a": {"b": "********"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Value:\n got %#v\nwant %#v", got, want)
	}
	if in["cmd"] != "mysql -phunter2" || (*in["ptr"].(*[]string))[0] != "hunter2" {
		t.Errorf("Value changed its input")
	}
}

func TestContains(t *testing.T) {
	r := New()
	r.Add("hunter2")
	cases := []struct {
		s    string
		want bool
	}{
		{"hunter2", true}, {"pw=hunter2;", true}, {"hunter", false}, {"", false}, {`"hunter2"`, true},
	}
	for _, c := range cases {
		if got := r.Contains(c.s); got != c.want {
			t.Errorf("Contains(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	if New().Contains("hunter2") {
		t.Error("an empty Redactor contains a secret")
	}
}
