package pyregex

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// pythonJSON runs a Python script fed with JSON and decodes its JSON
// answer. Without python3 it skips, except under CI=true.
func pythonJSON(t *testing.T, script string, in, out any) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is needed for the differential tests")
		}
		t.Skip("python3 not installed")
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

// TestAgainstPython compares search spans, groups and subn with
// Python's re module.
func TestAgainstPython(t *testing.T) {
	type tc struct {
		Pattern string `json:"pattern"`
		Subject string `json:"subject"`
		Repl    string `json:"repl"`
		Multi   bool   `json:"multi"`
		DotAll  bool   `json:"dotall"`
	}
	cases := []tc{
		{`^port=`, "port=80\n", "x", false, false},
		{`^(\w+)=(\d+)$`, "a=1\n", `\2=\1`, false, false},
		{`x*`, "abxd", "-", false, false},
		{`(?P<k>\w+)\s*=\s*(?P<v>.*)`, "key = value\n", `\g<v>:\g<k>`, false, false},
		{`(a)|(b)`, "b", `[\1][\2]`, false, false},
		{`$`, "a\nb\n", "X", true, false},
		{`^`, "a\nb\n", "X", true, false},
		{`$`, "line\n", "X", false, false},
		{`end\Z`, "the end\n", "E", false, false},
		{`(?<=a)b(?!c)`, "abc ab abd", "X", false, false},
		{`(\d)(?P=x)?`, "", "", false, false},
		{`(.)\1`, "aabbcd", `<\1>`, false, false},
		{`.*`, "a\nb", "X", false, true},
		{`(?i)HELLO`, "say hello", `\g<0>!`, false, false},
		{`[]a]`, "x]a", "-", false, false},
		{`[^]]+`, "ab]cd", "<\\g<0>>", false, false},
		{`\d+`, "a12b345", `\n`, false, false},
		{`a|`, "aab", "-", false, false},
		{`(?m)^#`, "#a\nb\n#c", "", false, false},
		{`(\w+)@(\w+)\.com`, "me@host.com you@there.com", `\2 at \1`, true, false},
	}
	script := `
import json, re, sys
out = []
for c in json.load(sys.stdin):
    flags = (re.M if c["multi"] else 0) | (re.S if c["dotall"] else 0)
    try:
        r = re.compile(c["pattern"], flags)
    except re.error:
        out.append(None); continue
    m = r.search(c["subject"])
    span = [m.start(), m.end()] if m else None
    try:
        sub = list(r.subn(c["repl"], c["subject"]))
    except re.error:
        sub = None
    out.append({"span": span, "sub": sub})
print(json.dumps(out))
`
	var want []*struct {
		Span []int `json:"span"`
		Sub  []any `json:"sub"`
	}
	pythonJSON(t, script, cases, &want)
	for i, c := range cases {
		re, err := Compile(c.Pattern, Flags{Multiline: c.Multi, DotAll: c.DotAll})
		if want[i] == nil {
			if err == nil {
				t.Errorf("%q compiles here but not in Python", c.Pattern)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.Pattern, err)
			continue
		}
		m, err := re.Search(c.Subject)
		var span []int
		if m != nil {
			span = []int{m.Start(), m.End()}
		}
		if err != nil || !equalInts(span, want[i].Span) {
			t.Errorf("search %q in %q = %v (%v), Python %v", c.Pattern, c.Subject, span, err, want[i].Span)
		}
		out, n, err := re.Subn(c.Subject, c.Repl, 0)
		if want[i].Sub == nil {
			if err == nil {
				t.Errorf("subn %q with %q works here, not in Python", c.Pattern, c.Repl)
			}
			continue
		}
		if err != nil || out != want[i].Sub[0] || float64(n) != want[i].Sub[1] {
			t.Errorf("subn %q %q in %q = %q %d (%v), Python %v", c.Pattern, c.Repl, c.Subject, out, n, err, want[i].Sub)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFindAllAgainstPython compares re.finditer's spans (as byte offsets)
// and groups, and re.match, with Python's.
func TestFindAllAgainstPython(t *testing.T) {
	type tc struct {
		Pattern string `json:"pattern"`
		Subject string `json:"subject"`
		Icase   bool   `json:"icase"`
	}
	cases := []tc{
		{`[0-9]+`, "a1b22c333", false},
		{`(\w+)=(\w+)`, "k1=v1 k2=v2", false},
		{`(\w)=(\d)?`, "x=1,y=", false},
		{`x*`, "abxd", false},
		{`\w+(?=,)`, "a,bb,ccc", false},
		{`(?<!x)y`, "xy ay y", false},
		{`(\w)\1`, "aabccdd", false},
		{`^\w+$`, "one\ntwo\n", false},
		{`b`, "ABC", true},
		{`ä+`, "xäÄäy", true},
		{`(?P<a>.)(?P=a)`, "xyyz", false},
		{`c$`, "abc", false},
		{`b`, "abc", false},
	}
	script := `
import json, re, sys
out = []
for c in json.load(sys.stdin):
    r = re.compile(c["pattern"], re.I if c["icase"] else 0)
    s = c["subject"]
    b = lambda i: len(s[:i].encode())  # byte offsets, as Go's
    all = [[b(m.start()), b(m.end())] + [g for g in m.groups()] for m in r.finditer(s)]
    m = r.match(s)
    out.append({"all": all, "match": [b(m.start()), b(m.end())] if m else None})
print(json.dumps(out))
`
	var want []struct {
		All   [][]any `json:"all"`
		Match []int   `json:"match"`
	}
	pythonJSON(t, script, cases, &want)
	for i, c := range cases {
		re, err := Compile(c.Pattern, Flags{IgnoreCase: c.Icase})
		if err != nil {
			t.Errorf("%q: %v", c.Pattern, err)
			continue
		}
		ms, err := re.FindAll(c.Subject)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]any
		for _, m := range ms {
			row := []any{float64(m.Start()), float64(m.End())}
			for g := 1; g <= re.Groups(); g++ {
				if s, ok := m.Group(g); ok {
					row = append(row, s)
				} else {
					row = append(row, nil)
				}
			}
			got = append(got, row)
		}
		if len(got) != 0 || len(want[i].All) != 0 {
			if !reflect.DeepEqual(got, want[i].All) {
				t.Errorf("finditer %q in %q = %v, Python %v", c.Pattern, c.Subject, got, want[i].All)
			}
		}
		m, err := re.Match(c.Subject)
		var span []int
		if m != nil {
			span = []int{m.Start(), m.End()}
		}
		if err != nil || !equalInts(span, want[i].Match) {
			t.Errorf("match %q in %q = %v (%v), Python %v", c.Pattern, c.Subject, span, err, want[i].Match)
		}
	}
}

func TestEscapeAgainstPython(t *testing.T) {
	cases := []string{"a.b*c", "x-y (z) [1] {2}", "tab\there ~#&", "ünï$^|?+\\", ""}
	var want []string
	pythonJSON(t, `
import json, re, sys
print(json.dumps([re.escape(s) for s in json.load(sys.stdin)]))
`, cases, &want)
	for i, s := range cases {
		if got := Escape(s); got != want[i] {
			t.Errorf("Escape(%q) = %q, Python %q", s, got, want[i])
		}
	}
}

func TestGroupsAndErrors(t *testing.T) {
	re, err := Compile(`(?P<k>\w+)(=)(?P<v>\w*)`, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	if re.Groups() != 3 || re.GroupIndex("k") != 1 || re.GroupIndex("v") != 3 || re.GroupIndex("x") != -1 {
		t.Errorf("groups %d, k %d, v %d, x %d", re.Groups(), re.GroupIndex("k"), re.GroupIndex("v"), re.GroupIndex("x"))
	}
	if again, _ := Compile(`(?P<k>\w+)(=)(?P<v>\w*)`, Flags{}); again != re {
		t.Error("a second Compile of the same pattern did not come from the cache")
	}
	if other, _ := Compile(`(?P<k>\w+)(=)(?P<v>\w*)`, Flags{IgnoreCase: true}); other == re {
		t.Error("flags are not part of the cache key")
	}
	for _, bad := range []string{`(`, `(?P<x`, `(?P=nope)`, `[a`} {
		if _, err := Compile(bad, Flags{}); err == nil {
			t.Errorf("Compile(%q): no error", bad)
		}
	}
	for _, repl := range []string{`\g<9>`, `\g<nope>`, `\q`, `\9`} {
		if _, _, err := re.Subn("a=b", repl, 0); err == nil {
			t.Errorf("Subn with %q: no error", repl)
		}
	}
	m, _ := re.Search("key=val")
	if got, err := m.Expand(`\g<v>:\1\0`); err != nil || got != "val:key\x00" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if ok, err := re.MatchString("=="); ok || err != nil {
		t.Errorf("MatchString(==) = %v, %v", ok, err)
	}
}

// BenchmarkCompileCached is the cost of compiling a pattern already in
// the cache (what a filter in a loop pays).
func BenchmarkCompileCached(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(`^(\w+)-(\d+)$`, Flags{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubn replaces in a short string, as regex_replace does.
func BenchmarkSubn(b *testing.B) {
	re, _ := Compile(`^(\w+)-(\d+)$`, Flags{})
	for b.Loop() {
		if _, _, err := re.Subn("host-01", `\2_\1`, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchString searches without building a match, as the search
// test does.
func BenchmarkMatchString(b *testing.B) {
	re, _ := Compile(`\.example\.com$`, Flags{})
	for b.Loop() {
		if _, err := re.MatchString("web01.example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCompileErrorsAgainstPython compares the wording of compile errors
// with Python's re module, for the errors it words as Python does.
func TestCompileErrorsAgainstPython(t *testing.T) {
	patterns := []string{"*", "+a", "a|*b", "a(b", "x(a(b)", "a)b", "[ab", "a**", `\`, `[*]+`, `\(*`}
	var want []string
	pythonJSON(t, `
import json, re, sys
out = []
for p in json.load(sys.stdin):
    try:
        re.compile(p); out.append("")
    except re.error as e:
        out.append(str(e))
print(json.dumps(out))`, patterns, &want)
	for i, p := range patterns {
		_, err := Compile(p, Flags{})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want[i] {
			t.Errorf("Compile(%q) error = %q, Python says %q", p, got, want[i])
		}
	}
}
