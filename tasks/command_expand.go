package tasks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/drover/drover/transport"
)

// The command module expands, in each argument, the environment variables
// ($NAME, ${NAME}: left as written when the host's environment has no such
// variable) and then a leading ~ or ~user, as Ansible's run_command does
// (expand_argument_vars). Variables are those of the process on the host,
// the task's environment included, so the expansion is left to the host's
// shell: each argument becomes one word that expands only those parts.

// varRef matches a variable reference as Ansible finds them.
var varRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// shellName is a name the shell can expand.
var shellName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// tildePrefix is a leading ~ or ~user the shell expands.
var tildePrefix = regexp.MustCompile(`^~[A-Za-z0-9._-]*(/|$)`)

// expandArgv returns the command that runs argv with its arguments
// expanded; argv itself when no argument has anything to expand.
func expandArgv(argv []string) []string {
	needed := false
	for _, a := range argv {
		needed = needed || varRef.MatchString(a) || tildePrefix.MatchString(a)
	}
	if !needed {
		return argv
	}
	var assigns, words []string
	for _, a := range argv {
		words = append(words, expandingWord(a, &assigns))
	}
	return []string{"/bin/sh", "-c", strings.Join(assigns, "") + "exec " + strings.Join(words, " ")}
}

// expandingWord renders one argument as a shell word: literal text quoted,
// each variable reference expanded when set and else kept as written (the
// written form is held in a shell variable added to assigns).
func expandingWord(a string, assigns *[]string) string {
	var b strings.Builder
	if m := tildePrefix.FindString(a); m != "" {
		tilde := strings.TrimSuffix(m, "/")
		b.WriteString(tilde)
		a = a[len(tilde):]
	}
	last := 0
	for _, loc := range varRef.FindAllStringSubmatchIndex(a, -1) {
		name := strings.TrimSuffix(strings.TrimPrefix(a[loc[2]:loc[3]], "{"), "}")
		if !shellName.MatchString(name) {
			continue
		}
		b.WriteString(quoteNonEmpty(a[last:loc[0]]))
		held := fmt.Sprintf("__drover_arg%d", len(*assigns))
		*assigns = append(*assigns, held+"="+transport.Quote(a[loc[0]:loc[1]])+"; ")
		fmt.Fprintf(&b, `"${%s-$%s}"`, name, held)
		last = loc[1]
	}
	b.WriteString(quoteNonEmpty(a[last:]))
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

func quoteNonEmpty(s string) string {
	if s == "" {
		return ""
	}
	return transport.Quote(s)
}
