package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/transport"
)

func testArgvAndShell(t *testing.T, h *harness) {
	cases := []struct {
		cmd  transport.Command
		want string
	}{
		{transport.Command{Argv: []string{"echo", "a  b", "$HOME"}}, "a  b $HOME\n"},
		{transport.Command{Shell: "echo $((1+2)) | tr 3 x"}, "x\n"},
		{transport.Command{Shell: "for i in 1 2; do printf $i; done"}, "12"},
	}
	for _, c := range cases {
		if got := h.out(c.cmd); got != c.want {
			t.Errorf("%q%q: got %q, want %q", c.cmd.Argv, c.cmd.Shell, got, c.want)
		}
	}
}

// nasty are arguments a careless quoting would break.
var nasty = []string{"", " ", "it's", `"dq"`, `back\slash`, "$(echo no)", "`echo no`", "$HOME",
	"*", "a;b", "a|b", "a&&b", "-n", "--", "tab\there", "new\nline", "ünïcödé", "'", `\'`, "!x", "~", "#c", "{a,b}"}

func testNastyArgs(t *testing.T, h *harness) {
	argv := append([]string{"printf", `[%s]\n`}, nasty...)
	got := h.out(transport.Command{Argv: argv})
	var want strings.Builder
	for _, a := range nasty {
		fmt.Fprintf(&want, "[%s]\n", a)
	}
	if got != want.String() {
		t.Errorf("argv came back as\n%q\nwant\n%q", got, want.String())
	}
}

func testEnv(t *testing.T, h *harness) {
	env := map[string]string{"DROVER_A": "plain", "DROVER_B": `it's "quoted" $HOME`, "DROVER_C": "a\nb"}
	cmds := []transport.Command{
		{Argv: []string{"sh", "-c", `printf '%s|%s|%s' "$DROVER_A" "$DROVER_B" "$DROVER_C"`}, Env: env},
		{Shell: `printf '%s|%s|%s' "$DROVER_A" "$DROVER_B" "$DROVER_C"`, Env: env},
	}
	want := "plain|" + env["DROVER_B"] + "|a\nb"
	for _, c := range cmds {
		if got := h.out(c); got != want {
			t.Errorf("%q%q: env came back as %q, want %q", c.Argv, c.Shell, got, want)
		}
	}
}

func testDir(t *testing.T, h *harness) {
	want := h.out(transport.Command{Shell: "cd " + transport.Quote(h.dir) + " && pwd -P"})
	for _, c := range []transport.Command{{Argv: []string{"sh", "-c", "pwd -P"}, Dir: h.dir}, {Shell: "pwd -P", Dir: h.dir}} {
		if got := h.out(c); got != want {
			t.Errorf("%q%q in %s: pwd %q, want %q", c.Argv, c.Shell, h.dir, got, want)
		}
	}
	testDefaultDir(t, h)
	res := h.run(transport.Command{Shell: "true", Dir: h.path("missing")})
	if res.ExitCode == 0 {
		t.Errorf("a missing Dir ran the command")
	}
}

func testStdin(t *testing.T, h *harness) {
	in := "hello\nworld"
	if got := h.out(transport.Command{Argv: []string{"cat"}, Stdin: strings.NewReader(in)}); got != in {
		t.Errorf("cat echoed %q, want %q", got, in)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	got := h.out(transport.Command{Shell: "wc -c | tr -d ' '", Stdin: bytes.NewReader(big)})
	if strings.TrimSpace(got) != fmt.Sprint(len(big)) {
		t.Errorf("1 MiB stdin: wc counted %q", got)
	}
	if got := h.out(transport.Command{Shell: "cat; echo end"}); got != "end\n" {
		t.Errorf("nil stdin: got %q, want empty input", got)
	}
}

func testStdoutStderr(t *testing.T, h *harness) {
	res := h.run(transport.Command{Shell: "echo out; echo err >&2; echo out2"})
	if string(res.Stdout) != "out\nout2\n" || string(res.Stderr) != "err\n" {
		t.Errorf("collected stdout %q stderr %q", res.Stdout, res.Stderr)
	}
	var out, errb bytes.Buffer
	res = h.run(transport.Command{Shell: "echo out; echo err >&2", Stdout: &out, Stderr: &errb})
	if out.String() != "out\n" || errb.String() != "err\n" || res.Stdout != nil || res.Stderr != nil {
		t.Errorf("streamed stdout %q stderr %q (result %q %q)", out.String(), errb.String(), res.Stdout, res.Stderr)
	}
	var both bytes.Buffer
	h.run(transport.Command{Shell: "echo a; echo b >&2; echo c", Stdout: &both, Stderr: &both})
	if both.Len() != 6 {
		t.Errorf("shared writer got %q", both.String())
	}
}

func testExitCodes(t *testing.T, h *harness) {
	cases := []struct {
		cmd  transport.Command
		want int
	}{
		{transport.Command{Shell: "exit 0"}, 0},
		{transport.Command{Shell: "exit 3"}, 3},
		{transport.Command{Argv: []string{"false"}}, 1},
		{transport.Command{Shell: "exit 255"}, 255},
		{transport.Command{Argv: []string{"drover-no-such-program"}}, 127},
	}
	for _, c := range cases {
		if res := h.run(c.cmd); res.ExitCode != c.want {
			t.Errorf("%q%q: exit %d, want %d", c.cmd.Argv, c.cmd.Shell, res.ExitCode, c.want)
		}
	}
}

func testSignal(t *testing.T, h *harness) {
	res := h.run(transport.Command{Shell: "kill -TERM $$; sleep 5"})
	if res.ExitCode != -1 || res.Signal != "TERM" {
		t.Errorf("self-killed shell: exit %d signal %q, want -1 TERM", res.ExitCode, res.Signal)
	}
}

// signalWriter closes started on the first write.
type signalWriter struct {
	once    sync.Once
	started chan struct{}
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.started) })
	return len(p), nil
}

func testCancel(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	w := &signalWriter{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := h.c.Run(ctx, transport.Command{Shell: "echo started; exec sleep 600", Stdout: w})
		done <- err
	}()
	select {
	case <-w.started:
	case err := <-done:
		t.Fatalf("command ended before cancel: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run returned %v, want context.Canceled", err)
	}
	if res := h.run(transport.Command{Shell: "echo alive"}); string(res.Stdout) != "alive\n" {
		t.Errorf("connection unusable after a cancel: %q", res.Stdout)
	}
}

func testPTY(t *testing.T, h *harness) {
	res := h.run(transport.Command{Shell: "test -t 0 && echo tty; echo cols=$(stty size)", PTY: &transport.PTY{Rows: 30, Cols: 100}})
	if !strings.Contains(string(res.Stdout), "tty") || !strings.Contains(string(res.Stdout), "cols=30 100") {
		t.Errorf("with PTY: %q, want tty and 30x100", res.Stdout)
	}
	res = h.run(transport.Command{Shell: "echo err >&2", PTY: &transport.PTY{}})
	if !strings.Contains(string(res.Stdout), "err") {
		t.Errorf("with PTY stderr not merged: stdout %q stderr %q", res.Stdout, res.Stderr)
	}
	if res := h.run(transport.Command{Shell: "test -t 0"}); res.ExitCode == 0 {
		t.Errorf("without PTY stdin is a terminal")
	}
}

func testConcurrentRuns(t *testing.T, h *harness) {
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := h.c.Run(h.ctx, transport.Command{Shell: fmt.Sprintf("sleep 0.1; echo %d", i)})
			if err != nil || string(res.Stdout) != fmt.Sprintf("%d\n", i) {
				errs <- fmt.Errorf("run %d: %v %q", i, err, res.Stdout)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct{ n int }

var errReader = errors.New("reader broke")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errReader
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

var _ io.Reader = (*failingReader)(nil)

// testDefaultDir checks that a command without Dir runs where relative file
// paths resolve: the login directory on remote hosts, drover's working
// directory on the local one.
func testDefaultDir(t *testing.T, h *harness) {
	name := "drover-conformance-" + strconv.Itoa(os.Getpid()) + ".rel"
	err := h.c.Put(h.ctx, name, strings.NewReader("x"), transport.PutOptions{})
	if errors.Is(err, transport.ErrNotSupported) {
		return
	}
	if err != nil {
		t.Fatalf("put relative %s: %v", name, err)
	}
	defer func() { _ = h.c.Remove(h.ctx, name) }()
	if res := h.run(transport.Command{Shell: "test -f " + transport.Quote(name)}); res.ExitCode != 0 {
		t.Errorf("a command without Dir does not see %s, which Put wrote by its relative name", name)
	}
}
