package tasks

import (
	"fmt"
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

// identityScript prints the umask, id's report (ids and names of the user
// and its groups, in the POSIX locale) and the home directory, one line
// each.
const identityScript = `umask; LC_ALL=C id 2>/dev/null; printf '%s\n' ~`

// identityPrologue prints the identity, then runs "$@" in place of the shell.
const identityPrologue = identityScript + ` ` + identityMarker + `; exec "$@"`

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
	if len(lines) >= 3 {
		lines[2] = strings.TrimSuffix(lines[2], " ")
		if id, names, err := parseIdentity(lines); err == nil {
			h := idsFor(conn)
			h.identOnce.Do(func() { h.ident = id; h.learnNames(names) })
		}
	}
	return stdout[end+len(identityMarker)+1:]
}

// idNames are the names id reported: of the user and of its groups.
type idNames struct {
	users, groups map[int]string
}

// parseIdentity reads identityScript's lines: umask, id's report, home.
func parseIdentity(lines []string) (Identity, idNames, error) {
	if len(lines) < 3 {
		return Identity{}, idNames{}, fmt.Errorf("%d lines", len(lines))
	}
	um, err := strconv.ParseUint(strings.TrimSpace(lines[0]), 8, 32)
	if err != nil {
		return Identity{}, idNames{}, err
	}
	id, names, err := parseID(lines[1])
	id.Umask, id.Home = uint32(um), lines[2]
	return id, names, err
}

// parseID reads id's report, "uid=1000(ann) gid=1000(ann)
// groups=1000(ann),27(sudo)" with euid= and egid= when they differ: the
// effective ids, and every name given.
func parseID(line string) (Identity, idNames, error) {
	var id Identity
	names := idNames{users: map[int]string{}, groups: map[int]string{}}
	vals := map[string][]idEntry{}
	for s := strings.TrimSpace(line); s != ""; s = strings.TrimLeft(s, " ") {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || strings.Contains(key, " ") {
			break
		}
		var list []idEntry
		list, s = parseIDList(rest)
		vals[key] = list
	}
	uid, gid := vals["uid"], vals["gid"]
	if e := vals["euid"]; len(e) > 0 {
		uid = e
	}
	if e := vals["egid"]; len(e) > 0 {
		gid = e
	}
	if len(uid) == 0 || len(gid) == 0 {
		return id, names, fmt.Errorf("unexpected id output %q", line)
	}
	id.UID, id.GID = uid[0].id, gid[0].id
	for _, k := range []string{"uid", "euid"} {
		for _, e := range vals[k] {
			names.add(names.users, e)
		}
	}
	for _, k := range []string{"gid", "egid", "groups"} {
		for _, e := range vals[k] {
			names.add(names.groups, e)
		}
	}
	return id, names, nil
}

// idEntry is one "1000(ann)" of id's report; name is "" when id gave none.
type idEntry struct {
	id   int
	name string
}

func (n idNames) add(m map[int]string, e idEntry) {
	if _, ok := m[e.id]; !ok && e.name != "" {
		m[e.id] = e.name
	}
}

// parseIDList reads "1000(ann),27(sudo)" up to the next space outside
// parentheses, and returns what follows.
func parseIDList(s string) ([]idEntry, string) {
	var out []idEntry
	for {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return out, ""
		}
		e := idEntry{id: n}
		s = s[i:]
		if strings.HasPrefix(s, "(") {
			end := strings.IndexByte(s, ')')
			if end < 0 {
				return out, ""
			}
			e.name, s = s[1:end], s[end+1:]
		}
		out = append(out, e)
		if !strings.HasPrefix(s, ",") {
			return out, s
		}
		s = s[1:]
	}
}
