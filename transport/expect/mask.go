package expect

import (
	"bytes"
	"sync"

	"github.com/drover/drover/internal/redact"
)

// Mask is what every secret value is replaced with.
const Mask = redact.Mask

// secrets masks a session's secrets through a redact.Redactor, shared with the
// rest of drover when one is given, and remembers the values the session
// added itself to hide a secret cut off at the end of a shown excerpt.
type secrets struct {
	r    *redact.Redactor
	mu   sync.Mutex
	own  [][]byte
	seen map[string]bool
}

func newSecrets(r *redact.Redactor) *secrets {
	if r == nil {
		r = redact.New()
	}
	return &secrets{r: r, seen: map[string]bool{}}
}

func (s *secrets) add(v string) {
	s.r.Add(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(v) >= redact.MinLen && !s.seen[v] {
		s.seen[v] = true
		s.own = append(s.own, []byte(v))
	}
}

func (s *secrets) String(text string) string { return s.r.String(text) }

// excerpt masks text for an error message that shows where output stopped:
// whole secrets, and also the start of one of the session's secrets at the
// very end (at least redact.MinLen bytes of it), as when an echo was cut off.
func (s *secrets) excerpt(text string) string {
	b := []byte(s.r.String(text))
	s.mu.Lock()
	defer s.mu.Unlock()
	cut := 0
	for _, sec := range s.own {
		for n := min(len(sec)-1, len(b)); n >= redact.MinLen && n > cut; n-- {
			if bytes.HasSuffix(b, sec[:n]) {
				cut = n
				break
			}
		}
	}
	if cut > 0 {
		b = append(b[:len(b)-cut:len(b)-cut], Mask...)
	}
	return string(b)
}
