package inventory

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var (
	rePatternSplit    = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
	rePatternSubscrpt = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)
)

// SplitPattern splits a host pattern into its terms as Ansible does: on
// commas when there are any, else on colons outside [...] (unless the whole
// pattern is one address such as an IPv6 address or host:port).
func SplitPattern(pattern string) []string {
	var parts []string
	switch {
	case strings.Contains(pattern, ","):
		parts = strings.Split(pattern, ",")
	default:
		if _, _, err := ParseAddress(pattern, true); err == nil {
			parts = []string{pattern}
		} else {
			parts = rePatternSplit.FindAllString(pattern, -1)
		}
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 && strings.Count(pattern, ":") > 1 {
		// Ansible reads a run of colons as an IPv6 address: a name that
		// matches no host, not an empty pattern meaning all.
		return []string{strings.TrimSpace(pattern)}
	}
	return out
}

// orderPatterns puts plain terms first, then &intersections, then
// !exclusions; with no plain term, "all" stands first.
func orderPatterns(terms []string) []string {
	var regular, inter, excl []string
	for _, t := range terms {
		switch {
		case t == "":
		case t[0] == '!':
			excl = append(excl, t)
		case t[0] == '&':
			inter = append(inter, t)
		default:
			regular = append(regular, t)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	return append(append(regular, inter...), excl...)
}

// Select resolves a host pattern with Ansible's semantics and order: all, *,
// globs, ~regex, host and group names, unions (a:b, a,b), intersections
// (a:&b), exclusions (a:!b) and subscripts (g[0], g[1:3], g[-1]). Terms that
// match nothing produce warnings in Ansible's words.
func (inv *Inventory) Select(pattern string) ([]*Host, []string, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var warnings []string
	hosts, err := inv.evaluate(SplitPattern(pattern), &warnings)
	if err != nil {
		return nil, warnings, err
	}
	return hosts, warnings, nil
}

// Limit keeps the hosts that also match limit, the pattern of -l/--limit;
// a term @FILE reads further terms from FILE, one a line.
func (inv *Inventory) Limit(hosts []*Host, limit string) ([]*Host, []string, error) {
	var terms []string
	for _, t := range SplitPattern(limit) {
		if t[0] != '@' {
			terms = append(terms, t)
			continue
		}
		more, err := readLimitFile(t[1:])
		if err != nil {
			return nil, nil, err
		}
		terms = append(terms, more...)
	}
	var warnings []string
	inv.mu.Lock()
	subset, err := inv.evaluate(terms, &warnings)
	inv.mu.Unlock()
	if err != nil {
		return nil, warnings, err
	}
	keep := make(map[*Host]bool, len(subset))
	for _, h := range subset {
		keep[h] = true
	}
	out := make([]*Host, 0, len(hosts))
	for _, h := range hosts {
		if keep[h] {
			out = append(out, h)
		}
	}
	return out, warnings, nil
}

func readLimitFile(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unable to find limit file %s", path)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("limit starting with \"@\" must be a file, not a directory: %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	return out, nil
}

// evaluate applies ordered terms: plain terms add hosts, & terms keep only
// matching hosts, ! terms remove matching hosts; the result has no
// duplicates.
func (inv *Inventory) evaluate(terms []string, warnings *[]string) ([]*Host, error) {
	var hosts []*Host
	for _, t := range orderPatterns(terms) {
		if t == "!" || t == "&" {
			return nil, fmt.Errorf("host pattern term %q must be followed by a pattern (%s%s)", t, t, "group")
		}
		if h, ok := inv.hosts[t]; ok {
			hosts = append(hosts, h)
			continue
		}
		that, err := inv.matchOne(t, warnings)
		if err != nil {
			return nil, err
		}
		switch t[0] {
		case '!':
			set := hostSet(that)
			hosts = filterHosts(hosts, func(h *Host) bool { return !set[h] })
		case '&':
			set := hostSet(that)
			hosts = filterHosts(hosts, func(h *Host) bool { return set[h] })
		default:
			existing := hostSet(hosts)
			for _, h := range that {
				if !existing[h] {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return dedupe(hosts), nil
}

func hostSet(hs []*Host) map[*Host]bool {
	m := make(map[*Host]bool, len(hs))
	for _, h := range hs {
		m[h] = true
	}
	return m
}

func filterHosts(hs []*Host, keep func(*Host) bool) []*Host {
	out := hs[:0:0]
	for _, h := range hs {
		if keep(h) {
			out = append(out, h)
		}
	}
	return out
}

func dedupe(hs []*Host) []*Host {
	seen := make(map[*Host]bool, len(hs))
	out := make([]*Host, 0, len(hs))
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// subscript is a [start] or [start:end] selection (end -1: to the last).
type subscript struct {
	start, end int
	hasEnd     bool
}

// NoMatchWarning begins the warning about a pattern term that matches no
// host (Ansible's words; host_pattern_mismatch decides what it does).
const NoMatchWarning = "Could not match supplied host pattern, ignoring: "

// matchOne resolves one term without its & or ! prefix.
func (inv *Inventory) matchOne(term string, warnings *[]string) ([]*Host, error) {
	if term[0] == '&' || term[0] == '!' {
		term = term[1:]
	}
	if term == "" {
		return nil, nil
	}
	expr, sub, warn := splitSubscript(term)
	if warn != "" {
		*warnings = append(*warnings, warn)
	}
	hosts, err := inv.enumerate(expr, warnings)
	if err != nil {
		return nil, err
	}
	return applySubscript(hosts, sub, term)
}

func splitSubscript(term string) (string, *subscript, string) {
	if term[0] == '~' {
		return term, nil, ""
	}
	m := rePatternSubscrpt.FindStringSubmatch(term)
	if m == nil {
		return term, nil, ""
	}
	if m[2] != "" {
		return m[1], &subscript{start: clampedInt(m[2])}, ""
	}
	start, end := clampedInt(m[3]), -1
	if m[5] != "" {
		end = clampedInt(m[5])
	}
	warn := ""
	if m[4] == "-" {
		warn = "Use [x:y] inclusive subscripts instead of [x-y] which has been removed"
	}
	return m[1], &subscript{start: start, end: end, hasEnd: end != 0}, warn
}

// clampedInt reads the decimal integer s, which the subscript pattern
// guarantees, saturating where it does not fit an int (as a Python slice
// takes any bound).
func clampedInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil && strings.HasPrefix(s, "-") {
		return math.MinInt
	}
	if err != nil {
		return math.MaxInt
	}
	return n
}

// applySubscript selects hosts[start] (negative counts from the end) or the
// inclusive slice hosts[start:end].
func applySubscript(hosts []*Host, sub *subscript, term string) ([]*Host, error) {
	if len(hosts) == 0 || sub == nil {
		return hosts, nil
	}
	n := len(hosts)
	if !sub.hasEnd {
		i := sub.start
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("no hosts matched the subscripted pattern '%s'", term)
		}
		return []*Host{hosts[i]}, nil
	}
	end := sub.end
	if end == -1 {
		end = n - 1
	}
	lo, hi := pySliceBound(sub.start, n), n
	if end < n {
		hi = pySliceBound(end+1, n)
	}
	if lo >= hi {
		return []*Host{}, nil
	}
	return hosts[lo:hi], nil
}

func pySliceBound(i, n int) int {
	if i < 0 {
		i += n
		if i < 0 {
			return 0
		}
	}
	return min(i, n)
}

// enumerate lists the hosts a term without subscript matches: the hosts of
// every group whose name matches, and hosts whose name matches when no
// group did or the term is a glob or regex.
func (inv *Inventory) enumerate(term string, warnings *[]string) ([]*Host, error) {
	match, err := compileTerm(term)
	if err != nil {
		return nil, err
	}
	var results []*Host
	matchedGroups := false
	for _, g := range inv.groupOrder {
		if match(g.name) {
			matchedGroups = true
			results = append(results, inv.groupHosts(g)...)
		}
	}
	if !matchedGroups || term[0] == '~' || strings.ContainsAny(term, ".?*[") {
		for _, h := range inv.hostOrder {
			if match(h.Name) {
				results = append(results, h)
			}
		}
	}
	if len(results) == 0 && isLocalhostName(term) {
		results = append(results, inv.implicitLocalhost(term))
	}
	if len(results) == 0 && !matchedGroups && term != "all" {
		*warnings = append(*warnings, NoMatchWarning+term)
	}
	return results, nil
}

// compileTerm turns a term into a matcher: ~regex (anchored at the start,
// as Python's re.match) or a shell glob matching the whole name.
func compileTerm(term string) (func(string) bool, error) {
	var expr string
	if term[0] == '~' {
		expr = `^(?:` + term[1:] + `)`
	} else {
		if !strings.ContainsAny(term, "*?[") {
			return func(s string) bool { return s == term }, nil
		}
		expr = globToRegexp(term)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid host list pattern: %s", term)
	}
	return re.MatchString, nil
}

// globToRegexp translates a shell glob as Python's fnmatch.translate does:
// * any run, ? one character, [seq] and [!seq] classes; an unclosed [ is
// literal.
func globToRegexp(pat string) string {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
			for i+1 < len(rs) && rs[i+1] == '*' {
				i++
			}
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			stuff := string(rs[i+1 : j])
			i = j
			b.WriteString(globClass(stuff))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return b.String()
}

func globClass(stuff string) string {
	neg := strings.HasPrefix(stuff, "!")
	if neg {
		stuff = stuff[1:]
	}
	var b strings.Builder
	b.WriteString("[")
	if neg {
		b.WriteString("^")
	}
	rs := []rune(stuff)
	for i := 0; i < len(rs); i++ {
		if i+2 < len(rs) && rs[i+1] == '-' {
			if rs[i] <= rs[i+2] {
				b.WriteString(regexp.QuoteMeta(string(rs[i])) + "-" + regexp.QuoteMeta(string(rs[i+2])))
			}
			i += 2
			continue
		}
		b.WriteString(regexp.QuoteMeta(string(rs[i])))
	}
	if len(rs) == 0 || b.Len() == 1 || neg && b.Len() == 2 {
		if neg {
			return `.`
		}
		return `[^\x00-\x{10FFFF}]`
	}
	b.WriteString("]")
	return b.String()
}
