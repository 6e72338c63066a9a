package telnet

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/drover/drover/transport/expect"
)

// atEnd anchors a prompt pattern at the end of the output so far: a prompt
// is what a program prints before it waits.
func atEnd(pattern string) string { return `(?:` + pattern + `)[ \t]*$` }

func alt(pattern string) expect.Alternative {
	return expect.Alternative{Kind: expect.Regexp, Pattern: pattern}
}

// waiter runs one-step waits on the session until a common deadline.
type waiter struct {
	c        *Conn
	what     string // "login" or "enable", for messages
	limit    time.Duration
	deadline time.Time
}

func newWaiter(c *Conn, what string) *waiter {
	return &waiter{c: c, what: what, limit: c.cfg.LoginTimeout, deadline: time.Now().Add(c.cfg.LoginTimeout)}
}

// wait waits for one of alts and returns the index of the one that matched
// and the output it consumed (masked).
func (w *waiter) wait(ctx context.Context, name string, alts ...expect.Alternative) (int, string, error) {
	left := time.Until(w.deadline)
	if left <= 0 {
		left = time.Nanosecond
	}
	p := &expect.Program{Timeout: left, Steps: []expect.Step{{Name: name, Alternatives: alts, Settle: w.c.cfg.PromptSettle}}}
	res, err := w.c.sess.Run(ctx, p)
	var te *expect.TimeoutError
	var ee *expect.EOFError
	switch {
	case errors.As(err, &te):
		return -1, "", w.c.unreachable("%s timed out after %s waiting for the %s; last output: %s",
			w.what, w.limit, name, strconv.Quote(te.LastSeen))
	case errors.As(err, &ee):
		return -1, "", w.c.unreachable("connection closed during %s, waiting for the %s; last output: %s",
			w.what, name, strconv.Quote(ee.LastSeen))
	case err != nil:
		return -1, "", err
	}
	m := res.Matches[0]
	return m.Index, m.Before + m.Text, nil
}

// login answers the login and password prompts and waits for the shell
// prompt, then runs the enable step if there is one.
func (c *Conn) login(ctx context.Context) error {
	w := newWaiter(c, "login")
	loginP, passP, prompt := alt(atEnd(c.cfg.LoginPrompt)), alt(atEnd(c.cfg.PasswordPrompt)), alt(c.cfg.Prompt)
	i, _, err := w.wait(ctx, "login prompt", loginP, passP, prompt)
	if err != nil {
		return err
	}
	if i == 0 {
		if c.cfg.User == "" {
			return c.unreachable("the host asks for a user name and ansible_user is not set")
		}
		if err := c.sess.SendLine(c.cfg.User, false); err != nil {
			return c.unreachable("telnet: %w", err)
		}
		failed := alt(c.cfg.LoginFailed)
		if i, _, err = w.wait(ctx, "password prompt", passP, prompt, failed, loginP); err != nil {
			return err
		}
		if i >= 2 {
			return c.unreachable("authentication failed: the host refused the user name")
		}
		i++ // 1: password prompt, 2: logged in
	}
	if i == 1 {
		if err := c.password(ctx, w, c.cfg.Password, "password"); err != nil {
			return err
		}
	}
	if c.cfg.EnablePassword != "" {
		return c.enable(ctx)
	}
	return nil
}

// password answers a password prompt and waits for the shell prompt, taking
// a failure message, a new login prompt or a new password prompt for a
// refused login.
func (c *Conn) password(ctx context.Context, w *waiter, pw, what string) error {
	if err := c.sess.SendLine(pw, true); err != nil {
		return c.unreachable("telnet: %w", err)
	}
	failed := alt(c.cfg.LoginFailed)
	i, _, err := w.wait(ctx, "shell prompt", failed, alt(atEnd(c.cfg.LoginPrompt)), alt(atEnd(c.cfg.PasswordPrompt)), alt(c.cfg.Prompt))
	switch {
	case err != nil:
		return err
	case i == 0:
		return c.unreachable("authentication failed: the host refused the %s", what)
	case i == 1 || i == 2:
		return c.unreachable("authentication failed: the host asked for the login again after the %s", what)
	}
	return nil
}

// enable runs the privilege step: the enable command, its password, and the
// prompt again with no failure message before it.
func (c *Conn) enable(ctx context.Context) error {
	w := newWaiter(c, "enable")
	if err := c.sess.SendLine(c.cfg.EnableCommand, false); err != nil {
		return c.unreachable("telnet: %w", err)
	}
	failed := alt(c.cfg.EnableFailed)
	i, _, err := w.wait(ctx, "enable password prompt", alt(atEnd(c.cfg.PasswordPrompt)), failed, alt(c.cfg.Prompt))
	if err != nil {
		return err
	}
	if i == 1 {
		return c.unreachable("%s failed: the host refused it", strconv.Quote(c.cfg.EnableCommand))
	}
	if i == 2 {
		return nil
	}
	if err := c.sess.SendLine(c.cfg.EnablePassword, true); err != nil {
		return c.unreachable("telnet: %w", err)
	}
	i, _, err = w.wait(ctx, "prompt after enable", failed, alt(atEnd(c.cfg.PasswordPrompt)), alt(c.cfg.Prompt))
	if err != nil {
		return err
	}
	if i != 2 {
		return c.unreachable("%s failed: the host refused the enable password", strconv.Quote(c.cfg.EnableCommand))
	}
	return nil
}
