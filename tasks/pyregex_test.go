package tasks

import (
	"strings"
	"testing"
)

// TestPyRegexAgainstPython compares search spans, groups and subn with
// Python's re module.
func TestPyRegexAgainstPython(t *testing.T) {
	requirePython(t)
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
		re, err := CompilePyRegex(c.Pattern, PyFlags{Multiline: c.Multi, DotAll: c.DotAll})
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

// FuzzPresentLines checks lineinfile's insert logic: a plain line ends up
// in the file, a second run changes nothing, and no line is lost.
func FuzzPresentLines(f *testing.F) {
	f.Add("a\nb\nc\n", "x", "b", "", false)
	f.Add("a\nb", "b", "", "^a", true)
	f.Add("", "x", "BOF", "", false)
	f.Add("x\r\ny\n", "y", "EOF", "", false)
	f.Add("a\na\n", "z", "", "BOF", true)
	f.Fuzz(func(t *testing.T, content, line, after, before string, first bool) {
		if strings.ContainsAny(line, "\r\n") || line == "" {
			return
		}
		if content != "" && !strings.HasSuffix(content, "\n") {
			// Ansible appends after a last line without a newline in
			// some branches, merging the two: nothing to check.
			return
		}
		spec := lineSpec{line: &line, firstmatch: first}
		if after != "" {
			spec.insertAfter = &after
		} else if before != "" {
			spec.insertBefore = &before
		}
		lines := splitLinesKeep(content)
		out, _, changed, err := PresentLines(append([]string(nil), lines...), spec)
		if err != nil {
			return
		}
		text := strings.Join(out, "")
		has := false
		for _, l := range splitLinesKeep(text) {
			if strings.TrimRight(l, "\r\n") == line {
				has = true
			}
		}
		if !has {
			t.Fatalf("line %q missing from %q", line, text)
		}
		if !changed && text != content {
			t.Fatalf("unchanged but %q became %q", content, text)
		}
		if len(out) < len(lines) {
			t.Fatalf("lines lost: %q -> %q", content, text)
		}
		again, _, changed2, err := PresentLines(splitLinesKeep(text), spec)
		if err != nil || changed2 || strings.Join(again, "") != text {
			t.Fatalf("second run changed %q to %q", text, strings.Join(again, ""))
		}
	})
}
