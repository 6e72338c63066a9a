package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/drover/drover/transport"
)

// Host facts the file modules need, read once per connection and cached:
// the user and group tables (/etc/passwd and /etc/group read over the
// connection's file operations, with getent as a fallback for names the
// files lack) and the identity the connection acts as (umask, uid, gid,
// home directory: one command, run only when a module needs one of them).
//
// Modules that change users or groups (user, group) call ForgetHostIDs so
// that the next lookup reads the tables again.

// hostIDs is the cache of one connection.
type hostIDs struct {
	tablesOnce sync.Once
	tablesErr  error
	mu         sync.Mutex
	userByName map[string]int
	userByID   map[int]string
	homeByName map[string]string
	groupByNm  map[string]int
	groupByID  map[int]string

	identOnce sync.Once
	identErr  error
	ident     Identity
	// idUsers and idGroups are the names id reported with the identity
	// (guarded by mu): enough to name the files the user owns without
	// reading the tables.
	idUsers, idGroups map[int]string
}

// learnNames keeps the names id reported.
func (h *hostIDs) learnNames(n idNames) {
	h.mu.Lock()
	h.idUsers, h.idGroups = n.users, n.groups
	h.mu.Unlock()
}

// Identity is who a connection acts as on its host.
type Identity struct {
	Umask uint32 // the umask new files are created under
	UID   int    // effective user id
	GID   int    // effective group id
	Home  string // home directory ("~")
}

var hostIDCache sync.Map // transport.Conn -> *hostIDs

func idsFor(conn transport.Conn) *hostIDs {
	if v, ok := hostIDCache.Load(conn); ok {
		return v.(*hostIDs)
	}
	v, _ := hostIDCache.LoadOrStore(conn, &hostIDs{})
	return v.(*hostIDs)
}

// forgetHostIDs drops what is cached about conn's users, groups and
// identity (after a module changed them).
func forgetHostIDs(conn transport.Conn) { hostIDCache.Delete(conn) }

// hostIdentity returns the umask, uid, gid and home directory conn acts
// with, running one command on the host the first time.
func hostIdentity(ctx context.Context, conn transport.Conn) (Identity, error) {
	h := idsFor(conn)
	h.identOnce.Do(func() { h.ident, h.identErr = h.readIdentity(ctx, conn) })
	return h.ident, h.identErr
}

func (h *hostIDs) readIdentity(ctx context.Context, conn transport.Conn) (Identity, error) {
	res, err := conn.Run(ctx, transport.Command{Argv: []string{"sh", "-c", identityScript}})
	if err != nil {
		return Identity{}, err
	}
	lines := strings.Split(strings.TrimRight(string(res.Stdout), "\n"), "\n")
	if res.ExitCode != 0 || len(lines) < 3 {
		return Identity{}, fmt.Errorf("reading the umask and ids on the host: %s", strings.TrimSpace(string(res.Stderr)))
	}
	id, names, err := parseIdentity(lines)
	if err != nil {
		return Identity{}, fmt.Errorf("reading the umask and ids on the host: %v", err)
	}
	h.learnNames(names)
	return id, nil
}

// loadTables reads /etc/passwd and /etc/group (both at once) the first
// time.
func (h *hostIDs) loadTables(ctx context.Context, conn transport.Conn) error {
	h.tablesOnce.Do(func() {
		var pw, gr bytes.Buffer
		var perr, gerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); perr = conn.Get(ctx, "/etc/passwd", &pw) }()
		go func() { defer wg.Done(); gerr = conn.Get(ctx, "/etc/group", &gr) }()
		wg.Wait()
		for _, err := range []error{perr, gerr} {
			if err != nil && (transport.IsUnreachable(err) || ctx.Err() != nil) {
				h.tablesErr = err
				return
			}
		}
		h.userByName, h.userByID, h.homeByName = map[string]int{}, map[int]string{}, map[string]string{}
		h.groupByNm, h.groupByID = map[string]int{}, map[int]string{}
		parseIDTable(pw.String(), func(name string, id int, f []string) {
			h.addUser(name, id, f)
		})
		parseIDTable(gr.String(), func(name string, id int, _ []string) { h.addGroup(name, id) })
	})
	return h.tablesErr
}

func (h *hostIDs) addUser(name string, id int, f []string) {
	if _, ok := h.userByName[name]; !ok {
		h.userByName[name] = id
	}
	if _, ok := h.userByID[id]; !ok {
		h.userByID[id] = name
	}
	if len(f) > 5 {
		h.homeByName[name] = f[5]
	}
}

func (h *hostIDs) addGroup(name string, id int) {
	if _, ok := h.groupByNm[name]; !ok {
		h.groupByNm[name] = id
	}
	if _, ok := h.groupByID[id]; !ok {
		h.groupByID[id] = name
	}
}

// parseIDTable calls add for each "name:x:id:..." line.
func parseIDTable(text string, add func(name string, id int, fields []string)) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "+") || strings.HasPrefix(f[0], "-") {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil {
			add(f[0], id, f)
		}
	}
}

// getent asks the host's name service for one entry ("passwd" or
// "group") the files did not have; ok is false when there is none.
func getent(ctx context.Context, conn transport.Conn, db, key string) ([]string, bool, error) {
	res, err := conn.Run(ctx, transport.Command{Argv: []string{"getent", db, key}})
	if err != nil || res.ExitCode != 0 {
		return nil, false, err
	}
	f := strings.Split(strings.TrimSpace(string(res.Stdout)), ":")
	return f, len(f) >= 3, nil
}

// lookupUID resolves a user name (or a numeric id) on the host; ok is false
// when the name is unknown.
func lookupUID(ctx context.Context, conn transport.Conn, name string) (int, bool, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, true, nil
	}
	return lookupID(ctx, conn, "passwd", name)
}

// lookupGID resolves a group name (or a numeric id) on the host.
func lookupGID(ctx context.Context, conn transport.Conn, name string) (int, bool, error) {
	if id, err := strconv.Atoi(name); err == nil {
		return id, true, nil
	}
	return lookupID(ctx, conn, "group", name)
}

func lookupID(ctx context.Context, conn transport.Conn, db, name string) (int, bool, error) {
	h := idsFor(conn)
	if err := h.loadTables(ctx, conn); err != nil {
		return 0, false, err
	}
	h.mu.Lock()
	table := h.userByName
	if db == "group" {
		table = h.groupByNm
	}
	id, ok := table[name]
	h.mu.Unlock()
	if ok {
		return id, true, nil
	}
	f, found, err := getent(ctx, conn, db, name)
	if err != nil || !found {
		return 0, false, err
	}
	id, err = strconv.Atoi(f[2])
	if err != nil {
		return 0, false, nil
	}
	h.mu.Lock()
	if db == "group" {
		h.addGroup(name, id)
	} else {
		h.addUser(name, id, f)
	}
	h.mu.Unlock()
	return id, true, nil
}

// userName returns the name of uid on the host, or the number as a
// string when it has none (as Ansible reports owner).
func userName(ctx context.Context, conn transport.Conn, uid int) (string, error) {
	n, ok, err := idName(ctx, conn, "passwd", uid)
	if !ok {
		n = strconv.Itoa(uid)
	}
	return n, err
}

// groupName returns the name of gid on the host, or the number.
func groupName(ctx context.Context, conn transport.Conn, gid int) (string, error) {
	n, ok, err := idName(ctx, conn, "group", gid)
	if !ok {
		n = strconv.Itoa(gid)
	}
	return n, err
}

func idName(ctx context.Context, conn transport.Conn, db string, id int) (string, bool, error) {
	h := idsFor(conn)
	h.mu.Lock()
	known := h.idUsers
	if db == "group" {
		known = h.idGroups
	}
	n, ok := known[id]
	h.mu.Unlock()
	if ok {
		return n, true, nil
	}
	if err := h.loadTables(ctx, conn); err != nil {
		return "", false, err
	}
	h.mu.Lock()
	table := h.userByID
	if db == "group" {
		table = h.groupByID
	}
	n, ok = table[id]
	h.mu.Unlock()
	return n, ok, nil
}

// userHome returns the home directory of a user from the host's passwd.
func userHome(ctx context.Context, conn transport.Conn, user string) (string, bool, error) {
	if _, _, err := lookupID(ctx, conn, "passwd", user); err != nil {
		return "", false, err
	}
	h := idsFor(conn)
	h.mu.Lock()
	defer h.mu.Unlock()
	home, ok := h.homeByName[user]
	return home, ok, nil
}

// ExpandUser expands a leading ~ or ~user in p to the home directory on
// the host, as the modules' path arguments are expanded there.
func ExpandUser(ctx context.Context, conn transport.Conn, p string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	var home string
	if name == "" {
		id, err := hostIdentity(ctx, conn)
		if err != nil {
			return p, err
		}
		home = id.Home
	} else {
		h, ok, err := userHome(ctx, conn, name)
		if err != nil || !ok {
			return p, err
		}
		home = h
	}
	if rest == "" && !strings.HasSuffix(p, "/") {
		return home, nil
	}
	return strings.TrimSuffix(home, "/") + "/" + rest, nil
}

// isNotExist reports a missing file, also for a path whose parent is not a
// directory.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || strings.Contains(fmt.Sprint(err), "not a directory")
}
