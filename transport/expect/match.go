package expect

import "bytes"

// hit is where an alternative matched in the buffer: loc holds start and end
// of the match followed by those of each capture group (-1 when a group took
// no part), as regexp.FindSubmatchIndex returns them.
type hit struct {
	alt int
	loc []int
}

// find returns the alternative whose match starts earliest in buf, ties going
// to the lower index (pexpect's rule, which Ansible's expect inherits). Only
// Regexp, Literal and Now alternatives match here.
func find(buf []byte, alts []Alternative) (hit, bool) {
	best := hit{alt: -1}
	for i := range alts {
		loc := locate(buf, &alts[i])
		if loc == nil {
			continue
		}
		if best.alt < 0 || loc[0] < best.loc[0] {
			best = hit{alt: i, loc: loc}
		}
	}
	return best, best.alt >= 0
}

func locate(buf []byte, a *Alternative) []int {
	switch a.Kind {
	case Regexp:
		return a.re.FindSubmatchIndex(buf)
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
