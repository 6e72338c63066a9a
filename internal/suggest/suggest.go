// Package suggest proposes the closest known word for a misspelled one, for
// "did you mean X?" hints in error messages.
package suggest

import "strings"

// Distance is the optimal-string-alignment Damerau-Levenshtein distance
// between a and b: insertions, deletions, substitutions and transpositions of
// adjacent runes each cost one.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Closest returns the candidate nearest to word, when it is near enough to be
// a plausible misspelling: at most a third of the word's length (and at least
// one edit) away. Comparison ignores case. Ties go to the earlier candidate.
func Closest(word string, candidates []string) (string, bool) {
	best := nearest(word, candidates, max(1, len([]rune(word))/3), true, false)
	return best, best != ""
}

// Name returns the candidate other than name itself nearest to name, when
// it is at most a third of name's length (and at least two edits) away, or
// "". Comparison keeps case; ties go to the earlier candidate. It suits
// short identifiers such as module and argument names.
func Name(name string, candidates []string) string {
	return nearest(name, candidates, max(2, len([]rune(name))/3), false, true)
}

// nearest returns the candidate nearest to word within limit edits, or "";
// fold compares lower-cased, skipSame passes over candidates equal to word.
func nearest(word string, candidates []string, limit int, fold, skipSame bool) string {
	if fold {
		word = strings.ToLower(word)
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		cmp := c
		if fold {
			cmp = strings.ToLower(c)
		}
		if d := Distance(word, cmp); d < bestDist && (d > 0 || !skipSame) {
			best, bestDist = c, d
		}
	}
	return best
}

// Hint returns ` (did you mean "X"?)` for the closest candidate, or "".
func Hint(word string, candidates []string) string {
	if c, ok := Closest(word, candidates); ok && c != word {
		return ` (did you mean "` + c + `"?)`
	}
	return ""
}
