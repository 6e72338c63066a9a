package shlex

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  uname   -r ", []string{"uname", "-r"}},
		{`echo 'a b' "c d"`, []string{"echo", "a b", "c d"}},
		{`echo a\ b`, []string{"echo", "a b"}},
		{`echo "x\"y" 'it'\''s'`, []string{"echo", `x"y`, "it's"}},
		{`echo "a\nb"`, []string{"echo", `a\nb`}},
		{`a''b ""`, []string{"ab", ""}},
		{"echo $HOME *", []string{"echo", "$HOME", "*"}},
	}
	for _, tt := range tests {
		got, err := Split(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	for _, in := range []string{`'open`, `"open`, `trailing\`} {
		if _, err := Split(in); err == nil {
			t.Errorf("Split(%q): no error", in)
		}
	}
}

// pythonCases are inputs with what Python's shlex.split answers (nil with
// wantErr for a ValueError), without and with comments=True.
var pythonCases = []struct {
	in            string
	want, comment []string
	wantErr       bool
}{
	// Command lines (the command, script, apt modules).
	{in: `uname -r`, want: []string{"uname", "-r"}},
	{in: `echo "a b" 'c d' e\ f`, want: []string{"echo", "a b", "c d", "e f"}},
	{in: `printf "%s\n" "x\"y"`, want: []string{"printf", `%s\n`, `x"y`}},
	{in: `  spaced   out  `, want: []string{"spaced", "out"}},
	{in: `sh -c 'echo $HOME; exit 3'`, want: []string{"sh", "-c", "echo $HOME; exit 3"}},
	{in: `a""b`, want: []string{"ab"}},
	{in: `''`, want: []string{""}},
	// ssh arguments.
	{in: `a b`, want: []string{"a", "b"}},
	{in: `'a b' "c d"`, want: []string{"a b", "c d"}},
	{in: `x'y'"z"`, want: []string{"xyz"}},
	{in: `"a\"b" 'a\b'`, want: []string{`a"b`, `a\b`}},
	{in: `a\ b  c`, want: []string{"a b", "c"}},
	{in: "  \t", want: nil},
	{in: `"$HOME" '$H'`, want: []string{"$HOME", "$H"}},
	{in: `-o"Port=2" -x`, want: []string{"-oPort=2", "-x"}},
	{in: `"a\\b" "a\nb"`, want: []string{`a\b`, `a\nb`}},
	{in: `-o 'A=b c' d=e`, want: []string{"-o", "A=b c", "d=e"}},
	// INI inventory host lines (comments=True).
	{in: "a b  c", want: []string{"a", "b", "c"}},
	{in: `a x="1 2" y='3 4'`, want: []string{"a", "x=1 2", "y=3 4"}},
	{in: `a x=1#c d`, want: []string{"a", "x=1#c", "d"}, comment: []string{"a", "x=1"}},
	{in: `a # comment`, want: []string{"a", "#", "comment"}, comment: []string{"a"}},
	{in: `a "#not"`, want: []string{"a", "#not"}},
	{in: `a b\ c`, want: []string{"a", "b c"}},
	{in: `a "q\"uote" "back\\slash" "keep\n"`, want: []string{"a", `q"uote`, `back\slash`, `keep\n`}},
	{in: `a ''`, want: []string{"a", ""}},
	{in: "a #c\nb", want: []string{"a", "#c", "b"}, comment: []string{"a", "b"}},
	// Where Python's shlex differs from a shell.
	{in: `"a\$b" "a\` + "`" + `b"`, want: []string{`a\$b`, "a\\`b"}},
	{in: "\"a\\\nb\" a\\\nb", want: []string{"a\\\nb", "a\nb"}},
	{in: "a\rb", want: []string{"a", "b"}},
	{in: `'a\'`, want: []string{`a\`}},
	{in: `a "open`, wantErr: true},
	{in: `a 'open`, wantErr: true},
	{in: `a b\`, wantErr: true},
	{in: `\`, wantErr: true},
	{in: `"a\`, wantErr: true},
	{in: `a'b\'c'`, wantErr: true},
}

func TestPython(t *testing.T) {
	for _, tt := range pythonCases {
		for _, comments := range []bool{false, true} {
			want := tt.want
			if comments && tt.comment != nil {
				want = tt.comment
			}
			got, err := Python(tt.in, comments)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, want) {
				t.Errorf("Python(%q, %v) = %q, %v; want %q (error %v)", tt.in, comments, got, err, want, tt.wantErr)
			}
		}
	}
}

// TestPythonOracle checks the cases of TestPython against Python's own
// shlex.split.
func TestPythonOracle(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("no python3")
	}
	var ins []string
	for _, tt := range pythonCases {
		ins = append(ins, tt.in)
	}
	in, _ := json.Marshal(ins)
	script := `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    row = []
    for c in (False, True):
        try:
            row.append(shlex.split(s, comments=c))
        except ValueError:
            row.append(None)
    out.append(row)
json.dump(out, sys.stdout)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var answers [][2][]string
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatal(err)
	}
	for i, tt := range pythonCases {
		for j, comments := range []bool{false, true} {
			want := answers[i][j]
			got, err := Python(tt.in, comments)
			if want == nil {
				if err == nil {
					t.Errorf("Python(%q, %v) = %q; Python raises ValueError", tt.in, comments, got)
				}
				continue
			}
			if len(want) == 0 {
				want = nil
			}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("Python(%q, %v) = %q, %v; Python says %q", tt.in, comments, got, err, want)
			}
		}
	}
}

// FuzzSplit checks Split against /bin/sh on inputs without expansions.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`a 'b c' "d\"e"`, `x\ y`, `''`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "$`*?[]{}~;&|<>()#!=%\x00\r\n\t") || strings.ContainsAny(s, "\\") {
			return
		}
		got, err := Split(s)
		if err != nil {
			return
		}
		out, err := exec.Command("/bin/sh", "-c", `for a in "$@"; do printf '%s\0' "$a"; done`+" sh "+s).Output()
		if err != nil {
			return
		}
		var want []string
		if len(out) > 0 {
			want = strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Split(%q) = %q, sh says %q", s, got, want)
		}
	})
}
