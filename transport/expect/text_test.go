package expect

import (
	"reflect"
	"strings"
	"testing"
)

func TestExcerptMasksACutOffSecret(t *testing.T) {
	s := newSecrets(nil)
	s.add("correct-horse")
	tests := []struct{ in, want string }{
		{"Password: corr", "Password: " + Mask},
		{"Password: co", "Password: co"},
		{"x correct-horse y", "x " + Mask + " y"},
		{"x correct-horse correct-h", "x " + Mask + " " + Mask},
	}
	for _, tt := range tests {
		if got := s.excerpt(tt.in); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripEscapesTable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\x1b[01;32mgreen\x1b[0m", "green"},
		{"\x1b]0;title\x07$ ", "$ "},
		{"\x1b]0;title\x1b\\$ ", "$ "},
		{"\x1b[?2004h# ", "# "},
		{"\x1b(Bplain", "plain"},
		{"\x1b=keypad\x1b>", "keypad"},
		{"\x1bPdcs data\x1b\\after", "after"},
		{"no escapes\r\n", "no escapes\r\n"},
	}
	for _, tt := range tests {
		if got := StripEscapes(tt.in); got != tt.want {
			t.Errorf("StripEscapes(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for i := 0; i <= len(tt.in); i++ {
			var e EscapeStripper
			got := string(e.Strip(e.Strip(nil, []byte(tt.in[:i])), []byte(tt.in[i:])))
			if got != tt.want {
				t.Fatalf("split at %d of %q: %q", i, tt.in, got)
			}
		}
	}
}

func TestExpand(t *testing.T) {
	groups := []string{"code 42 bob", "42", "bob"}
	names := []string{"", "", "user"}
	tests := []struct{ in, want string }{
		{"$1", "42"},
		{"${2}x", "bobx"},
		{"${user}", "bob"},
		{"$$1", "$1"},
		{"echo $HOME $? $", "echo $HOME $? $"},
		{"${nope} $7", "${nope} $7"},
		{"${1", "${1"},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, groups, names); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"a\r\nb\rc\nd", []string{"a", "b", "c", "d"}},
		{"a\n\nb\n", []string{"a", "", "b"}},
		{"x\vy\x1cz\u2028w", []string{"x", "y", "z", "w"}},
	}
	for _, tt := range tests {
		if got := SplitLines(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPyBytesRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{" \r\nConfirm", `b' \r\nConfirm'`},
		{"it's", `b"it's"`},
		{`it's "q"`, `b'it\'s "q"'`},
		{"tab\there\x01\\é", `b'tab\there\x01\\\xc3\xa9'`},
	}
	for _, tt := range tests {
		if got := pyBytesRepr(tt.in); got != tt.want {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"passwd alice", []string{"passwd", "alice"}},
		{`/bin/bash -c "ls | grep x"`, []string{"/bin/bash", "-c", "ls | grep x"}},
		{`echo 'a b'  c\ d ''`, []string{"echo", "a b", "c d"}},
		{`echo '' x`, []string{"echo", "", "x"}},
		{`  lead`, []string{"lead"}},
	}
	for _, tt := range tests {
		if got := SplitCommand(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("SplitCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
