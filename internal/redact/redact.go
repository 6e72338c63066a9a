// Package redact masks secret values (vault values, passwords, no_log data)
// in every text drover prints or logs.
//
// Masking works on the values themselves: a secret interpolated into a
// command line, a diff or an error message is masked wherever it appears.
// Values shorter than MinLen bytes are not registered: masking every "a" or
// "42" would make output unreadable while hiding nothing of worth. Whole
// results of no_log tasks are hidden by their callers, not by value.
package redact

import (
	"slices"
	"strings"
	"sync"
)

// Mask replaces every occurrence of a secret.
const Mask = "********"

// MinLen is the shortest secret, in bytes, that is masked.
const MinLen = 3

// Redactor holds the secrets of a run and masks them. It is safe for
// concurrent use; the zero value is ready and holds no secret.
type Redactor struct {
	mu  sync.RWMutex
	set map[string]struct{}
	m   *matcher // rebuilt lazily after Add; nil when stale
}

// New returns an empty Redactor.
func New() *Redactor { return &Redactor{} }

// Add registers a secret. Empty values, values shorter than MinLen and
// values made only of '*' (which the mask itself would reveal) are ignored.
func (r *Redactor) Add(secret string) {
	if len(secret) < MinLen || strings.Trim(secret, "*") == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[secret]; ok {
		return
	}
	if r.set == nil {
		r.set = map[string]struct{}{}
	}
	r.set[secret] = struct{}{}
	r.m = nil
}

// Len is the number of secrets registered.
func (r *Redactor) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.set)
}

// String returns s with every occurrence of every secret replaced by Mask.
// Where secrets overlap, the leftmost occurrence wins and, at one position,
// the longest.
func (r *Redactor) String(s string) string {
	m := r.matcher()
	if m == nil {
		return s
	}
	return string(m.replace([]byte(s), len(s)))
}

// Bytes is String for a byte slice; it returns b itself when nothing is
// registered.
func (r *Redactor) Bytes(b []byte) []byte {
	m := r.matcher()
	if m == nil {
		return b
	}
	return m.replace(b, len(b))
}

// matcher returns the current matcher, or nil when no secret is held.
func (r *Redactor) matcher() *matcher {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	m, n := r.m, len(r.set)
	r.mu.RUnlock()
	if n == 0 {
		return nil
	}
	if m != nil {
		return m
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		secrets := make([]string, 0, len(r.set))
		for s := range r.set {
			secrets = append(secrets, s)
		}
		r.m = newMatcher(secrets)
	}
	return r.m
}

// matcher finds secrets in text: for each first byte, the secrets that
// start with it, longest first.
type matcher struct {
	byFirst [256][]string
	maxLen  int
	secrets []string
}

func newMatcher(secrets []string) *matcher {
	slices.SortFunc(secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	m := &matcher{secrets: secrets}
	for _, s := range secrets {
		m.byFirst[s[0]] = append(m.byFirst[s[0]], s)
		m.maxLen = max(m.maxLen, len(s))
	}
	return m
}

// matchAt returns the length of the longest secret at b[i:], or 0.
func (m *matcher) matchAt(b []byte, i int) int {
	for _, s := range m.byFirst[b[i]] {
		if len(s) <= len(b)-i && string(b[i:i+len(s)]) == s {
			return len(s)
		}
	}
	return 0
}

// replace masks the secrets that start before limit in b (a match may run
// past limit) and returns the masked text of b[:end], where end is limit
// or the end of a match that crosses it. Callers that pass len(b) get the
// whole text masked.
func (m *matcher) replace(b []byte, limit int) []byte {
	out, _ := m.replaceUpTo(b, limit)
	return out
}

// replaceUpTo is replace that also reports end.
func (m *matcher) replaceUpTo(b []byte, limit int) ([]byte, int) {
	var out []byte
	last := 0
	i := 0
	for i < limit {
		n := m.matchAt(b, i)
		if n == 0 {
			i++
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[last:i]...)
		out = append(out, Mask...)
		i += n
		last = i
	}
	end := max(i, limit)
	if out == nil {
		return b[:end], end
	}
	return append(out, b[last:end]...), end
}

// heldTail is the length of the longest suffix of b that is a proper prefix
// of some secret: text that may yet become a secret when more arrives.
func (m *matcher) heldTail(b []byte) int {
	for k := min(m.maxLen-1, len(b)); k > 0; k-- {
		tail := b[len(b)-k:]
		for _, s := range m.byFirst[tail[0]] {
			if len(s) > k && string(tail) == s[:k] {
				return k
			}
		}
	}
	return 0
}
