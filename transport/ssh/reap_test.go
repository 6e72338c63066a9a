package ssh_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/transporttest"
)

// TestCancelEndsCommand cancels a command that started a background
// process and then hangs, logged in as root (sshd refuses to signal
// sessions without privilege separation) and as a user of its own: Run
// returns context.Canceled and nothing the command started runs on.
func TestCancelEndsCommand(t *testing.T) {
	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own user %v", own), func(t *testing.T) {
			lab := testlab.Shared(t, testlab.Options{Hosts: 3, OwnUsers: own})
			c := dial(t, hostConfig(lab, lab.Hosts[0]))
			marker := "drover-cancel-" + filepath.Base(t.TempDir())
			ctx, cancel := context.WithCancel(context.Background())
			started := make(chan struct{})
			w := writerFunc(func(p []byte) (int, error) {
				select {
				case <-started:
				default:
					close(started)
				}
				return len(p), nil
			})
			done := make(chan error, 1)
			go func() {
				_, err := c.Run(ctx, transport.Command{Shell: "sleep 301 & echo started; sleep 300; echo " + marker, Stdout: w})
				done <- err
			}()
			<-started
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled run returned %v, want context.Canceled", err)
			}
			testlab.WaitNoCommand(t, marker)
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestConformanceRoot runs the conformance suite logged in as root, where
// every command prints its process group first (see Run).
func TestConformanceRoot(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 3})
	if lab.Hosts[0].User != "root" {
		testlab.Need(t, "root (to log in as root)", false)
	}
	var skip map[string]string
	if why := testlab.PTYProblem(); why != "" {
		skip = map[string]string{"PTY": why}
	}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		h := lab.Hosts[0]
		return dial(t, hostConfig(lab, h)), h.Dir
	}, skip)
}

// TestNULCommand runs a command line with a NUL byte, which sshd answers
// by dropping the connection: Run refuses it, and the connection stays
// usable.
func TestNULCommand(t *testing.T) {
	lab := shared(t)
	c := dial(t, hostConfig(lab, lab.Hosts[0]))
	_, err := c.Run(context.Background(), transport.Command{Shell: "echo a\x00b"})
	if err == nil || transport.IsUnreachable(err) || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("command with NUL: %v, want an error naming the NUL byte", err)
	}
	if res, err := c.Run(context.Background(), transport.Command{Shell: "echo alive"}); err != nil || string(res.Stdout) != "alive\n" {
		t.Errorf("after the NUL command: %q %v", res.Stdout, err)
	}
}
