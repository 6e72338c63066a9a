package yamlx

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/pyfmt"
)

// laughs is a "billion laughs" document: each level nine aliases of the
// one below, levels deep.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < levels; i++ {
		a := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.Repeat(a+",", 8)+a)
	}
	return b.String()
}

// hostile are inputs built to cost memory or time, each with the error it
// must end in (FILE:LINE:COL and what is wrong).
var hostile = []struct {
	name, src, want string
}{
	{"flow 100k deep", "x: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", "t.yml:1:1004: collections nested more than 1000 deep"},
	{"flow 40k deep", "x: " + strings.Repeat("{a: ", 40_000) + "1" + strings.Repeat("}", 40_000) + "\n", "t.yml:1:"},
	{"flow 5k deep, broken", "x: " + strings.Repeat("[", 5_000) + "\n: :\n", "collections nested more than 1000 deep"},
	{"flow 2k deep", "x: " + strings.Repeat("[", 2_000) + strings.Repeat("]", 2_000) + "\n", "t.yml:1:1003: collections nested more than 1000 deep"},
	{"dashes 20k deep", "x:\n" + strings.Repeat("- ", 20_000) + "v\n", "t.yml:2:"},
	{"dashes 5k deep", strings.Repeat("- ", 5_000) + "v\n", "t.yml:1:2001: collections nested more than 1000 deep"},
	{"JSON 5k deep", strings.Repeat("[", 5_000) + strings.Repeat("]", 5_000), "t.yml:1:1001: collections nested more than 1000 deep"},
	{"billion laughs", laughs(10), "t.yml:6:10: this alias makes the document expand to more than"},
}

// TestHostileInput checks that deep nesting and alias bombs end in a
// located error (at load or conversion), never a crash or an exhausted
// machine; BenchmarkHostileInput measures what they cost.
func TestHostileInput(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			err := loadAll(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", short(err), tc.want)
			}
			if len(err.Error()) > 2000 {
				t.Errorf("error message of %d bytes", len(err.Error()))
			}
		})
	}
}

// loadAll loads src and converts, then prints, every document.
func loadAll(src string) error {
	f, err := Load("t.yml", []byte(src), nil)
	if err != nil {
		return err
	}
	for _, d := range f.Docs {
		for _, opts := range []Options{{}, {Ordered: func(k []string, v []any) any { return v }}} {
			v, err := f.Value(d, opts)
			if err != nil {
				return err
			}
			_ = pyfmt.JSON(v, 4)
		}
	}
	return nil
}

func short(err error) string {
	s := fmt.Sprint(err)
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestAliasesWithinLimits: anchors reused widely (as in a large inventory)
// and a bomb of modest size still load.
func TestAliasesWithinLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("common: &c {user: deploy, port: 22, become: true}\nhosts:\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "  h%d: *c\n", i)
	}
	for _, src := range []string{b.String(), laughs(5)} {
		if err := loadAll(src); err != nil {
			t.Errorf("%s", short(err))
		}
	}
}

// TestSnippetEscapes: control bytes of a binary file show escaped and a
// long line shows only the part around the error.
func TestSnippetEscapes(t *testing.T) {
	_, err := Load("bin.yml", []byte("a: 1\n\x1b[2J\x00\x07: [\xff\n"), nil)
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x00\x07\xff") || !strings.Contains(err.Error(), `\x1b[2J\x00\x07`) {
		t.Errorf("error %q, want control bytes escaped", err)
	}
	long := "k: " + strings.Repeat("x", 10_000) + ": y: z\n"
	_, err = Load("long.yml", []byte(long), nil)
	if err == nil || len(err.Error()) > 600 || !strings.Contains(err.Error(), "…") {
		t.Errorf("error of %d bytes for a long line: %q", len(fmt.Sprint(err)), short(err))
	}
}

// BenchmarkHostileInput loads each hostile input and reports the peak heap
// in use while it is read, converted and printed (peak-MB, sampled every
// millisecond) and the bytes allocated per load; the limit it holds to is
// 100 MB.
func BenchmarkHostileInput(b *testing.B) {
	for _, tc := range hostile {
		b.Run(tc.name, func(b *testing.B) {
			peak := sampleHeap()
			b.ReportAllocs()
			for b.Loop() {
				_ = loadAll(tc.src)
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-MB")
		})
	}
}

// sampleHeap samples the heap in use until the returned function is
// called, which reports the most seen.
func sampleHeap() func() uint64 {
	runtime.GC()
	var mu sync.Mutex
	var most uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			most = max(most, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return most
	}
}
