package expect

import (
	"bytes"
	"regexp"
	"testing"
)

// FuzzFind checks the matcher: no panics, a literal is found where
// bytes.Index finds it, a regexp where regexp finds it, and the winner
// starts no later than any other alternative's match.
func FuzzFind(f *testing.F) {
	f.Add([]byte("Password: Continue? [y/N]"), "Continue?", `(?i)pass\w+:`)
	f.Add([]byte("\x00\xff\r\n$ "), "$ ", `\$ $`)
	f.Add([]byte(""), "x", `x*`)
	f.Fuzz(func(t *testing.T, buf []byte, literal, pattern string) {
		re, err := regexp.Compile(pattern)
		if err != nil || literal == "" {
			return
		}
		alts := []Alternative{{Kind: Regexp, Pattern: pattern, re: re}, {Kind: Literal, Pattern: literal}}
		h, ok := find(buf, 0, alts)
		li := bytes.Index(buf, []byte(literal))
		rl := re.FindIndex(buf)
		if ok != (li >= 0 || rl != nil) {
			t.Fatalf("found=%v, literal at %d, regexp at %v", ok, li, rl)
		}
		if !ok {
			return
		}
		if rl != nil && h.loc[0] > rl[0] || li >= 0 && h.loc[0] > li {
			t.Fatalf("winner %d at %d, literal at %d, regexp at %v", h.alt, h.loc[0], li, rl)
		}
		if h.alt == 0 && (rl == nil || h.loc[0] != rl[0] || h.loc[1] != rl[1]) {
			t.Fatalf("regexp winner at %v, regexp says %v", h.loc, rl)
		}
		if h.alt == 1 && (h.loc[0] != li || rl != nil && rl[0] == li) {
			t.Fatalf("literal winner at %v, literal at %d, regexp at %v", h.loc, li, rl)
		}
		if g := groups(buf, h.loc); g[0] != string(buf[h.loc[0]:h.loc[1]]) {
			t.Fatalf("group 0 %q", g[0])
		}
	})
}

// FuzzEscapeStripper checks that stripping a stream cut anywhere gives what
// stripping it whole gives, and that text without ESC passes unchanged.
func FuzzEscapeStripper(f *testing.F) {
	f.Add([]byte("\x1b[01;32mroot\x1b[0m# "), uint(3))
	f.Add([]byte("\x1b]0;t\x1b\\x"), uint(4))
	f.Fuzz(func(t *testing.T, text []byte, cut uint) {
		i := int(cut % uint(len(text)+1))
		var whole, split EscapeStripper
		a := whole.Strip(nil, text)
		b := split.Strip(split.Strip(nil, text[:i]), text[i:])
		if !bytes.Equal(a, b) {
			t.Fatalf("whole %q, split %q", a, b)
		}
		if bytes.IndexByte(text, 0x1b) < 0 && !bytes.Equal(a, text) {
			t.Fatalf("changed text without escapes: %q", a)
		}
	})
}
