// Package fqcn handles the fully qualified names of Ansible plugins.
package fqcn

import "strings"

// builtinPrefixes are the collection names ansible-core's own plugins are
// also known under.
var builtinPrefixes = []string{"ansible.builtin.", "ansible.legacy."}

// Short is name without an ansible.builtin. or ansible.legacy. prefix:
// "ansible.builtin.copy" and "copy" are both "copy"; other names are kept.
func Short(name string) string {
	for _, p := range builtinPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}
