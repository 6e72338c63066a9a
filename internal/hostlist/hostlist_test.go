package hostlist

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"h1"}, "h1"},
		{[]string{"h1", "h2", "h3", "h5"}, "h[1-3,5]"},
		{[]string{"h3", "h1", "h2", "h2"}, "h[1-3]"},
		{[]string{"web01.lab", "web02.lab", "web10.lab"}, "web[01-02,10].lab"},
		{[]string{"web1", "web01"}, "web01,web1"},
		{[]string{"localhost", "db1", "db2", "web9"}, "db[1-2],localhost,web9"},
		{[]string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, "10.0.0.[1-3]"},
		{[]string{"a1b", "a2b", "a1c"}, "a1c,a[1-2]b"},
		{[]string{"h9", "h10", "h11"}, "h[9-11]"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFold(f *testing.F) {
	f.Add("h1,h2,web01")
	f.Fuzz(func(t *testing.T, s string) {
		_ = Fold(strings.Split(s, ","))
	})
}
