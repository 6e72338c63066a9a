package jinja

import (
	"github.com/drover/drover/internal/pyregex"
)

// Regular expressions are Python's (internal/pyregex): lookaround,
// backreferences, named groups and $ before a final newline behave as in
// Ansible.

func compilePyRegex(pattern string, ignoreCase, multiline bool) (*pyregex.Regexp, error) {
	r, err := pyregex.Compile(pattern, pyregex.Flags{IgnoreCase: ignoreCase, Multiline: multiline})
	if err != nil {
		return nil, runtimeErrorf("invalid regular expression %s: %s", repr(pattern), err)
	}
	return r, nil
}

// regexError is a failure while matching (the engine's limits).
func regexError(err error) error {
	return runtimeErrorf("regular expression: %v", err)
}
