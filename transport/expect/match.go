package expect

import "bytes"

// hit is where an alternative matched in the buffer: loc holds start and end
// of the match followed by those of each capture group (-1 when a group took
// no part), as regexp.FindSubmatchIndex returns them.
type hit struct {
	alt int
	loc []int
}

// Lookback is how far back into output already searched a new search of a
// regular expression starts: a wait over a long output searches each read
// once, plus this much, instead of everything again. A match longer than
// this that started before the last search is not found.
const Lookback = 8 << 10

// find returns the alternative whose match starts earliest in buf, ties going
// to the lower index (pexpect's rule, which Ansible's expect inherits). Only
// Regexp, Literal and Now alternatives match here. Regular expressions are
// searched from from on (see searchFrom), those anchored at the start of the
// text from the start.
func find(buf []byte, from int, alts []Alternative) (hit, bool) {
	best := hit{alt: -1}
	for i := range alts {
		loc := locate(buf, from, &alts[i])
		if loc == nil {
			continue
		}
		if best.alt < 0 || loc[0] < best.loc[0] {
			best = hit{alt: i, loc: loc}
		}
	}
	return best, best.alt >= 0
}

// searchFrom is where to search buf for regular expressions when its first
// searched bytes were searched before without a match: Lookback before that,
// moved back to a line start so that ^ and \b keep their meaning.
func searchFrom(buf []byte, searched int) int {
	cand := searched - Lookback
	if cand <= 0 {
		return 0
	}
	if k := bytes.LastIndexByte(buf[max(0, cand-4*Lookback):cand], '\n'); k >= 0 {
		return max(0, cand-4*Lookback) + k + 1
	}
	return cand
}

func locate(buf []byte, from int, a *Alternative) []int {
	switch a.Kind {
	case Regexp:
		if a.startAnchored || from == 0 {
			return a.re.FindSubmatchIndex(buf)
		}
		loc := a.re.FindSubmatchIndex(buf[from:])
		for i := range loc {
			if loc[i] >= 0 {
				loc[i] += from
			}
		}
		return loc
	case Literal:
		if i := bytes.Index(buf, []byte(a.Pattern)); i >= 0 {
			return []int{i, i + len(a.Pattern)}
		}
	case Now:
		return []int{0, 0}
	}
	return nil
}

// groups extracts the capture groups of h from buf: index 0 is the whole
// match. Groups that took no part are empty.
func groups(buf []byte, loc []int) []string {
	out := make([]string, len(loc)/2)
	for i := range out {
		if s, e := loc[2*i], loc[2*i+1]; s >= 0 && e >= s {
			out[i] = string(buf[s:e])
		}
	}
	return out
}

// firstOf reports the index of the first alternative of kind k, or -1.
func firstOf(alts []Alternative, k Kind) int {
	for i := range alts {
		if alts[i].Kind == k {
			return i
		}
	}
	return -1
}
