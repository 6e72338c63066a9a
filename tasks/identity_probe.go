package tasks

import (
	"strconv"
	"strings"
	"sync"

	"github.com/drover/drover/transport"
)

// The file modules need the umask, uid, gid and home directory of a
// connection (HostIdentity), which costs one command on the host. The first
// command or shell task run over a connection learns them in the same exec
// instead: the command is started through a small sh prologue that prints
// them before exec'ing it, and the prologue's lines are removed from the
// output. Later commands on that connection run unwrapped.

// identityMarker ends the prologue's output.
const identityMarker = "--drover-identity-end--"

// identityPrologue prints the identity, then runs "$@" in place of the shell.
const identityPrologue = `umask; id -u; id -g; printf '%s\n' ~ ` + identityMarker + `; exec "$@"`

var identityTried sync.Map // transport.Conn -> true once a command tried

// withIdentityProbe wraps the first argv command of a connection with the
// identity prologue; ok is false when it was not wrapped.
func withIdentityProbe(conn transport.Conn, tc transport.Command) (transport.Command, bool) {
	if conn == nil || len(tc.Argv) == 0 || tc.PTY != nil {
		return tc, false
	}
	if _, tried := identityTried.LoadOrStore(conn, true); tried {
		return tc, false
	}
	tc.Argv = append([]string{"/bin/sh", "-c", identityPrologue, "sh"}, tc.Argv...)
	return tc, true
}

// takeIdentity removes the prologue's lines from stdout and caches the
// identity they carry; stdout is returned unchanged when they are absent
// (the command never started, e.g. chdir failed).
func takeIdentity(conn transport.Conn, stdout []byte) []byte {
	s := string(stdout)
	end := strings.Index(s, identityMarker+"\n")
	if end < 0 {
		return stdout
	}
	lines := strings.Split(s[:end], "\n")
	if len(lines) < 4 {
		return stdout
	}
	um, err1 := strconv.ParseUint(strings.TrimSpace(lines[0]), 8, 32)
	uid, err2 := strconv.Atoi(strings.TrimSpace(lines[1]))
	gid, err3 := strconv.Atoi(strings.TrimSpace(lines[2]))
	home := strings.TrimSuffix(lines[3], " ")
	if err1 == nil && err2 == nil && err3 == nil {
		h := idsFor(conn)
		h.identOnce.Do(func() { h.ident = Identity{Umask: uint32(um), UID: uid, GID: gid, Home: home} })
	}
	return stdout[end+len(identityMarker)+1:]
}
