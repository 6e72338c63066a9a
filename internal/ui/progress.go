package ui

import (
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/drover/drover/internal/hostlist"
)

// Progress is the live line "[37/50] TASK [x] · 2 failed · waiting for
// h[3,9] · 4.2s" that counts hosts done while they answer, names those
// still pending (folded) and the time elapsed. It draws on the Printer's
// Err only when Live is on: at once when a host finishes (at most twenty
// times a second) and every quarter of a second besides, so that it is
// never stale; Stop erases it.
type Progress struct {
	p     *Printer
	label string
	total int
	start time.Time
	quit  chan struct{}
	ended sync.WaitGroup

	mu                        sync.Mutex
	done, failed, unreachable int
	pending                   map[string]int // name → items of it not done
	names                     []string       // pending names in first-seen order
	last                      time.Time
	drawn, stopped            bool
}

// progressTick is how often the line is redrawn while nothing finishes.
const progressTick = 250 * time.Millisecond

// NewProgress starts a progress line over names, one per item to wait
// for (a name may repeat: a host with several endpoints).
func (p *Printer) NewProgress(label string, names []string) *Progress {
	g := &Progress{p: p, label: label, total: len(names), start: time.Now(), pending: map[string]int{},
		quit: make(chan struct{})}
	for _, n := range names {
		if g.pending[n] == 0 {
			g.names = append(g.names, n)
		}
		g.pending[n]++
	}
	if p.Live {
		g.ended.Add(1)
		go g.tick()
	}
	return g
}

// tick redraws the line on a timer until Stop.
func (g *Progress) tick() {
	defer g.ended.Done()
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-t.C:
			g.mu.Lock()
			if !g.stopped {
				g.draw()
			}
			g.mu.Unlock()
		}
	}
}

// Done counts one finished item of name with its status.
func (g *Progress) Done(name string, status Status) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done++
	if g.pending[name] > 0 {
		g.pending[name]--
	}
	switch status {
	case StatusFailed:
		g.failed++
	case StatusUnreachable:
		g.unreachable++
	}
	if g.p.Live && !g.stopped && (g.done == g.total || time.Since(g.last) >= 50*time.Millisecond) {
		g.draw()
	}
}

// Line is the progress line as it stands.
func (g *Progress) Line() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.line()
}

func (g *Progress) line() string {
	line := fmt.Sprintf("[%*d/%d]", len(fmt.Sprint(g.total)), g.done, g.total)
	if g.label != "" {
		line += " " + g.label
	}
	if g.failed > 0 {
		line += fmt.Sprintf(" · %d failed", g.failed)
	}
	if g.unreachable > 0 {
		line += fmt.Sprintf(" · %d unreachable", g.unreachable)
	}
	var waiting []string
	for _, n := range g.names {
		if g.pending[n] > 0 {
			waiting = append(waiting, n)
		}
	}
	if len(waiting) > 0 && g.done > 0 {
		line += " · waiting for " + hostlist.Fold(waiting)
	}
	return line + fmt.Sprintf(" · %.1fs", time.Since(g.start).Seconds())
}

// draw writes the line over the previous one, cut to the screen's width.
func (g *Progress) draw() {
	g.last = time.Now()
	line := g.line()
	if w := g.p.Width; w > 1 && utf8.RuneCountInString(line) > w-1 {
		line = string([]rune(line)[:w-2]) + "…"
	}
	fmt.Fprint(g.p.Err, "\r\x1b[2K"+line)
	g.drawn = true
}

// Stop ends the timer and erases the progress line.
func (g *Progress) Stop() {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.stopped = true
	if g.drawn {
		fmt.Fprint(g.p.Err, "\r\x1b[2K")
		g.drawn = false
	}
	g.mu.Unlock()
	close(g.quit)
	g.ended.Wait()
}
