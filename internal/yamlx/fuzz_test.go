package yamlx

import (
	"testing"

	"github.com/drover/drover/internal/pyfmt"
)

// FuzzLoad checks that any input gives values or a located error, never a
// panic.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{"a: 1\n", "- [1, {b: c}]\n", "x: &a [*a]\n", "m: &m {<<: *m}\n", "<<: {a: 1}\n", "{\"j\": 1e3}", "a: !vault |\n  x\n", ": :\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Load("f.yml", []byte(src), nil)
		if err != nil {
			return
		}
		for _, d := range file.Docs {
			v, err := file.Value(d, Options{})
			if err == nil {
				_ = pyfmt.JSON(v, 4)
				_ = pyfmt.YAML(v)
			}
		}
	})
}
