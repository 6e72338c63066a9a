package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"hosts", "hosts", 0},
		{"hsots", "hosts", 1},
		{"host", "hosts", 1},
		{"chidlren", "children", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3},
		{"vras", "vars", 1},
		{"ünï", "üni", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"hosts", "vars", "children"}
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"hsots", "hosts", true},
		{"Hosts", "hosts", true},
		{"var", "vars", true},
		{"childs", "", false},
		{"chilren", "children", true},
		{"zzzz", "", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.word, keys)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHint(t *testing.T) {
	if got := Hint("hots", []string{"hosts"}); got != ` (did you mean "hosts"?)` {
		t.Errorf("Hint = %q", got)
	}
	if got := Hint("hosts", []string{"hosts"}); got != "" {
		t.Errorf("Hint of an exact word = %q, want empty", got)
	}
	if got := Hint("qqqqqq", []string{"hosts"}); got != "" {
		t.Errorf("Hint of a far word = %q, want empty", got)
	}
}

func TestName(t *testing.T) {
	names := []string{"command", "shell", "debug", "copy", "Copy"}
	tests := []struct{ name, want string }{
		{"comand", "command"},
		{"shel", "shell"},
		{"debgu", "debug"},
		{"zzzzzz", ""},
		{"command", ""},
		{"cpoy", "copy"},
		{"Cpoy", "Copy"},
		{"cp", "copy"},
	}
	for _, tt := range tests {
		if got := Name(tt.name, names); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
