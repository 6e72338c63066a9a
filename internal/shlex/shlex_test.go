package shlex

import (
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
