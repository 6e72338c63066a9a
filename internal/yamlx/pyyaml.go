package yamlx

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// DumpPyYAML renders v as PyYAML's yaml.dump(v, default_flow_style=False,
// allow_unicode=True) does (what ansible-inventory --yaml prints): block
// style, keys sorted, sequences in mappings not indented, strings plain when
// they read back as the same string, else quoted, long lines folded at 80
// columns.
func DumpPyYAML(v any) string {
	e := &pyEmitter{anchors: map[identity]string{}, emitted: map[identity]bool{}}
	e.findAliases(v, map[identity]bool{})
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			return "{}\n"
		}
		e.mapping(t, 0)
	case []any:
		if len(t) == 0 {
			return "[]\n"
		}
		e.sequence(t, 0)
	default:
		e.scalar(t, 0, false)
		e.b.WriteString("\n...")
	}
	e.b.WriteString("\n")
	return e.b.String()
}

type pyEmitter struct {
	b       strings.Builder
	column  int
	anchors map[identity]string // collections met more than once
	emitted map[identity]bool
	serial  int
}

// identity tells collections apart as Python's id() does: the same map, or
// the same backing array and length, is the same object.
type identity struct {
	ptr  uintptr
	size int
	kind byte
}

func identityOf(v any) (identity, bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) > 0 {
			return identity{reflect.ValueOf(t).Pointer(), len(t), 'm'}, true
		}
	case []any:
		if len(t) > 0 {
			return identity{reflect.ValueOf(t).Pointer(), len(t), 's'}, true
		}
	}
	return identity{}, false
}

// findAliases walks v in output order and names each collection met a
// second time id001, id002, ... in the order of those second meetings, as
// PyYAML's serializer does.
func (e *pyEmitter) findAliases(v any, seen map[identity]bool) {
	id, ok := identityOf(v)
	if ok {
		if seen[id] {
			if e.anchors[id] == "" {
				e.serial++
				e.anchors[id] = fmt.Sprintf("id%03d", e.serial)
			}
			return
		}
		seen[id] = true
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.findAliases(t[k], seen)
		}
	case []any:
		for _, item := range t {
			e.findAliases(item, seen)
		}
	}
}

// anchor writes &NAME before the first appearance of a repeated collection
// and *NAME instead of later ones; it reports whether the value is done.
func (e *pyEmitter) anchor(v any) (done, anchored bool) {
	id, ok := identityOf(v)
	if !ok || e.anchors[id] == "" {
		return false, false
	}
	if e.emitted[id] {
		e.write(" *" + e.anchors[id])
		return true, false
	}
	e.emitted[id] = true
	e.write(" &" + e.anchors[id])
	return false, true
}

func (e *pyEmitter) write(s string) {
	e.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.column = len([]rune(s[i+1:]))
	} else {
		e.column += len([]rune(s))
	}
}

func (e *pyEmitter) newline(indent int) {
	e.write("\n" + strings.Repeat(" ", indent))
}

func (e *pyEmitter) mapping(m map[string]any, indent int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			e.newline(indent)
		}
		e.scalar(k, indent, true)
		e.write(":")
		e.value(m[k], indent, true)
	}
}

// value writes what follows "key:" or "-".
func (e *pyEmitter) value(v any, indent int, inMapping bool) {
	done, anchored := e.anchor(v)
	if done {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.write(" {}")
			return
		}
		if inMapping || anchored {
			e.newline(indent + 2)
		} else {
			e.write(" ")
		}
		e.mapping(t, indent+2)
	case []any:
		if len(t) == 0 {
			e.write(" []")
			return
		}
		if inMapping {
			e.newline(indent)
			e.sequence(t, indent)
			return
		}
		if anchored {
			e.newline(indent + 2)
		} else {
			e.write(" ")
		}
		e.sequence(t, indent+2)
	case []string:
		items := make([]any, len(t))
		for i, s := range t {
			items[i] = s
		}
		e.value(items, indent, inMapping)
	default:
		e.write(" ")
		e.scalar(v, indent+2, false)
	}
}

func (e *pyEmitter) sequence(items []any, indent int) {
	for i, item := range items {
		if i > 0 {
			e.newline(indent)
		}
		e.write("-")
		e.value(item, indent, false)
	}
}

// scalar writes a scalar; indent is where folded lines continue.
func (e *pyEmitter) scalar(v any, indent int, key bool) {
	switch t := v.(type) {
	case nil:
		e.write("null")
	case bool:
		e.write(strconv.FormatBool(t))
	case int:
		e.write(strconv.Itoa(t))
	case float64:
		e.write(pyYAMLFloat(t))
	case string:
		e.str(t, indent, key)
	case Unsafe:
		e.str(string(t), indent, key)
	case Timestamp:
		e.write(strings.Replace(string(t), "T", " ", 1))
	default:
		e.str(PyStr(t), indent, key)
	}
}

func pyYAMLFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strings.ToLower(PyFloat(f))
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

// IsPlainString reports whether s, written as a plain YAML scalar, reads back
// as the string s (and not as a bool, number, null or timestamp).
func IsPlainString(s string) bool {
	if s == "<<" || s == "=" {
		return false
	}
	_, isStr := ResolvePlain(s).(string)
	if !isStr {
		return false
	}
	return s == "" || !(s[0] >= '0' && s[0] <= '9' && reTimestampImplicit.MatchString(s))
}

func (e *pyEmitter) str(s string, indent int, key bool) {
	a := analyzeScalar(s)
	switch {
	case IsPlainString(s) && s != "" && a.allowBlockPlain && !(key && a.multiline):
		e.writePlain(s, indent)
	case a.allowSingleQuoted && !(key && a.multiline):
		e.writeSingleQuoted(s, indent)
	default:
		e.writeDoubleQuoted(s, indent)
	}
}

type scalarAnalysis struct {
	multiline, allowBlockPlain, allowSingleQuoted bool
}

func isBreak(r rune) bool { return r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029' }

func isSpaceOrBreak(r rune) bool { return r == 0 || r == ' ' || r == '\t' || r == '\r' || isBreak(r) }

// analyzeScalar ports PyYAML's Emitter.analyze_scalar for block context
// with allow_unicode.
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	block := strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...")
	var lineBreaks, special, leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	preceded := true
	followed := len(rs) == 1 || isSpaceOrBreak(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				block = true
			}
			if (ch == '?' || ch == ':' || ch == '-') && followed {
				block = true
			}
		} else if ch == ':' && followed || ch == '#' && preceded {
			block = true
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || ch >= 0x20 && ch <= 0x7e) {
			printable := (ch == 0x85 || ch >= 0xa0 && ch <= 0xd7ff || ch >= 0xe000 && ch <= 0xfffd || ch >= 0x10000 && ch < 0x10ffff) && ch != 0xfeff
			if !printable {
				special = true
			}
		}
		switch {
		case ch == ' ':
			leadSpace = leadSpace || i == 0
			trailSpace = trailSpace || i == len(rs)-1
			breakSpace = breakSpace || prevBreak
			prevSpace, prevBreak = true, false
		case isBreak(ch):
			leadBreak = leadBreak || i == 0
			trailBreak = trailBreak || i == len(rs)-1
			spaceBreak = spaceBreak || prevSpace
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isSpaceOrBreak(ch)
		followed = i+2 >= len(rs) || isSpaceOrBreak(rs[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowBlockPlain: true, allowSingleQuoted: true}
	if leadSpace || leadBreak || trailSpace || trailBreak || lineBreaks || block {
		a.allowBlockPlain = false
	}
	if breakSpace {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if spaceBreak || special {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	return a
}

const bestWidth = 80

func (e *pyEmitter) writePlain(s string, indent int) {
	rs := []rune(s)
	start := 0
	spaces := false
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if spaces {
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth {
					e.newline(indent)
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		} else if ch == -1 || ch == ' ' {
			e.write(string(rs[start:end]))
			start = end
		}
		spaces = ch == ' '
	}
}

func (e *pyEmitter) writeSingleQuoted(s string, indent int) {
	e.write("'")
	rs := []rune(s)
	start := 0
	spaces, breaks := false, false
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && start != 0 && end != len(rs) {
					e.newline(indent)
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isBreak(ch) {
				if rs[start] == '\n' {
					e.write("\n")
				}
				for _, br := range rs[start:end] {
					e.write(string(br))
				}
				e.write(strings.Repeat(" ", indent))
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces, breaks = ch == ' ', isBreak(ch)
		}
	}
	e.write("'")
}

var pyEscapes = map[rune]string{0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 0x1b: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P"}

func (e *pyEmitter) writeDoubleQuoted(s string, indent int) {
	e.write("\"")
	rs := []rune(s)
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch == -1 || strings.ContainsRune("\"\\\u0085\u2028\u2029\ufeff", ch) ||
			!(ch >= 0x20 && ch <= 0x7e || ch >= 0xa0 && ch <= 0xd7ff || ch >= 0xe000 && ch <= 0xfffd) {
			if start < end {
				e.write(string(rs[start:end]))
				start = end
			}
			if ch != -1 {
				e.write(doubleEscape(ch))
				start = end + 1
			}
		}
		if 0 < end && end < len(rs)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > bestWidth {
			data := "\\"
			if start < end {
				data = string(rs[start:end]) + data
			}
			if start < end {
				start = end
			}
			e.write(data)
			e.newline(indent)
			if rs[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.write("\"")
}

func doubleEscape(ch rune) string {
	if s, ok := pyEscapes[ch]; ok {
		return "\\" + s
	}
	switch {
	case ch <= 0xff:
		return "\\x" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x100, 16)[1:])
	case ch <= 0xffff:
		return "\\u" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x10000, 16)[1:])
	}
	return "\\U" + strings.ToUpper(strconv.FormatInt(int64(ch)|0x100000000, 16)[1:])
}
