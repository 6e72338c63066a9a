package ansiblecfg

import (
	"strings"
	"testing"
)

func TestParseINI(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]string // "section.key" -> value; DEFAULT falls back
		line       map[string][2]int // "section.key" -> line, col
	}{
		{name: "equals and colon", text: "[defaults]\nforks = 5\nlibrary: lib\n",
			want: map[string]string{"defaults.forks": "5", "defaults.library": "lib"},
			line: map[string][2]int{"defaults.forks": {2, 9}, "defaults.library": {3, 10}}},
		{name: "first delimiter splits", text: "[s]\na:b = c\nd=e:f\n",
			want: map[string]string{"s.a": "b = c", "s.d": "e:f"}},
		{name: "keys ignore case, sections do not", text: "[defaults]\nFORKS = 7\n[Defaults]\nforks = 8\n",
			want: map[string]string{"defaults.forks": "7", "defaults.FORKS": "7", "Defaults.forks": "8"}},
		{name: "comment lines", text: "# top\n; top\n[s]\n  # indented\nk = v\n",
			want: map[string]string{"s.k": "v"}},
		{name: "inline ; after a blank only", text: "[s]\na = x ; note\nb = x;y\nc = x # not a comment\n",
			want: map[string]string{"s.a": "x", "s.b": "x;y", "s.c": "x # not a comment"}},
		{name: "continuation lines", text: "[s]\nk = one\n  two\n\n  three\n\nnext = n\n",
			want: map[string]string{"s.k": "one\ntwo\n\nthree", "s.next": "n"}},
		{name: "comment inside a continued value is dropped", text: "[s]\nk = one\n# c\n  two\n",
			want: map[string]string{"s.k": "one\ntwo"}},
		{name: "empty value", text: "[s]\nk =\nj:\n", want: map[string]string{"s.k": "", "s.j": ""}},
		{name: "DEFAULT section feeds existing sections", text: "[DEFAULT]\nk = d\n[s]\nj = 1\n",
			want: map[string]string{"s.k": "d", "s.j": "1", "missing.k": "<none>"}},
		{name: "section value wins over DEFAULT", text: "[s]\nk = s\n[DEFAULT]\nk = d\n",
			want: map[string]string{"s.k": "s"}},
		{name: "header name runs to its last bracket", text: "[a]b] trailing\nk = v\n",
			want: map[string]string{"a]b.k": "v"}},
		{name: "CRLF line ends", text: "[s]\r\nk = v\r\n", want: map[string]string{"s.k": "v"}},
		{name: "indented keys after a header", text: "[s]\n  a = 1\n  b = 2\n",
			want: map[string]string{"s.a": "1", "s.b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseINI("x.cfg", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				sec, key, _ := strings.Cut(k, ".")
				v, ok := f.lookup(sec, key)
				got := "<none>"
				if ok {
					got = v.Text
				}
				if got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
				if pos, ok := tt.line[k]; ok && v != nil && (v.Line != pos[0] || v.Col != pos[1]) {
					t.Errorf("%s at %d:%d, want %d:%d", k, v.Line, v.Col, pos[0], pos[1])
				}
			}
		})
	}
}

func TestParseINIErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no section header", "forks = 3\n", "x.cfg:1: expected a [section] header before \"forks = 3\""},
		{"duplicate section", "[s]\n[t]\n[s]\n", "x.cfg:3: section [s] appears twice"},
		{"duplicate key", "[s]\nforks = 3\nFORKS=4\n", "x.cfg:3: key \"forks\" appears twice in section [s]"},
		{"line without delimiter", "[s]\nk = v\njunk\nmore junk\n", "x.cfg:3: expected [section] or key = value (key: value), line 3, 4"},
		{"empty key", "[s]\n= v\n", "x.cfg:2: expected [section] or key = value"},
		{"empty brackets", "[s]\n[]\n", "x.cfg:2: expected [section] or key = value"},
		{"not UTF-8", "[s]\nk = \xff\n", "x.cfg:2: the file is not UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseINI("x.cfg", []byte(tt.text))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
