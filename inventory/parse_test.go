package inventory

import (
	"reflect"
	"strings"
	"testing"
)

func TestExpandHostPattern(t *testing.T) {
	tests := []struct {
		in    string
		names []string
		port  int
	}{
		{"web1", []string{"web1"}, 0},
		{"web1:2222", []string{"web1"}, 2222},
		{"web[1:3]", []string{"web1", "web2", "web3"}, 0},
		{"web[01:03].lab:22", []string{"web01.lab", "web02.lab", "web03.lab"}, 22},
		{"web[1:10:4]", []string{"web1", "web5", "web9"}, 0},
		{"db-[a:c]", []string{"db-a", "db-b", "db-c"}, 0},
		{"db-[x:z:2]", []string{"db-x", "db-z"}, 0},
		{"h[:2]", []string{"h0", "h1", "h2"}, 0},
		{"r[1:2]c[a:b]", []string{"r1ca", "r1cb", "r2ca", "r2cb"}, 0},
		{"[2001:db8::1]:2222", []string{"2001:db8::1"}, 2222},
		{"2001:db8::1", []string{"2001:db8::1"}, 0},
		{"10.0.0.[1:2]", []string{"10.0.0.1", "10.0.0.2"}, 0},
		{"weird!name:22", []string{"weird!name:22"}, 0},
	}
	for _, tt := range tests {
		names, port, err := ExpandHostPattern(tt.in)
		if err != nil {
			t.Errorf("ExpandHostPattern(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(names, tt.names) || port != tt.port {
			t.Errorf("ExpandHostPattern(%q) = %v, %d; want %v, %d", tt.in, names, port, tt.names, tt.port)
		}
	}
}

func TestExpandRangeErrors(t *testing.T) {
	for _, in := range []string{"a[1]", "a[1:]", "a[01:3]", "a[z:a]", "a[1:2:0]", "a[1:b]", "a[1:2", "a[0:99999999]"} {
		if names, err := ExpandRange(in); err == nil {
			t.Errorf("ExpandRange(%q) = %v, want an error", in, names)
		}
	}
}

func TestParseINIValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"1", 1},
		{"-5", -5},
		{"1.5", 1.5},
		{".5", 0.5},
		{"1e3", 1000.0},
		{"0x1f", 31},
		{"0o17", 15},
		{"0b101", 5},
		{"1_000", 1000},
		{"0777", "0777"},
		{"True", true},
		{"False", false},
		{"None", nil},
		{"yes", "yes"},
		{"true", "true"},
		{"'quoted'", "quoted"},
		{`"a" 'b'`, "ab"},
		{`'it\'s'`, "it's"},
		{`"tab\there"`, "tab\there"},
		{`r"\d+"`, `\d+`},
		{`b"bytes"`, "bytes"},
		{"[1, 'a', None]", []any{1, "a", nil}},
		{"{'k': 'v', 'n': [1, 2]}", map[string]any{"k": "v", "n": []any{1, 2}}},
		{"(1, 2)", []any{1, 2}},
		{"1, 2", []any{1, 2}},
		{"(1,)", []any{1}},
		{"()", []any{}},
		{"1 # comment", 1},
		{"foo # comment", "foo # comment"},
		{"1+2j", "1+2j"},
		{"1j", "1j"},
		{"-True", "-True"},
		{"--1", "--1"},
		{"a,b", "a,b"},
		{"{1, 2}", []any{1, 2}},
		{"[1, 2", "[1, 2"},
		{"f'x'", "f'x'"},
		{"", ""},
		{"  7", 7},
		{"proxy.example.com", "proxy.example.com"},
	}
	for _, tt := range tests {
		if got := ParseINIValue(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseINIValue(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"all", []string{"all"}},
		{"a:b:&c:!d", []string{"a", "b", "&c", "!d"}},
		{"a, b ,c", []string{"a", "b", "c"}},
		{"web[1:3]:db", []string{"web[1:3]", "db"}},
		{"fe80::1", []string{"fe80::1"}},
		{"host:22", []string{"host:22"}},
		{"a,b[1:2]", []string{"a", "b[1:2]"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		if got := SplitPattern(tt.in); !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("SplitPattern(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGlobToRegexp(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"web*", "web01", true},
		{"web*", "db", false},
		{"w?b", "web", true},
		{"w[ae]b", "web", true},
		{"w[!ae]b", "web", false},
		{"w[a-f]b", "wcb", true},
		{"a[b", "a[b", true},
		{"*.lab", "x.lab", true},
		{"*.lab", "xylab", false},
	}
	for _, tt := range tests {
		match, err := compileTerm(tt.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := match(tt.name); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}

func TestPyIntAndFill(t *testing.T) {
	if n, err := pyInt(" 1_0 "); err != nil || n != 10 {
		t.Errorf("pyInt = %d, %v", n, err)
	}
	for _, bad := range []string{"", "_1", "1__0", "--1", "x"} {
		if _, err := pyInt(bad); err == nil {
			t.Errorf("pyInt(%q): want an error", bad)
		}
	}
	if got := fill("7", 3); got != "007" {
		t.Errorf("fill = %q", got)
	}
	if !strings.HasPrefix(fill("-7", 3), "-") {
		t.Errorf("fill keeps the sign first")
	}
}
