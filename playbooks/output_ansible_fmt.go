package playbooks

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/pyfmt"
)

// dump is a result as Ansible's callback shows it: JSON with sorted keys,
// without the keys it keeps to itself (failed, skipped, _ansible_*, the
// loop's results, warnings it printed, and below -vvv invocation and diff),
// indented for debug and assert and from -vvv.
func (a *AnsibleOutput) dump(t *TaskInfo, res map[string]any, item bool) string {
	shown := make(map[string]any, len(res))
	for k, v := range res {
		switch {
		case strings.HasPrefix(k, "_ansible_"), k == "exception", k == "warnings", k == "deprecations":
		case k == "failed" || k == "skipped":
		case k == "results" && !item && isLoopResult(res):
		case (k == "invocation" || k == "diff") && a.opts.Verbosity < 3:
		default:
			shown[k] = v
		}
	}
	if t.Action == "debug" {
		cleanDebug(shown)
	}
	if a.opts.YAMLResults {
		return a.yamlDump(shown)
	}
	indent := 0
	if alwaysVerbose(t, res) || a.opts.Verbosity > 2 {
		indent = 4
	}
	return pyfmt.JSON(jinja.ToPlain(shown), indent)
}

// yamlDump is a result as YAML (result_format=yaml): on the lines after
// the host's, indented by four; unless PlainResults, stdout_lines and
// stderr_lines are <omitted> beside stdout and stderr.
func (a *AnsibleOutput) yamlDump(shown map[string]any) string {
	indent := 4
	if !a.opts.PlainResults {
		for _, k := range []string{"stdout", "stderr"} {
			if _, ok := shown[k]; ok && shown[k+"_lines"] != nil {
				shown[k+"_lines"] = "<omitted>"
			}
		}
	} else {
		indent = 2
	}
	text := pyfmt.YAMLWith(jinja.ToPlain(shown), pyfmt.YAMLOptions{Indent: indent})
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "    " + l
		}
	}
	return "\n" + strings.Join(lines, "") + "\n"
}

// isLoopResult reports whether res is a loop's aggregate result.
func isLoopResult(res map[string]any) bool {
	_, ok := res["results"].([]any)
	return ok
}

// cleanDebug keeps what debug means to show: its msg alone, or its
// variable without the bookkeeping keys.
func cleanDebug(m map[string]any) {
	if _, ok := m["msg"]; ok {
		for k := range m {
			if k != "msg" && k != "exception" && !strings.HasPrefix(k, "_") {
				delete(m, k)
			}
		}
		return
	}
	for _, k := range []string{"changed", "failed", "skipped", "invocation", "skip_reason"} {
		delete(m, k)
	}
}

// diffText renders a result's diffs as Ansible's callback does: each
// unified diff followed by a blank line, sides that are mappings as JSON.
func (a *AnsibleOutput) diffText(res map[string]any) string {
	var b strings.Builder
	for _, d := range asList(res["diff"]) {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		b.WriteString(diffNotes(m))
		if _, ok := m["before"]; ok {
			if _, ok := m["after"]; ok {
				if u := unifiedDiffOf(m, jsonSide); u != "" {
					b.WriteString(a.colourDiff(u) + "\n")
				}
			}
		}
		if p, ok := m["prepared"].(string); ok {
			b.WriteString(p)
		}
	}
	return b.String()
}

// jsonSide is one side of a diff as Ansible's callback serializes a
// mapping: sorted JSON indented by four, and a newline.
func jsonSide(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return pyfmt.JSON(jinja.ToPlain(v), 4) + "\n"
}

// diffNotes are the lines Ansible prints for diffs it skipped.
func diffNotes(m map[string]any) string {
	var b strings.Builder
	for _, n := range []struct{ key, text string }{
		{"dst_binary", "diff skipped: destination file appears to be binary\n"},
		{"src_binary", "diff skipped: source file appears to be binary\n"},
	} {
		if _, ok := m[n.key]; ok {
			b.WriteString(n.text)
		}
	}
	for _, n := range []struct{ key, text string }{
		{"dst_larger", "diff skipped: destination file size is greater than %v\n"},
		{"src_larger", "diff skipped: source file size is greater than %v\n"},
	} {
		if v, ok := m[n.key]; ok {
			fmt.Fprintf(&b, n.text, v)
		}
	}
	return b.String()
}

// colourDiff colours a unified diff as Ansible does: each line of the
// diff (with its "\ No newline" note) painted as a whole, newline included,
// so that a painted empty segment starts the next line.
func (a *AnsibleOutput) colourDiff(d string) string {
	if !a.opts.Colour {
		return d
	}
	var b strings.Builder
	for _, unit := range diffUnits(d) {
		c := ""
		switch {
		case strings.HasPrefix(unit, "+"):
			c = ansOK
		case strings.HasPrefix(unit, "-"):
			c = ansError
		case strings.HasPrefix(unit, "@@"):
			c = ansDiffLines
		}
		if c == "" {
			b.WriteString(unit)
			continue
		}
		segs := strings.Split(unit, "\n")
		for i, seg := range segs {
			segs[i] = "\x1b[" + c + "m" + seg + "\x1b[0m"
		}
		b.WriteString(strings.Join(segs, "\n"))
	}
	return b.String()
}

// diffUnits splits a unified diff into its lines, a "\ No newline at end
// of file" note kept with the line before it.
func diffUnits(d string) []string {
	var units []string
	for _, l := range strings.SplitAfter(d, "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "\\") && len(units) > 0 {
			units[len(units)-1] += l
			continue
		}
		units = append(units, l)
	}
	return units
}

// AnsibleRecapLine is one host's line of Ansible's PLAY RECAP: the name
// padded to 26 columns and each counter to four, coloured as Ansible
// colours them.
func AnsibleRecapLine(host string, st HostStats, colour bool) string {
	name := fmt.Sprintf("%-26s", host)
	if colour {
		c := ansOK
		switch {
		case st.Failed > 0 || st.Unreachable > 0:
			c = ansError
		case st.Changed > 0:
			c = ansChanged
		}
		name = fmt.Sprintf("%-37s", "\x1b["+c+"m"+host+"\x1b[0m")
	}
	counters := []struct {
		name, colour string
		n            int
	}{
		{"ok", ansOK, st.OK}, {"changed", ansChanged, st.Changed}, {"unreachable", ansUnreachable, st.Unreachable},
		{"failed", ansError, st.Failed}, {"skipped", ansSkip, st.Skipped}, {"rescued", ansOK, st.Rescued},
		{"ignored", ansWarn, st.Ignored},
	}
	parts := make([]string, len(counters))
	for i, c := range counters {
		parts[i] = fmt.Sprintf("%s=%-4d", c.name, c.n)
		if colour && c.n != 0 {
			parts[i] = "\x1b[" + c.colour + "m" + parts[i] + "\x1b[0m"
		}
	}
	return name + " : " + strings.Join(parts, " ")
}

// sortedHosts are the recap's hosts in Ansible's order: sorted by name.
func sortedHosts(s *Stats) []string {
	hosts := s.Hosts()
	sort.Strings(hosts)
	return hosts
}

// textWidth is the width of s on a terminal: wide (East Asian) runes take
// two columns, combining marks none.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), r == 0x200B:
		case isWide(r):
			w += 2
		default:
			w++
		}
	}
	return w
}

// isWide reports whether r is a wide (two-column) rune: CJK, Hangul,
// fullwidth forms and emoji.
func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115F || r == 0x2329 || r == 0x232A ||
		(r >= 0x2E80 && r <= 0xA4CF && r != 0x303F) || (r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE6F) || (r >= 0xFF00 && r <= 0xFF60) ||
		(r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x1F300 && r <= 0x1F64F) || (r >= 0x1F900 && r <= 0x1F9FF) ||
		(r >= 0x20000 && r <= 0x3FFFD))
}

// wrapText wraps s to lines of at most width characters as Python's
// textwrap.wrap does by default: whitespace becomes spaces, lines break
// between words (and after hyphens within them), words longer than a line
// are cut, and spaces at the ends of lines are dropped.
func wrapText(s string, width int) []string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	var lines []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curLen = 0
	}
	for _, chunk := range wrapChunks(s) {
		n := utf8.RuneCountInString(chunk)
		if strings.TrimSpace(chunk) == "" && curLen == 0 {
			continue
		}
		for n > width && curLen == 0 {
			r := []rune(chunk)
			lines = append(lines, string(r[:width]))
			chunk, n = string(r[width:]), n-width
		}
		if curLen+n > width {
			flush()
			if strings.TrimSpace(chunk) == "" {
				continue
			}
		}
		cur.WriteString(chunk)
		curLen += n
	}
	if curLen > 0 {
		flush()
	}
	return lines
}

// wrapChunks splits s into words and runs of spaces, a hyphenated word
// also after each of its inner hyphens.
func wrapChunks(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		if s[0] == ' ' {
			for i < len(s) && s[i] == ' ' {
				i++
			}
		} else {
			for i < len(s) && s[i] != ' ' {
				i++
				if s[i-1] == '-' && i > 1 && i < len(s) && isWordByte(s[i-2]) && isWordByte(s[i]) {
					break
				}
			}
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}
