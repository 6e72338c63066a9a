package expect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/drover/drover/internal/redact"
	"io"
	"strings"
	"sync"
	"time"
)

// ErrTimeout is returned by Scan when its deadline passes.
var ErrTimeout = errors.New("timed out")

// Options shape a Session.
type Options struct {
	// LineEnding follows every answer sent (unless NoNewline); "\n" when
	// empty. A terminal turns it into what the program reads.
	LineEnding string
	// StripEscapes removes terminal escape sequences (colours, titles,
	// cursor moves) from the output before matching and recording.
	StripEscapes bool
	// Log receives the output as it arrives, masked.
	Log io.Writer
	// Secrets are masked from the start.
	Secrets []string
	// Redactor masks the session's secrets; when it is drover's, the
	// secrets the session learns are masked everywhere else too. A new one
	// when nil.
	Redactor *redact.Redactor
	// MaxBuffer bounds the output kept for matching (the oldest is dropped);
	// 1 MiB when zero.
	MaxBuffer int
	// MaxTranscript bounds the output a Result records; 16 MiB when zero.
	MaxTranscript int
	// SendDelay is a pause before each answer, for programs that print a
	// prompt before they turn the terminal's echo off (pexpect, and so
	// Ansible's expect, waits 50ms).
	SendDelay time.Duration
}

// Session runs expect programs over one stream: it reads from r, matches
// what it read and writes answers to w. Output read but not consumed by a
// match stays for the next step, the next program or Scan.
type Session struct {
	w    io.Writer
	wmu  sync.Mutex
	opts Options
	mask *secrets
	log  *redact.Writer

	chunks chan chunk
	quit   chan struct{}
	once   sync.Once

	mu           sync.Mutex // one program or scan at a time
	buf          []byte
	end          error
	dropped      int // bytes dropped from the front of buf so far
	lastActivity time.Time
	rec          *recorder
	step         int
	groups       []string
	names        []string
}

type chunk struct {
	data []byte
	err  error
}

// NewSession starts reading r. Close the session, and then the stream, when
// done.
func NewSession(r io.Reader, w io.Writer, opts Options) *Session {
	if opts.LineEnding == "" {
		opts.LineEnding = "\n"
	}
	if opts.MaxBuffer <= 0 {
		opts.MaxBuffer = 1 << 20
	}
	if opts.MaxTranscript <= 0 {
		opts.MaxTranscript = 16 << 20
	}
	s := &Session{w: w, opts: opts, mask: newSecrets(opts.Redactor), chunks: make(chan chunk, 16), quit: make(chan struct{})}
	if opts.Log != nil {
		s.log = s.mask.r.Writer(opts.Log)
	}
	for _, v := range opts.Secrets {
		s.AddSecret(v)
	}
	go s.pump(r)
	return s
}

// pump reads r until it fails, handing chunks to the session.
func (s *Session) pump(r io.Reader) {
	var esc EscapeStripper
	for {
		p := make([]byte, 32<<10)
		n, err := r.Read(p)
		data := p[:n]
		if s.opts.StripEscapes {
			data = esc.Strip(make([]byte, 0, n), data)
		}
		if n > 0 || err != nil {
			select {
			case s.chunks <- chunk{data, err}:
			case <-s.quit:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops the session. It does not close the stream: a read blocked on
// it ends when the caller closes it.
func (s *Session) Close() error {
	s.once.Do(func() { close(s.quit) })
	if s.log != nil {
		return s.log.Flush()
	}
	return nil
}

// AddSecret masks v from now on (values shorter than redact.MinLen are
// not masked).
func (s *Session) AddSecret(v string) { s.mask.add(v) }

// Mask returns s with the session's secrets masked.
func (s *Session) Mask(text string) string { return s.mask.String(text) }

// Ended reports how the stream ended, or nil while it is open.
func (s *Session) Ended() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

// Send writes text as it is. A secret is masked from now on.
func (s *Session) Send(text string, secret bool) error {
	if secret {
		s.AddSecret(text)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := io.WriteString(s.w, text)
	return err
}

// SendLine writes text and the line ending.
func (s *Session) SendLine(text string, secret bool) error {
	if secret {
		s.AddSecret(text)
	}
	return s.Send(text+s.opts.LineEnding, false)
}

// Scan calls fn with the output not yet consumed, and again each time more
// arrives, until fn reports done. fn returns how many leading bytes it
// consumed; it must not keep buf. ended tells fn that no more output will
// come. Scan fails with ErrTimeout when deadline (if not zero) passes, with
// ctx's error when ctx ends, and with an error wrapping how the stream ended
// when it ended before fn was done.
func (s *Session) Scan(ctx context.Context, deadline time.Time, fn func(buf []byte, ended bool) (consumed int, done bool)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		n, done := fn(s.buf, s.end != nil)
		s.consume(n)
		if done {
			return nil
		}
		if s.end != nil {
			return fmt.Errorf("output ended: %w", s.end)
		}
		timedOut, err := s.waitData(ctx, deadline)
		if err != nil {
			return err
		}
		if timedOut {
			return ErrTimeout
		}
	}
}

// waitData waits for output until at (if not zero). It reports whether at
// passed first.
func (s *Session) waitData(ctx context.Context, at time.Time) (bool, error) {
	var tc <-chan time.Time
	if !at.IsZero() {
		d := time.Until(at)
		if d <= 0 {
			return true, nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		tc = t.C
	}
	select {
	case c := <-s.chunks:
		s.accept(c)
		s.drain()
		return false, nil
	case <-tc:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// drain accepts every chunk already waiting, so matching runs once for them.
func (s *Session) drain() {
	for s.end == nil {
		select {
		case c := <-s.chunks:
			s.accept(c)
		default:
			return
		}
	}
}

func (s *Session) accept(c chunk) {
	s.lastActivity = time.Now()
	if c.err != nil {
		s.end = c.err
	}
	if len(c.data) == 0 {
		return
	}
	s.buf = append(s.buf, c.data...)
	if over := len(s.buf) - s.opts.MaxBuffer; over > 0 {
		drop := over + s.opts.MaxBuffer/4
		s.buf = append([]byte(nil), s.buf[drop:]...)
		s.dropped += drop
	}
	if s.rec != nil {
		s.rec.output(s.step, c.data)
	}
	if s.log != nil {
		_, _ = s.log.Write(c.data)
	}
}

func (s *Session) consume(n int) {
	if n >= len(s.buf) {
		s.buf = s.buf[:0]
		return
	}
	s.buf = s.buf[n:]
}

// Run runs p. The Result is returned even when p fails, with what was read
// until then.
func (s *Session) Run(ctx context.Context, p *Program) (*Result, error) {
	if err := p.Compile(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range p.Secrets {
		s.AddSecret(v)
	}
	r := &run{s: s, p: p, rec: &recorder{limit: s.opts.MaxTranscript}, used: map[[2]int]int{}}
	start := time.Now()
	if p.Timeout > 0 {
		r.deadline = start.Add(p.Timeout)
	}
	s.lastActivity, s.rec = start, r.rec
	defer func() { s.rec = nil }()
	var err error
	for i := range p.Steps {
		s.step = i
		if err = r.step(ctx, i); err != nil {
			break
		}
	}
	return r.result(), err
}

// run is one program running over a session.
type run struct {
	s        *Session
	p        *Program
	rec      *recorder
	deadline time.Time
	matches  []Match
	used     map[[2]int]int // answers used per step and alternative
}

func (r *run) result() *Result {
	res := &Result{}
	r.rec.finish(res)
	res.Matches = append(res.Matches, r.matches...)
	return res
}

// step runs step i: waits, answers, and waits again while it repeats.
func (r *run) step(ctx context.Context, i int) error {
	st := &r.p.Steps[i]
	for {
		m, err := r.wait(ctx, i, st)
		if err != nil {
			return err
		}
		alt := &st.Alternatives[m.Index]
		r.matches = append(r.matches, m)
		r.rec.add(Matched, i, describeMatch(m, alt))
		if err := r.answer(ctx, i, m, alt); err != nil {
			return err
		}
		if alt.Fail != "" {
			return &FailError{Step: i, StepName: m.StepName, Index: m.Index, Message: alt.Fail, LastSeen: r.lastSeen(m.Before + m.Text)}
		}
		if !st.Repeat || alt.Kind == EOF || alt.Kind == Timeout || alt.Kind == Now {
			return nil
		}
	}
}

// wait reads until an alternative of st matches.
func (r *run) wait(ctx context.Context, i int, st *Step) (Match, error) {
	s, name := r.s, stepName(st, i)
	started := time.Now()
	searched, dropped := 0, s.dropped
	for {
		searched = max(0, searched-(s.dropped-dropped))
		h, ok := find(s.buf, searchFrom(s.buf, searched), st.Alternatives)
		searched, dropped = len(s.buf), s.dropped
		if ok {
			settled, err := r.settled(ctx, st, h)
			if err != nil {
				return Match{}, fmt.Errorf("%s: %w", name, err)
			}
			if settled {
				return r.matched(i, st, h), nil
			}
			continue
		}
		if s.end != nil {
			if j := firstOf(st.Alternatives, EOF); j >= 0 {
				m := Match{Step: i, StepName: name, Index: j, Kind: EOF, Before: string(s.buf)}
				s.consume(len(s.buf))
				return m, nil
			}
			return Match{}, &EOFError{Step: i, StepName: name, Waiting: waiting(st), LastSeen: r.lastSeen(string(s.buf)), Err: s.end}
		}
		limit, after, at := r.nextLimit(st, started)
		timedOut, err := s.waitData(ctx, at)
		if err != nil {
			return Match{}, fmt.Errorf("%s: %w", name, err)
		}
		if !timedOut {
			continue
		}
		if j := firstOf(st.Alternatives, Timeout); j >= 0 {
			return Match{Step: i, StepName: name, Index: j, Kind: Timeout}, nil
		}
		return Match{}, &TimeoutError{Step: i, StepName: name, Limit: limit, After: after, Waiting: waiting(st), LastSeen: r.lastSeen(string(s.buf))}
	}
}

// settled reports whether the match h stands: it does not reach the end of
// the output, or no more output came within the step's Settle time. More
// output is read into the buffer otherwise.
func (r *run) settled(ctx context.Context, st *Step, h hit) (bool, error) {
	s := r.s
	if st.Settle <= 0 || h.loc[1] < len(s.buf) || s.end != nil || st.Alternatives[h.alt].Kind == Now {
		return true, nil
	}
	return s.waitData(ctx, time.Now().Add(st.Settle))
}

// nextLimit is the limit that runs out first for a wait that started at
// started: its name, length and end (zero when there is none).
func (r *run) nextLimit(st *Step, started time.Time) (string, time.Duration, time.Time) {
	name, length, at := "", time.Duration(0), time.Time{}
	consider := func(n string, l time.Duration, t time.Time) {
		if at.IsZero() || t.Before(at) {
			name, length, at = n, l, t
		}
	}
	if st.Timeout > 0 {
		consider("step timeout", st.Timeout, started.Add(st.Timeout))
	}
	if r.p.IdleTimeout > 0 {
		consider("idle timeout", r.p.IdleTimeout, r.s.lastActivity.Add(r.p.IdleTimeout))
	}
	if !r.deadline.IsZero() {
		consider("deadline", r.p.Timeout, r.deadline)
	}
	return name, length, at
}

// matched consumes the match h and describes it.
func (r *run) matched(i int, st *Step, h hit) Match {
	s, alt := r.s, &st.Alternatives[h.alt]
	g := groups(s.buf, h.loc)
	m := Match{Step: i, StepName: stepName(st, i), Index: h.alt, Kind: alt.Kind,
		Text: g[0], Before: string(s.buf[:h.loc[0]]), Captures: g[1:]}
	s.groups, s.names = g, nil
	if alt.re != nil {
		s.names = alt.re.SubexpNames()
		for k, n := range s.names {
			if n != "" {
				if m.Named == nil {
					m.Named = map[string]string{}
				}
				m.Named[n] = g[k]
			}
		}
	}
	s.consume(h.loc[1])
	return m
}

// answer sends what alt answers to its match m.
func (r *run) answer(ctx context.Context, i int, m Match, alt *Alternative) error {
	if len(alt.Answers) == 0 && !alt.Successive {
		return nil
	}
	key := [2]int{i, m.Index}
	n := r.used[key]
	r.used[key] = n + 1
	var text string
	if !alt.Successive {
		text = alt.Answers[0]
	} else {
		if n >= len(alt.Answers) {
			return &NoResponseError{Step: i, StepName: m.StepName, Pattern: cmp.Or(alt.Name, alt.Pattern), Output: r.s.Mask(m.Before + m.Text)}
		}
		text = alt.Answers[n]
	}
	if !alt.Verbatim {
		text = Expand(text, r.s.groups, r.s.names)
	}
	if alt.Secret {
		r.s.AddSecret(text)
	}
	r.rec.add(Sent, i, text)
	if !alt.NoNewline {
		text += r.s.opts.LineEnding
	}
	if err := sleep(ctx, r.s.opts.SendDelay); err != nil {
		return fmt.Errorf("%s: %w", m.StepName, err)
	}
	r.s.lastActivity = time.Now()
	if err := r.s.Send(text, false); err != nil {
		return fmt.Errorf("%s: sending: %w", m.StepName, err)
	}
	return nil
}

// lastSeen is the masked end of text, for error messages.
func (r *run) lastSeen(text string) string { return r.s.excerpt(text) }

// excerpt is the end of text, masked, for an error message.
func (s *Session) excerpt(text string) string {
	masked := s.mask.excerpt(text)
	if len(masked) > lastSeenBytes {
		masked = "…" + strings.ToValidUTF8(masked[len(masked)-lastSeenBytes:], "")
	}
	return masked
}

// LastSeen is the end of the output not yet consumed, masked, for an error
// message: what arrived since the last match.
func (s *Session) LastSeen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.excerpt(string(s.buf))
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
