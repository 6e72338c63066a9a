package expect

import (
	"context"
	"errors"
	"io"

	"github.com/drover/drover/transport"
)

// ConnProcess is a command running over a transport.Conn on the host's
// pseudo-terminal (an SSH PTY session, a telnet line), driven through pipes.
type ConnProcess struct {
	stdinR  *io.PipeReader
	stdinW  *io.PipeWriter
	stdoutR *io.PipeReader
	cancel  context.CancelFunc
	done    chan struct{}
	res     transport.Result
	err     error
}

// StartConn starts cmd over conn. A nil cmd.PTY asks for the default 24x80
// xterm terminal; cmd.Stdin and cmd.Stdout are replaced by the process's
// pipes.
func StartConn(ctx context.Context, conn transport.Conn, cmd transport.Command) *ConnProcess {
	ctx, cancel := context.WithCancel(ctx)
	p := &ConnProcess{cancel: cancel, done: make(chan struct{})}
	var stdoutW *io.PipeWriter
	p.stdinR, p.stdinW = io.Pipe()
	p.stdoutR, stdoutW = io.Pipe()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.stdinR, stdoutW, stdoutW
	if cmd.PTY == nil {
		cmd.PTY = &transport.PTY{}
	}
	go func() {
		p.res, p.err = conn.Run(ctx, cmd)
		stdoutW.CloseWithError(io.EOF)
		p.stdinR.CloseWithError(io.EOF)
		close(p.done)
	}()
	return p
}

// Read reads the command's terminal output.
func (p *ConnProcess) Read(b []byte) (int, error) { return p.stdoutR.Read(b) }

// Write types b on the command's terminal.
func (p *ConnProcess) Write(b []byte) (int, error) {
	n, err := p.stdinW.Write(b)
	if errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.EOF) {
		err = io.ErrClosedPipe
	}
	return n, err
}

// Wait closes the command's input and waits for it to end.
func (p *ConnProcess) Wait(ctx context.Context) (int, error) {
	p.stdinW.Close()
	select {
	case <-p.done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	return p.res.ExitCode, p.err
}

// Kill cancels the command and waits for the transport to give up on it.
func (p *ConnProcess) Kill() error {
	p.cancel()
	p.stdinW.Close()
	p.stdoutR.Close()
	<-p.done
	return nil
}
