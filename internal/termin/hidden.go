// Package termin reads answers typed on a terminal.
package termin

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ReadHidden shows prompt on out and reads one line from the terminal in
// without echoing it. Echo is off before the prompt appears, so an answer
// typed as soon as the prompt shows is not echoed either.
func ReadHidden(in *os.File, out io.Writer, prompt string) (string, error) {
	fd := int(in.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("%s is not a terminal: %w", in.Name(), err)
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("turning echo off on %s: %w", in.Name(), err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, saved) //nolint:errcheck // best effort: the answer is read
	fmt.Fprint(out, prompt)
	line, err := readLine(in)
	fmt.Fprintln(out)
	return line, err
}

// readLine reads up to a newline, one byte at a time so nothing after the
// line is consumed from in.
func readLine(in io.Reader) (string, error) {
	var b strings.Builder
	c := make([]byte, 1)
	for {
		n, err := in.Read(c)
		switch {
		case n == 1 && c[0] == '\n':
			return strings.TrimSuffix(b.String(), "\r"), nil
		case n == 1:
			b.WriteByte(c[0])
		case errors.Is(err, io.EOF) && b.Len() > 0:
			return b.String(), nil
		case err != nil:
			return "", err
		}
	}
}
