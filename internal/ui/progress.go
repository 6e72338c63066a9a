package ui

import (
	"fmt"
	"sync"
	"time"
)

// Progress is the live line "[ 37/50 ] 2 failed" that counts hosts done while
// they answer. It draws on the Printer's Err only when Live is on, at most ten
// times a second, and erases itself on Stop.
type Progress struct {
	p     *Printer
	label string
	total int

	mu                        sync.Mutex
	done, failed, unreachable int
	last                      time.Time
	drawn                     bool
}

// NewProgress starts a progress line for total hosts.
func (p *Printer) NewProgress(label string, total int) *Progress {
	return &Progress{p: p, label: label, total: total}
}

// Add counts one finished host with its status.
func (g *Progress) Add(status Status) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done++
	switch status {
	case StatusFailed:
		g.failed++
	case StatusUnreachable:
		g.unreachable++
	}
	if g.p.Live && (g.done == g.total || time.Since(g.last) > 100*time.Millisecond) {
		g.draw()
	}
}

func (g *Progress) draw() {
	g.last = time.Now()
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
	fmt.Fprint(g.p.Err, "\r\x1b[2K"+line)
	g.drawn = true
}

// Stop erases the progress line.
func (g *Progress) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.drawn {
		fmt.Fprint(g.p.Err, "\r\x1b[2K")
		g.drawn = false
	}
}
