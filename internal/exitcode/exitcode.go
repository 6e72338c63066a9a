// Package exitcode gives errors the process exit status they end drover with.
package exitcode

import (
	"errors"
	"fmt"
)

// Exit statuses documented in README.md.
const (
	OK          = 0
	Warning     = 1 // drover certs and probe tls: some certificate in its warning window
	NoHosts     = 1 // the inventory, pattern and --limit leave no host (Ansible's status)
	RunError    = 1 // a playbook run stopped by an error Ansible raises while running (a notify naming no handler)
	Failed      = 2 // a command or task failed on some host
	Unreachable = 3 // some host could not be reached (and none failed)
	BadInput    = 4 // inventory, playbook, template or pattern is wrong
	Usage       = 5 // bad flags or arguments
	Interrupted = 130
	// AnsibleInterrupted is Interrupted as ansible-playbook says it, for
	// drover called by that name.
	AnsibleInterrupted = 99
)

// Error is an error that ends the process with Code.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// New wraps err so that it ends the process with code. A nil err with a
// non-zero code still yields an error (a silent exit status).
func New(code int, err error) error {
	if err == nil && code == OK {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Errorf formats an error that ends the process with code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Code is the exit status err asks for: OK for nil, the code of the first
// *Error in its chain, else Failed.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failed
}

// Silent reports whether err carries only a status and no message to print.
func Silent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Err == nil
}
