package tasks

import (
	"fmt"

	"github.com/drover/drover/internal/pyregex"
)

// compileRegex compiles a Python pattern (the re module) as lineinfile,
// replace, blockinfile, find and wait_for use them; the error names the
// pattern.
func compileRegex(pattern string, flags pyregex.Flags) (*pyregex.Regexp, error) {
	re, err := pyregex.Compile(pattern, flags)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %s: %v", PyRepr(pattern), err)
	}
	return re, nil
}
