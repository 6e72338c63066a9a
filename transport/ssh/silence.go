package ssh

import (
	"net"
	"sync/atomic"
	"time"
)

// silenceConn is the connection a handshake runs over. It measures the
// host's silence: every byte received and every message sent restarts the
// clock, and when the host stays silent for the connect timeout the
// connection is closed (the handshake then fails and timedOut
// reports it).
// Once the handshake is over (settle) it only passes bytes through.
type silenceConn struct {
	net.Conn
	timeout time.Duration
	kill    *time.Timer // closes the connection after timeout
	stall   *time.Timer // gives the admission place away earlier
	stallIn time.Duration
	state   atomic.Int32 // watching, expired or settled
}

const (
	stateWatching int32 = iota
	stateExpired
	stateSettled
)

// watchSilence wraps raw; onStall runs once the host has been silent for
// stallAfter (when shorter than timeout).
func watchSilence(raw net.Conn, timeout, stallAfter time.Duration, onStall func()) *silenceConn {
	c := &silenceConn{Conn: raw, timeout: timeout, stallIn: stallAfter}
	c.kill = time.AfterFunc(timeout, c.expire)
	if stallAfter < timeout {
		c.stall = time.AfterFunc(stallAfter, onStall)
	}
	return c
}

func (c *silenceConn) expire() {
	if c.state.CompareAndSwap(stateWatching, stateExpired) {
		c.Conn.Close()
	}
}

// timedOut reports whether the host stayed silent for the timeout.
func (c *silenceConn) timedOut() bool { return c.state.Load() == stateExpired }

// heard restarts the clock.
func (c *silenceConn) heard() {
	if c.state.Load() != stateWatching {
		return
	}
	c.kill.Reset(c.timeout)
	if c.stall != nil {
		c.stall.Reset(c.stallIn)
	}
}

func (c *silenceConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.heard()
	}
	return n, err
}

func (c *silenceConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.heard()
	}
	return n, err
}

// settle stops the clock: the handshake is over. It reports whether the
// connection is still open, that is, the clock had not run out.
func (c *silenceConn) settle() bool {
	ok := c.state.CompareAndSwap(stateWatching, stateSettled)
	c.kill.Stop()
	if c.stall != nil {
		c.stall.Stop()
	}
	return ok
}
