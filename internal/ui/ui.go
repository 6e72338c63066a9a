// Package ui writes what drover shows people: colour only on a terminal and
// never under NO_COLOR, a live progress line, and results folded by host.
package ui

import (
	"io"
	"os"

	"golang.org/x/term"
)

// Colour is an ANSI SGR colour code.
type Colour string

// Colours used for statuses.
const (
	Green  Colour = "32"
	Yellow Colour = "33"
	Red    Colour = "31"
	Cyan   Colour = "36"
	Bold   Colour = "1"
	Dim    Colour = "2"
)

// Printer writes output for people (Out) and progress and diagnostics (Err).
type Printer struct {
	Out, Err io.Writer
	// Colour enables ANSI colours on Out.
	Colour bool
	// Live enables the self-erasing progress line on Err.
	Live bool
	// Width is the terminal's width in columns (0 unknown): the progress
	// line is cut to it.
	Width int
}

// New returns a Printer on stdout and stderr that colours and shows progress
// only when writing to a terminal, and never colours when NO_COLOR is set.
func New() *Printer {
	p := &Printer{
		Out:    os.Stdout,
		Err:    os.Stderr,
		Colour: IsTerminal(os.Stdout) && os.Getenv("NO_COLOR") == "",
		Live:   IsTerminal(os.Stderr),
	}
	if p.Live {
		p.Width, _, _ = term.GetSize(int(os.Stderr.Fd()))
	}
	return p
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Paint wraps s in colour c when colours are on.
func (p *Printer) Paint(c Colour, s string) string {
	if !p.Colour || s == "" {
		return s
	}
	return "\x1b[" + string(c) + "m" + s + "\x1b[0m"
}
