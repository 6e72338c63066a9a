package vault

import (
	"errors"
	"fmt"
	"os"

	"github.com/drover/drover/internal/termin"
	"golang.org/x/term"
)

// ErrNoTerminal means a password prompt was needed but there is no terminal
// to ask on.
var ErrNoTerminal = errors.New("no terminal to ask for the password on (use --vault-password-file or --vault-id)")

// TerminalPrompt writes prompt to the controlling terminal and reads a line
// from it without echo. Without a controlling terminal it uses standard
// input when that is a terminal, and fails with ErrNoTerminal otherwise.
func TerminalPrompt(prompt string) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err == nil {
		defer tty.Close()
		return readHidden(tty, tty, prompt)
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		return readHidden(os.Stdin, os.Stderr, prompt)
	}
	return nil, ErrNoTerminal
}

// readHidden shows prompt on out and reads a password from the terminal in.
func readHidden(in, out *os.File, prompt string) ([]byte, error) {
	pw, err := termin.ReadHidden(in, out, prompt)
	if err != nil {
		return nil, fmt.Errorf("reading password: %w", err)
	}
	return []byte(pw), nil
}
