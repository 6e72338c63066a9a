package transport

import (
	"sort"
	"strings"
)

// Quote returns s quoted for a POSIX shell, so the shell reads it as one word
// with no expansion.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if strings.IndexFunc(s, unsafeShellRune) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func unsafeShellRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("@%+=:,./-_", r)
}

// QuoteArgv joins argv into a command line a POSIX shell splits back into
// exactly argv.
func QuoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// ShellLine renders cmd as one POSIX shell command line: environment
// assignments, a change of directory, then the program. Used by transports
// whose far end takes a single command string.
func ShellLine(cmd Command) string {
	line := cmd.Shell
	if len(cmd.Argv) > 0 {
		line = QuoteArgv(cmd.Argv)
	}
	var b strings.Builder
	if cmd.Dir != "" {
		b.WriteString("cd " + Quote(cmd.Dir) + " && ")
	}
	keys := make([]string, 0, len(cmd.Env))
	for k := range cmd.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("export " + k + "=" + Quote(cmd.Env[k]) + "; ")
	}
	if b.Len() == 0 {
		return line
	}
	if len(cmd.Argv) == 0 {
		return b.String() + "eval " + Quote(line)
	}
	return b.String() + line
}
