package ssh

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/transport"
)

// A cancelled command is ended by the signal request of its session, which
// sshd carries out only with privilege separation: it refuses it for root
// logins (and for every login to an sshd not started as root), so there
// the command would run on. For root logins each command therefore first
// prints the id of its process group (sshd makes every session's command
// the leader of a session and process group of its own) on stderr, where
// Run takes it off again, and a cancelled command's process group is
// killed through a second session on the same connection.

// leaderLine starts a command whose process group may need killing: it
// prints the shell's process id, its group's, as the first line of stderr.
const leaderLine = "echo $$ >&2\n"

// reapWait bounds the wait for a cancelled command's leader line and for
// the command that kills its group.
const reapWait = 5 * time.Second

// leaderFor returns the reader of the leader line cmd is to print, or nil
// when the session's own signal ends the command (and with a terminal,
// where stderr is merged into stdout and closing the terminal hangs the
// command up).
func (c *Conn) leaderFor(cmd transport.Command) *leader {
	if c.cfg.User != "root" || cmd.PTY != nil {
		return nil
	}
	return &leader{got: make(chan struct{})}
}

// leader takes the leader line off the start of a command's stderr.
type leader struct {
	line []byte
	once sync.Once
	got  chan struct{} // closed when the line was read
}

// read reports whether the whole leader line was read.
func (l *leader) read() bool {
	select {
	case <-l.got:
		return true
	default:
		return false
	}
}

// take consumes the leader line from the start of p and returns the rest.
func (l *leader) take(p []byte) []byte {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		l.line = append(l.line, p...)
		if len(l.line) > 20 { // not a process id: pass nothing on, wait no more
			l.once.Do(func() { close(l.got) })
		}
		return nil
	}
	l.line = append(l.line, p[:i]...)
	l.once.Do(func() { close(l.got) })
	return p[i+1:]
}

// pid is the process id the leader line gave, "" when none.
func (l *leader) pid() string {
	s := string(l.line)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return ""
	}
	return s
}

// reap kills the process group of a cancelled command that printed a
// leader line, unless the command ended (done) first.
func (c *Conn) reap(lead *leader, done <-chan error) {
	if lead == nil {
		return
	}
	select {
	case <-lead.got:
	case <-done:
		return
	case <-time.After(reapWait):
		return
	}
	pid := lead.pid()
	if pid == "" {
		return
	}
	sess, err := c.client.NewSession()
	if err != nil {
		return
	}
	defer sess.Close()
	ended := make(chan error, 1)
	go func() { ended <- sess.Run("kill -KILL -" + pid + " 2>/dev/null") }()
	select {
	case <-ended:
	case <-time.After(reapWait):
	}
}
