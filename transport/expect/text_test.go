package expect

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestMasker(t *testing.T) {
	tests := []struct {
		secrets []string
		in      string
		want    string
	}{
		{[]string{"pw"}, "a pw b pw", "a " + Mask + " b " + Mask},
		{[]string{"abc", "abcdef"}, "xabcdefx abc", "x" + Mask + "x " + Mask},
		{[]string{"aa"}, "aaa", Mask},
		{[]string{"bcd", "abc"}, "abcd", Mask},
		{[]string{""}, "nothing", "nothing"},
	}
	for _, tt := range tests {
		if got := NewMasker(tt.secrets...).String(tt.in); got != tt.want {
			t.Errorf("mask %q in %q = %q, want %q", tt.secrets, tt.in, got, tt.want)
		}
	}
}

func TestMaskerTail(t *testing.T) {
	m := NewMasker("correct-horse")
	tests := []struct{ in, want string }{
		{"Password: corr", "Password: " + Mask},
		{"Password: co", "Password: co"},
		{"x correct-horse y", "x " + Mask + " y"},
	}
	for _, tt := range tests {
		if got := string(m.Tail([]byte(tt.in))); got != tt.want {
			t.Errorf("Tail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskWriterSplits writes text in two pieces at every split point: the
// result is always the whole text masked.
func TestMaskWriterSplits(t *testing.T) {
	m := NewMasker("s3cret", "pass")
	text := "login ok; pw=s3cret, again s3cret and pass/s3cre"
	want := string(m.Tail([]byte(text)))
	for i := 0; i <= len(text); i++ {
		var out bytes.Buffer
		w := m.Writer(&out)
		w.Write([]byte(text[:i]))
		w.Write([]byte(text[i:]))
		w.Flush()
		if out.String() != want {
			t.Fatalf("split at %d: %q, want %q", i, out.String(), want)
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
