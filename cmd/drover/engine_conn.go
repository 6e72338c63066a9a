package main

import (
	"context"
	"os"

	"golang.org/x/term"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/playbooks"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
)

// connectEngine gives the engine its ways to reach hosts: connections
// opened as c says (each host's secrets masked by red), become wrappers
// shared across tasks, and prompts on the terminal when there is one. The
// returned function closes them all.
func (c *connFlags) connectEngine(ctx context.Context, opts *playbooks.Options, red *redact.Redactor) (func(), error) {
	opener, err := c.opener(ctx)
	if err != nil {
		return nil, err
	}
	opts.Connect = func(ctx context.Context, host string, vars map[string]any) (transport.Conn, error) {
		registerHostSecrets(red, vars)
		return opener.Open(ctx, host, vars)
	}
	becomes := become.NewCache()
	opts.WrapBecome = func(conn transport.Conn, b tasks.Become) (transport.Conn, error) {
		return becomes.Wrap(conn, become.Options{Method: b.Method, User: b.User, Password: b.Password,
			Exe: b.Exe, Flags: b.Flags, Redact: red.Add})
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		opts.Prompt = secretPrompt(red, terminalPrompt)
	}
	return func() { becomes.Close(); opener.Close() }, nil
}
