package pyplugin

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

//go:embed runner.py
var runnerScript string

// Error is an exception a plugin raised: its message and Python class
// (module.Name).
type Error struct {
	Msg   string
	Class string
}

func (e *Error) Error() string { return e.Msg }

// process is the running python3.
type process struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// pythons are the interpreters tried, the one Ansible is installed for first.
var pythons = []string{"/usr/bin/python3", "python3"}

func (p *Plugins) start() (*process, error) {
	var path string
	for _, py := range pythons {
		if lp, err := exec.LookPath(py); err == nil {
			path = lp
			break
		}
	}
	if path == "" {
		return nil, errors.New("Python plugins need python3 with ansible-core on the controller; no python3 found")
	}
	cmd := exec.Command(path, "-c", runnerScript)
	cmd.Env = os.Environ()
	if len(p.cfg.SysPaths) > 0 {
		cmd.Env = append(cmd.Env, "PYTHONPATH="+strings.Join(append(p.cfg.SysPaths, os.Getenv("PYTHONPATH")), ":"))
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Python plugin runner: %w", err)
	}
	return &process{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}, nil
}

func (pr *process) close() error {
	pr.in.Close()
	return pr.cmd.Wait()
}

// reply is the runner's answer to one request.
type reply struct {
	Value    json.RawMessage `json:"value"`
	Error    *string         `json:"error"`
	Class    string          `json:"class"`
	Warnings []string        `json:"warnings"`
}

// call sends one request (after the configuration, when it changed) and
// returns its value. p.mu is held.
func (p *Plugins) call(ctx context.Context, req map[string]any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.proc == nil {
		pr, err := p.start()
		if err != nil {
			return nil, err
		}
		p.proc = pr
		p.sent = -1
	}
	if err := p.configure(); err != nil {
		return nil, err
	}
	return p.exchange(req)
}

// configure sends the directories and collection roots when they changed.
func (p *Plugins) configure() error {
	var roots []string
	if p.cfg.Roots != nil {
		roots = p.cfg.Roots()
	}
	if p.sent == p.gen && slices.Equal(roots, p.roots) {
		return nil
	}
	if _, err := p.exchange(map[string]any{"op": "configure", "dirs": p.dirs, "roots": roots}); err != nil {
		return err
	}
	p.sent, p.roots = p.gen, roots
	return nil
}

// exchange writes a request and reads its reply; a broken runner is
// stopped so that the next call starts another.
func (p *Plugins) exchange(req map[string]any) (any, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("a value cannot be passed to a Python plugin: %w", err)
	}
	line, err := p.roundTrip(append(b, '\n'))
	if err != nil {
		p.proc.cmd.Process.Kill()
		p.proc.close()
		p.proc = nil
		return nil, fmt.Errorf("the Python plugin runner stopped: %w", err)
	}
	var r reply
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("the Python plugin runner answered %q: %w", line, err)
	}
	for _, w := range r.Warnings {
		p.showWarning(w)
	}
	if r.Error != nil {
		return nil, &Error{Msg: *r.Error, Class: r.Class}
	}
	return fromJSON(r.Value)
}

func (p *Plugins) roundTrip(b []byte) ([]byte, error) {
	if _, err := p.proc.in.Write(b); err != nil {
		return nil, err
	}
	return p.proc.out.ReadBytes('\n')
}

func (p *Plugins) showWarning(msg string) {
	if p.warn != nil {
		p.warn(msg)
		return
	}
	fmt.Fprintf(os.Stderr, "[WARNING]: %s\n", msg)
}

// fromJSON decodes a value, numbers as int when whole and float64 else.
func fromJSON(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	}
	return v
}
