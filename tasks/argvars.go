package tasks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/drover/drover/transport"
)

// varRef is a variable reference as Python's os.path.expandvars finds it.
var varRef = regexp.MustCompile(`\$([A-Za-z0-9_]+|\{[^}]*\})`)

// shName is a name the host's shell can expand.
var shName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// tildePrefix is a leading ~ or ~user that the shell expands.
var tildePrefix = regexp.MustCompile(`^~[A-Za-z0-9._-]*`)

// needsExpansion tells whether an argument of the command module holds a
// $VAR or a leading ~ that Ansible expands on the host (expand_argument_vars).
func needsExpansion(argv []string) bool {
	for _, a := range argv {
		if varRef.MatchString(a) || strings.HasPrefix(a, "~") {
			return true
		}
	}
	return false
}

// expandingArgv wraps argv in a /bin/sh script that expands each argument
// as Python's expanduser(expandvars(arg)) does on the host: $NAME and
// ${NAME} become the variable's value when it is set and stay as written
// when it is not, a leading ~ or ~user becomes that home directory;
// nothing else (no globbing, no word splitting) happens.
func expandingArgv(argv []string) []string {
	var pre, words []string
	for _, a := range argv {
		var w strings.Builder
		if tp := tildePrefix.FindString(a); tp != "" && !varRef.MatchString(tp) {
			w.WriteString(tp)
			a = a[len(tp):]
		}
		last := 0
		for _, m := range varRef.FindAllStringSubmatchIndex(a, -1) {
			name := strings.TrimSuffix(strings.TrimPrefix(a[m[2]:m[3]], "{"), "}")
			if !shName.MatchString(name) {
				continue
			}
			writeLiteral(&w, a[last:m[0]])
			v := fmt.Sprintf("__drover_v%d", len(pre))
			pre = append(pre, fmt.Sprintf(`if [ "${%s+x}" ]; then %s=$%s; else %s=%s; fi`, name, v, name, v, transport.Quote(a[m[0]:m[1]])))
			w.WriteString(`"$` + v + `"`)
			last = m[1]
		}
		writeLiteral(&w, a[last:])
		if w.Len() == 0 {
			w.WriteString("''")
		}
		words = append(words, w.String())
	}
	script := strings.Join(append(pre, "exec "+strings.Join(words, " ")), "\n")
	return []string{"/bin/sh", "-c", script}
}

// writeLiteral appends s quoted for the shell; nothing for "", so that a
// tilde prefix before it stays expandable.
func writeLiteral(w *strings.Builder, s string) {
	if s != "" {
		w.WriteString(transport.Quote(s))
	}
}
