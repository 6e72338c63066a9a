package tasks

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// commandKeys are the k=v keys Ansible extracts from the free form of
// command, shell, raw and script; every other word stays in the command.
var commandKeys = []string{"creates", "removes", "chdir", "executable", "warn", "stdin", "stdin_add_newline", "strip_empty_ends"}

// errUnclosedQuote is returned for a free form with a quote left open.
var errUnclosedQuote = errors.New("error parsing argument string, try quoting the entire line")

// ParseKV parses a free-form argument string as Ansible does: words of the
// form key=value (quotes around the value removed, escapes decoded) become
// arguments; every other word is joined into "_raw_params". With
// commandKeys set, only CommandKeys are taken as key=value and everything
// else stays in "_raw_params" verbatim.
func ParseKV(s string, commandKeys bool) (map[string]any, error) {
	words, seps, err := splitArgs(s)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	var raw []string
	var rawSeps []string
	for i, w := range words {
		k, v, ok := splitKV(decodeEscapes(w))
		if !ok || (commandKeys && !isCommandKey(k)) {
			if !ok && strings.Contains(w, `\=`) {
				w = strings.ReplaceAll(w, `\=`, "=")
			}
			raw = append(raw, w)
			rawSeps = append(rawSeps, seps[i])
			continue
		}
		out[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	if len(raw) > 0 {
		out[RawParams] = joinArgs(raw, rawSeps)
	}
	return out, nil
}

func isCommandKey(k string) bool {
	for _, c := range commandKeys {
		if c == k {
			return true
		}
	}
	return false
}

// splitKV splits at the first unescaped '=' that is not the first character.
func splitKV(w string) (k, v string, ok bool) {
	for pos := 1; pos < len(w); pos++ {
		if w[pos] == '=' && w[pos-1] != '\\' {
			k, v = w[:pos], w[pos+1:]
			if strings.ContainsAny(k, " \t\"'{") && !strings.Contains(k, "{{") {
				return "", "", false
			}
			return k, v, true
		}
	}
	return "", "", false
}

// joinArgs joins words back with the separators that preceded them: a
// newline where the original had one, a space otherwise.
func joinArgs(words, seps []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if strings.Contains(seps[i], "\n") {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}

// unquote removes one pair of matching quotes around s.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] && (len(s) < 3 || s[len(s)-2] != '\\') {
		return s[1 : len(s)-1]
	}
	return s
}

var escapeRe = regexp.MustCompile(`\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[0-7]{1,3}|\\[\\'"abfnrtv]`)

// decodeEscapes decodes Python string escapes (\n, \t, \x41, \u00e9, ...).
func decodeEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return escapeRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == `\"` || m == `\'` {
			return m[1:]
		}
		if r, _, _, err := strconv.UnquoteChar(m, 0); err == nil {
			return string(r)
		}
		if m[1] >= '0' && m[1] <= '7' {
			n, _ := strconv.ParseUint(m[1:], 8, 32)
			return string(rune(n))
		}
		return m
	})
}

// splitArgs splits a free-form string into words on whitespace, keeping
// quoted strings and Jinja blocks ({{ }}, {% %}, {# #}) whole, quotes
// included. seps[i] is the whitespace that preceded word i. A quote after a
// backslash neither opens nor closes a quoted string, in or out of quotes,
// as in Ansible. A backslash at the end of a line continues it.
func splitArgs(s string) (words, seps []string, err error) {
	var cur, sep strings.Builder
	var quote byte
	depth := 0
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			seps = append(seps, sep.String())
			cur.Reset()
			sep.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			flush()
			sep.WriteByte(c)
			continue
		case quote == 0 && depth == 0 && c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			flush()
			sep.WriteByte(' ')
			i++
			continue
		case quote == 0 && i+1 < len(s) && c == '{' && strings.ContainsRune("{%#", rune(s[i+1])):
			depth++
			cur.WriteString(s[i : i+2])
			i++
			continue
		case quote == 0 && depth > 0 && i+1 < len(s) && s[i+1] == '}' && strings.ContainsRune("}%#", rune(c)):
			depth--
			cur.WriteString(s[i : i+2])
			i++
			continue
		case (c == '"' || c == '\'') && (quote == 0 || quote == c) && (i == 0 || s[i-1] != '\\'):
			if quote == 0 {
				quote = c
			} else {
				quote = 0
			}
		}
		cur.WriteByte(c)
	}
	if quote != 0 {
		return nil, nil, errUnclosedQuote
	}
	flush()
	return words, seps, nil
}
