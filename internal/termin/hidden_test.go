package termin

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// TestReadHidden types answers on a real pseudo-terminal the moment each
// prompt shows: none is echoed, each is read whole, and echo is back on
// afterwards.
func TestReadHidden(t *testing.T) {
	cases := []struct{ name, typed, want string }{
		{"plain", "Secret-1\r", "Secret-1"},
		{"spaces kept", "  two words \r", "  two words "},
		{"empty", "\r", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			master, tty, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer master.Close()
			defer tty.Close()
			got := make(chan string, 1)
			go func() {
				s, err := ReadHidden(tty, tty, "Answer: ")
				if err != nil {
					s = "error: " + err.Error()
				}
				got <- s
				fmt.Fprint(tty, "done\n")
			}()
			screen := bufio.NewReader(master)
			waitFor(t, screen, "Answer: ")
			fmt.Fprint(master, c.typed)
			if s := <-got; s != c.want {
				t.Errorf("read %q, want %q", s, c.want)
			}
			shown := waitFor(t, screen, "done")
			if c.want != "" && strings.Contains(shown, strings.TrimSpace(c.want)) {
				t.Errorf("the answer was echoed: %q", shown)
			}
			if tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS); err != nil || tio.Lflag&unix.ECHO == 0 {
				t.Errorf("echo not back on afterwards (%v)", err)
			}
		})
	}
}

// waitFor reads what the terminal shows up to and including want.
func waitFor(t *testing.T, r *bufio.Reader, want string) string {
	t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), want) {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatalf("waiting for %q, saw %q: %v", want, b.String(), err)
		}
		b.WriteByte(c)
	}
	return b.String()
}
