package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

// stage is a step of making a connection, as failure messages name it.
// Messages say the cause without the host's address or port, so that
// folded output shows the hosts that failed for one cause on one line
// (the address is in the -vvv connection line).
type stage struct {
	label    string // the step, before the error it failed with
	timedOut string // what timed out, after "timed out "
}

// The stages of a connection.
var (
	stageTCP   = stage{"TCP connect", "connecting (no answer to TCP connect)"}
	stageProxy = stage{"starting the ProxyCommand", "starting the ProxyCommand"}
	stageKex   = stage{"key exchange", "during key exchange"}
	stageAuth  = stage{"authentication", "during authentication"}
)

// isTimeout reports whether err is a deadline passing: the connect
// timeout's, which can end a TCP connect before its context says so.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// withoutAddress is err without the addresses and names package net puts
// in its messages ("dial tcp 10.0.0.1:22: connect: connection refused"
// becomes "connection refused").
func withoutAddress(err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Errorf("cannot resolve the host name: %s", dns.Err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Err == nil {
		return err
	}
	var sys *os.SyscallError
	if errors.As(op.Err, &sys) {
		return sys.Err
	}
	return op.Err
}
