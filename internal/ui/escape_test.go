package ui

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text\n\twith tab", "plain text\n\twith tab"},
		{"héllo ✓ 日本", "héllo ✓ 日本"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"progress\rover", `progress\rover`},
		{"bell\x07 del\x7f", `bell\x07 del\x7f`},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"bytes \xff\xfe ok", `bytes \xff\xfe ok`},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFoldedRemoteText: what hosts print is escaped in folded output, and
// stderr is labelled when there are no colours to tell it apart.
func TestFoldedRemoteText(t *testing.T) {
	for _, colour := range []bool{false, true} {
		var out bytes.Buffer
		p := &Printer{Out: &out, Err: &out, Colour: colour}
		p.PrintFolded([]HostResult{{Host: "h1", Status: StatusOK, Stdout: "out \x1b[2J\n", Stderr: "err\n"}})
		got := out.String()
		if strings.Contains(got, "\x1b[2J") || !strings.Contains(got, `out \x1b[2J`) {
			t.Errorf("colour %v: remote ESC not escaped: %q", colour, got)
		}
		if labelled := strings.Contains(got, "\nstderr:\nerr\n"); labelled == colour {
			t.Errorf("colour %v: stderr label %v: %q", colour, labelled, got)
		}
	}
}
