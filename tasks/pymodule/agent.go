package pymodule

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/transport"
)

// agentSource is the Python program that runs modules on a host (see
// agent.py's header for its protocol).
//
//go:embed agent.py
var agentSource string

// hello is what an agent says when it is ready. Lines before it (a
// shell's banner) are kept with the agent's stderr.
type hello struct {
	Root   string `json:"root"`
	Tmp    string `json:"tmp"`
	Python string `json:"python"`
	// Tag is the Python's bytecode cache tag ("cpython-311").
	Tag        string `json:"tag"`
	Executable string `json:"executable"`
}

// reply is an agent's answer to one request.
type reply struct {
	ID    int    `json:"id"`
	Error string `json:"error"`
	RC    int    `json:"rc"`
	Out   int    `json:"out"`
	Err   int    `json:"err"`
	// ResultsFile is the job file of an async request.
	ResultsFile string `json:"results_file"`
	// stdout and stderr of a run request.
	stdout, stderr []byte
}

// agent is one agent process on a host: its input, the requests waiting
// for an answer and the payloads it already holds.
type agent struct {
	interp string
	hello  hello
	in     *io.PipeWriter
	cancel context.CancelFunc

	wmu sync.Mutex // one frame written at a time

	mu      sync.Mutex
	next    int
	waiting map[int]chan reply
	sent    map[string]*sending
	files   map[string]string // lib path → content hash

	dead    chan struct{} // closed when the process ended
	deadErr error
	stderr  limitedBuffer
}

// sending is one payload on its way to an agent: every task needing it
// waits for the first one to send it.
type sending struct {
	done chan struct{}
	root string // "" for the shared lib directory
	err  error
}

// errAgentGone means the agent process ended before answering.
var errAgentGone = errors.New("the module agent on the host ended")

// startAgent starts an agent on conn with interpreter argv interp, its run
// directory under remoteTmp; once makes it end after one request. It
// returns when the agent said hello.
func startAgent(ctx context.Context, conn transport.Conn, interp []string, remoteTmp string, env map[string]string, once bool) (*agent, error) {
	mode := "serve"
	if once {
		mode = "once"
	}
	pr, pw := io.Pipe()
	outR, outW := io.Pipe()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &agent{interp: strings.Join(interp, " "), in: pw, cancel: cancel, waiting: map[int]chan reply{},
		sent: map[string]*sending{}, files: map[string]string{}, dead: make(chan struct{})}
	a.stderr.limit = 64 << 10
	argv := append(append([]string{}, interp...), "-c", agentSource, remoteTmp, mode)
	cmd := transport.Command{Argv: argv, Env: env, Stdin: pr, Stdout: outW, Stderr: &a.stderr}
	helloCh := make(chan hello, 1)
	go a.readFrames(outR, helloCh)
	go func() {
		res, err := conn.Run(runCtx, cmd)
		if err == nil && res.ExitCode != 0 {
			err = &exitError{code: res.ExitCode, signal: res.Signal}
		}
		a.deadErr = err
		outW.Close()
		pr.Close()
		close(a.dead)
	}()
	select {
	case h := <-helloCh:
		a.hello = h
		return a, nil
	case <-a.dead:
		return nil, a.startError()
	case <-ctx.Done():
		cancel()
		<-a.dead
		return nil, ctx.Err()
	}
}

// exitError is how an agent process ended other than by finishing.
type exitError struct {
	code   int
	signal string
}

func (e *exitError) Error() string {
	if e.signal != "" {
		return "killed by signal " + e.signal
	}
	return fmt.Sprintf("exit status %d", e.code)
}

// startError says why the agent ended before its hello.
func (a *agent) startError() error {
	if a.deadErr != nil && transport.IsUnreachable(a.deadErr) {
		return a.deadErr
	}
	return &startError{interp: a.interp, err: a.deadErr, stderr: strings.TrimSpace(a.stderr.String())}
}

// startError is an interpreter that did not start the agent: missing, or
// not a Python drover can use.
type startError struct {
	interp string
	err    error
	stderr string
}

func (e *startError) Error() string {
	msg := fmt.Sprintf("could not run Python on the host with %s", e.interp)
	if e.err != nil {
		msg += " (" + e.err.Error() + ")"
	}
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

// readFrames reads the agent's output: its hello, then answers, each to
// the request waiting for it.
func (a *agent) readFrames(r io.Reader, helloCh chan<- hello) {
	br := bufio.NewReaderSize(r, 64<<10)
	first := true
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			_, _ = io.Copy(io.Discard, br)
			return
		}
		if first {
			var h hello
			if json.Unmarshal(line, &h) == nil && h.Root != "" {
				first = false
				helloCh <- h
				continue
			}
			// what a login shell printed before Python started
			_, _ = a.stderr.Write(line)
			continue
		}
		var rep reply
		if json.Unmarshal(line, &rep) != nil {
			continue
		}
		if rep.stdout, err = readN(br, rep.Out); err != nil {
			return
		}
		if rep.stderr, err = readN(br, rep.Err); err != nil {
			return
		}
		a.deliver(rep)
	}
}

func readN(r io.Reader, n int) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

func (a *agent) deliver(rep reply) {
	a.mu.Lock()
	ch, ok := a.waiting[rep.ID]
	delete(a.waiting, rep.ID)
	a.mu.Unlock()
	if ok {
		ch <- rep
	}
}

// call sends one request and waits for its answer; ctx ending kills what
// the request started.
func (a *agent) call(ctx context.Context, head map[string]any, body []byte) (reply, error) {
	a.mu.Lock()
	a.next++
	id := a.next
	ch := make(chan reply, 1)
	a.waiting[id] = ch
	a.mu.Unlock()
	head["id"], head["n"] = id, len(body)
	if err := a.write(head, body); err != nil {
		return reply{}, err
	}
	select {
	case rep := <-ch:
		if rep.Error != "" {
			return rep, fmt.Errorf("module agent: %s", rep.Error)
		}
		return rep, nil
	case <-a.dead:
		return reply{}, a.goneError()
	case <-ctx.Done():
		_ = a.write(map[string]any{"op": "kill", "id": id}, nil)
		return reply{}, ctx.Err()
	}
}

func (a *agent) goneError() error {
	if a.deadErr != nil && transport.IsUnreachable(a.deadErr) {
		return a.deadErr
	}
	detail := ""
	if a.deadErr != nil {
		detail = " (" + a.deadErr.Error() + ")"
	}
	if s := strings.TrimSpace(a.stderr.String()); s != "" {
		detail += ": " + s
	}
	return fmt.Errorf("%w%s", errAgentGone, detail)
}

// write sends one frame.
func (a *agent) write(head map[string]any, body []byte) error {
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if _, err := a.in.Write(append(append(b, '\n'), body...)); err != nil {
		<-a.dead
		return a.goneError()
	}
	return nil
}

// alive reports whether the agent process still runs.
func (a *agent) alive() bool {
	select {
	case <-a.dead:
		return false
	default:
		return true
	}
}

// stop ends the agent's input so that it finishes its requests, removes
// its directory and exits; after grace it is killed.
func (a *agent) stop(grace time.Duration) {
	a.wmu.Lock()
	a.in.Close()
	a.wmu.Unlock()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-a.dead:
	case <-t.C:
		a.cancel()
		<-a.dead
	}
}

// ensure sends payload p to the agent once; it returns the directory (below
// the run directory) to run it from, "" for the shared lib. A payload
// whose files differ from ones the shared lib already has goes to a
// directory of its own. Bytecode comes from store (see bytecodeStore).
func (a *agent) ensure(ctx context.Context, p *payload, store *bytecodeStore) (string, error) {
	a.mu.Lock()
	s, ok := a.sent[p.id]
	if !ok {
		s = &sending{done: make(chan struct{})}
		if a.conflicts(p) {
			s.root = "p/" + p.id
		} else {
			for path, sum := range p.files {
				a.files[path] = sum
			}
		}
		a.sent[p.id] = s
	}
	a.mu.Unlock()
	if ok {
		select {
		case <-s.done:
			return s.root, s.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	s.err = a.send(ctx, p, s.root, store)
	close(s.done)
	if s.err != nil {
		a.mu.Lock()
		delete(a.sent, p.id)
		a.mu.Unlock()
	}
	return s.root, s.err
}

// send unpacks p on the host (into root, "" for the shared lib), with the
// bytecode other hosts compiled, or compiling it for them.
func (a *agent) send(ctx context.Context, p *payload, root string, store *bytecodeStore) error {
	data, lead := p.zip, false
	if root == "" {
		var err error
		if data, lead, err = store.zipFor(ctx, p, a.hello.Tag); err != nil {
			return err
		}
	}
	head := map[string]any{"op": "files", "root": root, "mtime": fileStamp.Unix(), "compile": lead}
	rep, err := a.call(ctx, head, data)
	if lead {
		store.learn(p, a.hello.Tag, rep.stdout)
	}
	return err
}

// conflicts reports whether p has a file the shared lib holds with other
// content (two modules of one name, a module_utils overridden).
func (a *agent) conflicts(p *payload) bool {
	for path, sum := range p.files {
		if have, ok := a.files[path]; ok && have != sum {
			return true
		}
	}
	return false
}

// limitedBuffer keeps the first limit bytes written to it.
type limitedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	limit int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.limit - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
