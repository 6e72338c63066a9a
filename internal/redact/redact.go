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

// Add registers a secret, and the spellings it takes when quoted as a JSON
// string, a Python repr or a shell word. Empty values, values shorter than
// MinLen and values made only of '*' (which the mask itself would reveal)
// are ignored.
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
	for _, v := range variants(secret) {
		r.set[v] = struct{}{}
	}
	r.m = nil
}

// Len is the number of distinct texts masked: the secrets registered and
// their quoted spellings.
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

// Contains reports whether s holds a registered secret.
func (r *Redactor) Contains(s string) bool {
	m := r.matcher()
	if m == nil {
		return false
	}
	b := []byte(s)
	for i := range b {
		if m.matchAt(b, i) > 0 {
			return true
		}
	}
	return false
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
		slices.Sort(secrets) // the same trie whatever the map order
		r.m = newMatcher(secrets)
	}
	return r.m
}

// matcher finds secrets in text with a byte trie of all of them: finding
// the longest secret at a position costs the length of the longest prefix
// of the text there that starts some secret, however many secrets there are.
type matcher struct {
	root   [256]int32 // the node after each first byte; 0 for none
	nodes  []trieNode // nodes[0] is unused, so 0 can mean "no node"
	maxLen int
}

// trieNode is one prefix of one or more secrets.
type trieNode struct {
	bytes    []byte  // next bytes, in the order they were added
	children []int32 // the node after each of them
	end      bool    // a secret ends here
}

func newMatcher(secrets []string) *matcher {
	m := &matcher{nodes: make([]trieNode, 1)}
	for _, s := range secrets {
		m.insert(s)
		m.maxLen = max(m.maxLen, len(s))
	}
	return m
}

// insert adds one secret to the trie.
func (m *matcher) insert(s string) {
	n := m.root[s[0]]
	if n == 0 {
		n = m.newNode()
		m.root[s[0]] = n
	}
	for i := 1; i < len(s); i++ {
		next := m.child(n, s[i])
		if next == 0 {
			next = m.newNode()
			m.nodes[n].bytes = append(m.nodes[n].bytes, s[i])
			m.nodes[n].children = append(m.nodes[n].children, next)
		}
		n = next
	}
	m.nodes[n].end = true
}

func (m *matcher) newNode() int32 {
	m.nodes = append(m.nodes, trieNode{})
	return int32(len(m.nodes) - 1)
}

// child is the node after byte c from node n, or 0.
func (m *matcher) child(n int32, c byte) int32 {
	nd := &m.nodes[n]
	for i, b := range nd.bytes {
		if b == c {
			return nd.children[i]
		}
	}
	return 0
}

// matchAt returns the length of the longest secret at b[i:], or 0.
func (m *matcher) matchAt(b []byte, i int) int {
	n := m.root[b[i]]
	best := 0
	for j := i; n != 0; {
		if m.nodes[n].end {
			best = j - i + 1
		}
		if j++; j == len(b) {
			break
		}
		n = m.child(n, b[j])
	}
	return best
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
	for start := max(0, len(b)-(m.maxLen-1)); start < len(b); start++ {
		n := m.root[b[start]]
		for j := start + 1; j < len(b) && n != 0; j++ {
			n = m.child(n, b[j])
		}
		if n != 0 && len(m.nodes[n].bytes) > 0 {
			return len(b) - start
		}
	}
	return 0
}
