package fqcn

import "testing"

func TestShort(t *testing.T) {
	cases := []struct{ in, want string }{
		{"copy", "copy"},
		{"ansible.builtin.copy", "copy"},
		{"ansible.legacy.copy", "copy"},
		{"ansible.builtin.ansible.legacy.copy", "ansible.legacy.copy"},
		{"community.general.ini_file", "community.general.ini_file"},
		{"ansible.builtinx.copy", "ansible.builtinx.copy"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Short(c.in); got != c.want {
			t.Errorf("Short(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
