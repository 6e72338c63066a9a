package pyfmt

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// python runs a Python script fed with JSON on stdin and decodes its JSON
// answer. Without Debian's python3 (and its yaml module) it skips, except
// under CI=true.
func python(t *testing.T, script string, in, out any) {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import yaml").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with PyYAML is needed for the differential tests: %v", err)
		}
		t.Skipf("python3 with PyYAML not installed: %v", err)
	}
	b, _ := json.Marshal(in)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(b))
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, res)
	}
}

// corpus are values as they come out of JSON (float64 for every number),
// with the strings that take each path of the writers.
var corpus = []any{
	nil, true, false, 0.0, 1.0, -2.5, 1e16, 1e15, 0.0001, 0.00001, 1234567.5, 0.1 + 0.2, 1e100, -0.0,
	"", "plain", "it's", `say "hi"`, `both ' and "`, "back\\slash", "tab\there", "new\nline", "\r\x00\x1b\x7f",
	"é ünïcödé", "\u00a0nbsp", "\u0085", "\u2028sep", "\ufeffbom", "zero\u200bwidth", "日本語", "emoji 🎉",
	"yes", "No", "on", "~", "null", "12", "1.5", "0x1F", "017", "1:20", "2024-01-31", "2024-01-31 10:00:00",
	"<<", "=", "- dash", "a: b", "#hash", "x #y", "key:", "? q", "[list]", "{map}", "&anchor", "*alias", "!tag",
	"|pipe", ">fold", "%pct", "@at", "`tick", " lead", "trail ", "two  spaces", "a\n\nb", "a \nb", "a\n b",
	"---", "...", "--- x", strings.Repeat("long words ", 12), strings.Repeat("x", 100) + " " + strings.Repeat("y", 100),
	strings.Repeat("0", 77) + "\"\t00", strings.Repeat("ab ", 30) + "\ttab", strings.Repeat("w\t ", 40),
	strings.Repeat("two  spaces ", 10) + "\x01", " lead and " + strings.Repeat("long ", 20), strings.Repeat("quote's ", 15) + " ",
	strings.Repeat("word ", 17) + "\n" + strings.Repeat("next ", 17), strings.Repeat("x", 90) + "\u2028" + strings.Repeat("y ", 50),
	"line one\nline two that is rather long and goes on and on past the width of eighty columns", strings.Repeat("é", 90),
	[]any{}, map[string]any{}, []any{1.0, "a", nil, []any{"n", []any{}}, map[string]any{"k": "v"}},
	map[string]any{"b": []any{"x", map[string]any{"c": 1.0, "d": []any{"e"}}}, "a": map[string]any{}, "": "empty key",
		"z z": nil, "yes": "no", strings.Repeat("k", 130): "long key", "multi\nline": 1.0, "ü": "é"},
}

func TestAgainstPython(t *testing.T) {
	var want []struct {
		Repr string `json:"repr"`
		JSON string `json:"json"`
		YAML string `json:"yaml"`
	}
	python(t, `
import json, sys, yaml
out = []
for v in json.load(sys.stdin, parse_int=float):
    out.append({
        "repr": repr(v),
        "json": json.dumps(v, indent=4, sort_keys=True, ensure_ascii=False),
        # Ansible dumps with libyaml (AnsibleDumper is a CSafeDumper).
        "yaml": yaml.dump(v, Dumper=yaml.CSafeDumper, default_flow_style=False, allow_unicode=True),
    })
print(json.dumps(out))
`, corpus, &want)
	for i, v := range corpus {
		if got := Repr(v); got != want[i].Repr {
			t.Errorf("Repr(%#v) = %s, Python %s", v, got, want[i].Repr)
		}
		if got := JSON(v, 4); got != want[i].JSON {
			t.Errorf("JSON(%#v) =\n%s\nPython\n%s", v, got, want[i].JSON)
		}
		got := YAML(v)
		if _, scalar := v.([]any); !scalar {
			if _, m := v.(map[string]any); !m {
				// A scalar document ends with "..." here, as PyYAML's own
				// emitter writes it; libyaml does not.
				got = strings.TrimSuffix(got, "...\n")
			}
		}
		if got != want[i].YAML {
			t.Errorf("YAML(%#v) =\n%q\nPython\n%q", v, got, want[i].YAML)
		}
	}
}

func TestFloatAgainstPython(t *testing.T) {
	fs := []float64{0, 1, -1, 0.5, 1.5, 1e16, 1e15, 9999999999999998, 0.0001, 0.00001, 0.000123, 1234567.5, 123456789012.25,
		1e22, 1.7976931348623157e308, 5e-324, 2.5e-7, 0.1, 1 / 3.0, 100, 1e-4 * 0.99}
	var want []string
	python(t, `
import json, sys
print(json.dumps([repr(float(f)) for f in json.load(sys.stdin)]))
`, fs, &want)
	for i, f := range fs {
		if got := Float(f); got != want[i] {
			t.Errorf("Float(%v) = %s, Python %s", f, got, want[i])
		}
	}
}

func TestJSONFloat(t *testing.T) {
	tests := map[float64]string{1: "1.0", 1.5: "1.5", 1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001",
		0.00001: "1e-05", -2.5e-7: "-2.5e-07", 1e100: "1e+100", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"}
	a, b := 0.1, 0.2
	tests[a+b] = "0.30000000000000004"
	for f, want := range tests {
		if got := JSONFloat(f); got != want {
			t.Errorf("JSONFloat(%v) = %q, want %q", f, got, want)
		}
	}
	if got := JSONFloat(math.NaN()); got != "NaN" {
		t.Errorf("JSONFloat(NaN) = %q", got)
	}
	for f, want := range map[float64]string{math.Inf(1): "inf", math.Inf(-1): "-inf", math.NaN(): "nan"} {
		if got := Float(f); got != want {
			t.Errorf("Float(%v) = %q, want %q", f, got, want)
		}
	}
	for f, want := range map[float64]string{math.Inf(1): ".inf", math.Inf(-1): "-.inf", math.NaN(): ".nan", 1e16: "1.0e+16", 2.5: "2.5"} {
		if got := YAMLFloat(f); got != want {
			t.Errorf("YAMLFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestJSON(t *testing.T) {
	v := map[string]any{"b": []any{1, 2.0, "é\n\"", nil, true}, "a": map[string]any{}, "c": []any{}}
	want := "{\n    \"a\": {},\n    \"b\": [\n        1,\n        2.0,\n        \"é\\n\\\"\",\n        null,\n        true\n    ],\n    \"c\": []\n}"
	if got := JSON(v, 4); got != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
	if got := JSON(map[string]any{"l": []string{"x"}, "m": map[string]string{"k": "v"}, "n": int64(-3)}, 0); got != `{"l": ["x"], "m": {"k": "v"}, "n": -3}` {
		t.Errorf("JSON without indent = %s", got)
	}
}

func TestYAML(t *testing.T) {
	shared := []any{1, 2}
	v := map[string]any{"s": map[string]any{"k": "yes", "e": "", "n": "12", "p": "plain text", "l": shared, "m": shared, "q": "it's: x"}}
	want := "s:\n  e: ''\n  k: 'yes'\n  l: &id001\n  - 1\n  - 2\n  m: *id001\n  n: '12'\n  p: plain text\n  q: 'it''s: x'\n"
	if got := YAML(v); got != want {
		t.Errorf("YAML =\n%s\nwant\n%s", got, want)
	}
	inner := map[string]any{"a": 1}
	seq := []any{inner, inner, []any{shared, shared}}
	want = "- &id001\n  a: 1\n- *id001\n- - &id002\n    - 1\n    - 2\n  - *id002\n"
	if got := YAML(seq); got != want {
		t.Errorf("YAML of shared items =\n%s\nwant\n%s", got, want)
	}
	if got := YAML("text"); got != "text\n...\n" {
		t.Errorf("YAML of a scalar = %q", got)
	}
}

func TestStr(t *testing.T) {
	v := map[string]any{"a": []any{"x", 1, true, nil, 1.5}, "b": "it's"}
	if got := Str(v); got != `{'a': ['x', 1, True, None, 1.5], 'b': "it's"}` {
		t.Errorf("Str = %s", got)
	}
	if got := Str("bare"); got != "bare" {
		t.Errorf("Str(string) = %s", got)
	}
	if got := Repr([]string{"a", "b'"}); got != `['a', "b'"]` {
		t.Errorf("Repr([]string) = %s", got)
	}
	if got := Repr(map[string]string{"k": "v"}); got != `{'k': 'v'}` {
		t.Errorf("Repr(map[string]string) = %s", got)
	}
	if got := Quote("a\xffb"); got != `'a\udcffb'` {
		t.Errorf("Quote of a byte that is not UTF-8 = %s", got)
	}
}

func TestSplitLinesAgainstPython(t *testing.T) {
	cases := []string{"", "a", "a\n", "a\nb", "a\r\nb\rc\n\n", "\n", "\r\n\r\n", "a\vb\fc\x1cd\x1de\x1ef",
		"x\u0085y\u2028z\u2029w", "tab\there\n", "ünï\ncödé", "end\r"}
	var want []struct {
		Str, StrKeep, Bytes, BytesKeep []string
	}
	python(t, `
import json, sys
out = []
for s in json.load(sys.stdin):
    b = s.encode("utf-8", "surrogateescape")
    out.append({"Str": s.splitlines(), "StrKeep": s.splitlines(True),
        "Bytes": [l.decode("utf-8", "surrogateescape") for l in b.splitlines()],
        "BytesKeep": [l.decode("utf-8", "surrogateescape") for l in b.splitlines(True)]})
print(json.dumps(out))
`, cases, &want)
	for i, s := range cases {
		check := func(what string, got, want []string) {
			if len(got) == 0 && len(want) == 0 {
				return
			}
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Errorf("%s(%q) = %q, Python %q", what, s, got, want)
			}
		}
		check("SplitLines", SplitLines(s, false), want[i].Str)
		check("SplitLines keepends", SplitLines(s, true), want[i].StrKeep)
		check("SplitByteLines", SplitByteLines(s, false), want[i].Bytes)
		check("SplitByteLines keepends", SplitByteLines(s, true), want[i].BytesKeep)
	}
	// A lone byte 0x85 is not U+0085 (which is C2 85 in UTF-8).
	if got := SplitLines("a\x85b", false); len(got) != 1 || got[0] != "a\x85b" {
		t.Errorf("SplitLines of a lone 0x85 byte = %q", got)
	}
}
