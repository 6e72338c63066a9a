package tasks

import (
	"context"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "user",
		Args: []Arg{
			{Name: "name", Aliases: []string{"user"}, Type: Str, Required: true},
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "uid", Type: Int},
			{Name: "non_unique", Type: Bool, Default: false},
			{Name: "group", Type: Str},
			{Name: "groups", Type: List, Elements: Str},
			{Name: "append", Type: Bool, Default: false},
			{Name: "comment", Type: Str},
			{Name: "home", Type: Path},
			{Name: "shell", Type: Str},
			{Name: "password", Type: Str, NoLog: true},
			{Name: "update_password", Type: Str, Default: "always", Choices: []string{"always", "on_create"}},
			{Name: "password_lock", Type: Bool},
			{Name: "password_expire_max", Type: Int},
			{Name: "password_expire_min", Type: Int},
			{Name: "expires", Type: Float},
			{Name: "create_home", Aliases: []string{"createhome"}, Type: Bool, Default: true},
			{Name: "move_home", Type: Bool, Default: false},
			{Name: "skeleton", Type: Str},
			{Name: "umask", Type: Str},
			{Name: "system", Type: Bool, Default: false},
			{Name: "force", Type: Bool, Default: false},
			{Name: "remove", Type: Bool, Default: false},
		},
		Run: runUser,
	})
}

// userState is what the host knows of a user before and after a change.
type userState struct {
	Exists     bool
	Passwd     []string // name, password, uid, gid, gecos, home, shell
	Shadow     []string // the shadow entry's fields, nil when unreadable
	Groups     []groupEntry
	HomeExists bool // the home (argument, else passwd's) exists
	HomeParent bool // the home argument's parent directory exists
	LoginUmask string
}

func (s userState) uid() int { n, _ := strconv.Atoi(s.Passwd[2]); return n }
func (s userState) gid() int { n, _ := strconv.Atoi(s.Passwd[3]); return n }

// password is the password hash: shadow's when passwd only has a marker.
func (s userState) password() string {
	pw := s.Passwd[1]
	if len(pw) <= 1 {
		pw = ""
		if len(s.Shadow) > 1 {
			pw = s.Shadow[1]
		}
	}
	return pw
}

// shadowInt reads a numeric shadow field; -1 when empty or absent.
func (s userState) shadowInt(i int) int {
	if i >= len(s.Shadow) {
		return -1
	}
	n, err := strconv.Atoi(s.Shadow[i])
	if err != nil {
		return -1
	}
	return n
}

// findGroup finds a group by gid (when g is a number) or by name.
func (s userState) findGroup(g string) (groupEntry, bool) {
	if n, err := strconv.Atoi(g); err == nil {
		for _, e := range s.Groups {
			if e.GID == n {
				return e, true
			}
		}
	}
	for _, e := range s.Groups {
		if e.Name == g {
			return e, true
		}
	}
	return groupEntry{}, false
}

// membership lists the groups naming the user as a member.
func (s userState) membership(name string) []string {
	var out []string
	for _, g := range s.Groups {
		if slices.Contains(g.Members, name) {
			out = append(out, g.Name)
		}
	}
	return out
}

// readUserState reads the user's passwd and shadow entries, the group
// table and the home directory's existence in one command.
func readUserState(ctx context.Context, c *Call) (userState, error) {
	name, home := c.Args.Str("name"), c.Args.Str("home")
	s := &HostScript{}
	s.Section("passwd", "getent passwd "+transport.Quote(name))
	s.Section("shadow", "getent shadow "+transport.Quote(name))
	s.Section("group", "getent group")
	s.Line("h=" + transport.Quote(home) + `; [ -n "$h" ] || h=$(getent passwd ` + transport.Quote(name) + ` | cut -d: -f6)`)
	s.Section("home", `[ -n "$h" ] && [ -e "$h" ]`)
	if home != "" {
		s.Section("parent", "[ -d "+transport.Quote(path.Dir(home))+" ]")
	}
	s.Section("umask", `sed -n 's/^UMASK[[:space:]]\{1,\}\([0-7]\{1,\}\)[[:space:]]*$/\1/p' /etc/login.defs`)
	secs, _, err := runHostScript(ctx, c, s, nil)
	if err != nil {
		return userState{}, err
	}
	st := userState{HomeExists: secs.RC("home") == 0, HomeParent: secs.RC("parent") == 0,
		LoginUmask: strings.TrimSpace(secs.Out("umask"))}
	if f := strings.Split(firstLine(secs.Out("passwd")), ":"); secs.RC("passwd") == 0 && len(f) >= 7 {
		st.Exists, st.Passwd = true, f
	}
	if secs.RC("shadow") == 0 {
		st.Shadow = strings.Split(firstLine(secs.Out("shadow")), ":")
	}
	for _, line := range strings.Split(secs.Out("group"), "\n") {
		if g, ok := parseGroupLine(line); ok {
			st.Groups = append(st.Groups, g)
		}
	}
	return st, nil
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// userPwChars are characters a crypt hash never contains.
var userPwChars = regexp.MustCompile(`[^a-zA-Z0-9./=]`)

// userPasswordWarning is Ansible's warning for a password that looks like
// clear text rather than a crypt hash.
func userPasswordWarning(pw string) string {
	if pw == "" || pw == "*" || pw == "!" || pw == "*************" {
		return ""
	}
	bad := strings.ContainsAny(pw, ":*!") || !strings.Contains(pw, "$")
	if f := strings.Split(pw, "$"); !bad && len(f) >= 3 {
		last := f[len(f)-1]
		bad = userPwChars.MatchString(last) || (f[1] == "1" && len(last) != 22) ||
			(f[1] == "5" && len(last) != 43) || (f[1] == "6" && len(last) != 86)
	} else if !bad {
		bad = true
	}
	if bad {
		return "The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly."
	}
	return ""
}

// runUser creates, changes or removes a user with useradd, usermod and
// userdel, as Ansible's user module does on Linux.
func runUser(ctx context.Context, c *Call) (*Result, error) {
	r := &Result{Values: map[string]any{"name": c.Args.Str("name"), "state": c.Args.Str("state")}}
	if w := userPasswordWarning(c.Args.Str("password")); w != "" {
		r.Warnings = append(r.Warnings, w)
	}
	if c.Args.Bool("append") && !c.Args.Has("groups") {
		r.Warnings = append(r.Warnings, "'append' is set, but no 'groups' are specified. Use 'groups' for appending new groups."+
			"This will change to an error in Ansible 2.14.")
	}
	st, err := readUserState(ctx, c)
	if err != nil {
		return sysErr(err)
	}
	if c.Args.Str("state") == "absent" {
		return userRemove(ctx, c, r, st)
	}
	return userPresent(ctx, c, r, st)
}

// userRemove deletes the user when it exists.
func userRemove(ctx context.Context, c *Call, r *Result, st userState) (*Result, error) {
	if !st.Exists {
		return r, nil
	}
	if c.Check {
		return &Result{Changed: true, Warnings: r.Warnings}, nil
	}
	argv := []string{"userdel"}
	if c.Args.Bool("force") {
		argv = append(argv, "-f")
	}
	if c.Args.Bool("remove") {
		argv = append(argv, "-r")
	}
	rc, out, errOut, err := runArgv(ctx, c, append(argv, c.Args.Str("name")), nil)
	if err != nil {
		return sysErr(err)
	}
	forgetHostIDs(c.Conn)
	if rc != 0 {
		return userFailed(c, errOut, rc), nil
	}
	r.Changed = true
	r.Set("force", c.Args.Bool("force")).Set("remove", c.Args.Bool("remove"))
	userOutput(r, out, errOut)
	return r, nil
}

func userFailed(c *Call, msg string, rc int) *Result {
	return (&Result{Failed: true, Msg: msg}).Set("name", c.Args.Str("name")).Set("rc", rc)
}

func userOutput(r *Result, out, errOut string) {
	if out != "" {
		r.Set("stdout", out).Set("stdout_lines", Lines(out))
	}
	if errOut != "" {
		r.Set("stderr", errOut).Set("stderr_lines", Lines(errOut))
	}
}

// userPresent creates the user or brings it to the arguments, then makes
// sure of its home directory and password ageing.
func userPresent(ctx context.Context, c *Call, r *Result, st userState) (*Result, error) {
	var argv []string
	if !st.Exists {
		if c.Check {
			return &Result{Changed: true, Warnings: r.Warnings}, nil
		}
		var fail string
		if argv, fail = userAddArgv(c, st); fail != "" {
			return Failf("%s", fail), nil
		}
		if err := userHomeParent(ctx, c, st); err != nil {
			return sysErr(err)
		}
		r.Set("system", c.Args.Bool("system")).Set("create_home", c.Args.Bool("create_home"))
	} else {
		var fail string
		if argv, fail = userModArgv(c, st); fail != "" {
			return Failf("%s", fail), nil
		}
		r.Set("append", c.Args.Bool("append")).Set("move_home", c.Args.Bool("move_home"))
	}
	if argv != nil && !c.Check {
		rc, out, errOut, err := runArgv(ctx, c, argv, nil)
		if err != nil {
			return sysErr(err)
		}
		forgetHostIDs(c.Conn)
		if rc != 0 {
			return userFailed(c, errOut, rc), nil
		}
		userOutput(r, out, errOut)
		if st, err = readUserState(ctx, c); err != nil {
			return sysErr(err)
		}
	}
	r.Changed = argv != nil
	if c.Args.Has("password") {
		r.Set("password", "NOT_LOGGING_PASSWORD")
	}
	if !st.Exists {
		return r, nil
	}
	return userAfter(ctx, c, r, st)
}

// userHomeParent creates the missing parents of a new user's home, which
// useradd cannot.
func userHomeParent(ctx context.Context, c *Call, st userState) error {
	home := c.Args.Str("home")
	if home == "" || !c.Args.Bool("create_home") || st.HomeParent {
		return nil
	}
	rc, _, errOut, err := runArgv(ctx, c, []string{"mkdir", "-p", path.Dir(home)}, nil)
	if err == nil && rc != 0 {
		err = fmt.Errorf("%s", strings.TrimSpace(errOut))
	}
	return err
}

// userAfter reports the user as it is and creates a missing home and sets
// password ageing, as Ansible does after creating or changing a user.
func userAfter(ctx context.Context, c *Call, r *Result, st userState) (*Result, error) {
	r.Set("uid", st.uid()).Set("group", st.gid()).Set("comment", st.Passwd[4])
	r.Set("home", st.Passwd[5]).Set("shell", st.Passwd[6])
	if c.Args.Has("groups") {
		r.Set("groups", strings.Join(c.Args.Strings("groups"), ","))
	}
	if !st.HomeExists && c.Args.Bool("create_home") {
		if !c.Check {
			home := c.Args.Str("home")
			if home == "" {
				home = st.Passwd[5]
			}
			if res, err := userCreateHome(ctx, c, st, home); res != nil || err != nil {
				return res, err
			}
		}
		r.Changed = true
	}
	argv := userChageArgv(c, st)
	if argv == nil {
		return r, nil
	}
	r.Changed = true
	if c.Check {
		return r, nil
	}
	rc, _, errOut, err := runArgv(ctx, c, argv, nil)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		return userFailed(c, errOut, rc), nil
	}
	return r, nil
}

// userCreateHome copies the skeleton to a missing home (or makes an empty
// directory), gives it login.defs' UMASK mode and the user's ownership.
func userCreateHome(ctx context.Context, c *Call, st userState, home string) (*Result, error) {
	skel := c.Args.Str("skeleton")
	if skel == "" {
		skel = "/etc/skel"
	}
	h, sk := transport.Quote(home), transport.Quote(skel)
	script := fmt.Sprintf("set -e\nmkdir -p \"$(dirname %s)\"\nif [ -d %s ]; then cp -a %s %s; else mkdir %s; fi\n", h, sk, sk, h, h)
	if um, err := strconv.ParseUint(st.LoginUmask, 8, 32); err == nil && st.LoginUmask != "" {
		script += fmt.Sprintf("chmod %o %s\n", 0o777&^um, h)
	}
	script += fmt.Sprintf("chown -R %d:%d %s\n", st.uid(), st.gid(), h)
	rc, _, errOut, err := runArgv(ctx, c, []string{"/bin/sh", "-c", script}, nil)
	if err != nil {
		return sysErr(err)
	}
	if rc != 0 {
		return Failf("%s", strings.TrimSpace(errOut)), nil
	}
	return nil, nil
}

// userChageArgv is the chage command for password_expire_min/max, nil when
// the shadow entry already has them.
func userChageArgv(c *Call, st userState) []string {
	if st.Shadow == nil {
		return nil
	}
	argv := []string{"chage"}
	if c.Args.Has("password_expire_min") && c.Args.Int("password_expire_min") != st.shadowInt(3) {
		argv = append(argv, "-m", strconv.Itoa(c.Args.Int("password_expire_min")))
	}
	if c.Args.Has("password_expire_max") && c.Args.Int("password_expire_max") != st.shadowInt(4) {
		argv = append(argv, "-M", strconv.Itoa(c.Args.Int("password_expire_max")))
	}
	if len(argv) == 1 {
		return nil
	}
	return append(argv, c.Args.Str("name"))
}

// userGroupsSet checks that every group of the groups argument exists and
// returns them (without the primary group gid when it is >= 0), sorted.
func userGroupsSet(c *Call, st userState, primary int) ([]string, string) {
	var out []string
	for _, g := range c.Args.Strings("groups") {
		g = strings.TrimSpace(g)
		if g == "" || slices.Contains(out, g) {
			continue
		}
		e, ok := st.findGroup(g)
		if !ok {
			return nil, "Group " + g + " does not exist"
		}
		if primary >= 0 && e.GID == primary {
			continue
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return out, ""
}

// userExpires is the expires argument as useradd/usermod's -e value
// ("" for a date before the epoch, which removes the expiry).
func userExpires(c *Call) (string, time.Time) {
	f := c.Args.Float("expires")
	t := time.Unix(int64(math.Floor(f)), 0).UTC()
	if f < 0 {
		return "", t
	}
	return t.Format("2006-01-02"), t
}

// userAddArgv is useradd's command line; the string is a failure message.
func userAddArgv(c *Call, st userState) ([]string, string) {
	name := c.Args.Str("name")
	argv := []string{"useradd"}
	if c.Args.Has("uid") {
		argv = append(argv, "-u", strconv.Itoa(c.Args.Int("uid")))
		if c.Args.Bool("non_unique") {
			argv = append(argv, "-o")
		}
	}
	if g := c.Args.Str("group"); c.Args.Has("group") {
		if _, ok := st.findGroup(g); !ok {
			return nil, "Group " + g + " does not exist"
		}
		argv = append(argv, "-g", g)
	} else if _, ok := st.findGroup(name); ok {
		argv = append(argv, "-N")
	}
	if len(c.Args.Strings("groups")) > 0 {
		groups, fail := userGroupsSet(c, st, -1)
		if fail != "" {
			return nil, fail
		}
		argv = append(argv, "-G", strings.Join(groups, ","))
	}
	argv = userAddCommon(c, argv)
	if c.Args.Bool("create_home") {
		argv = append(argv, "-m")
		if c.Args.Has("skeleton") {
			argv = append(argv, "-k", c.Args.Str("skeleton"))
		}
		if c.Args.Has("umask") {
			argv = append(argv, "-K", "UMASK="+c.Args.Str("umask"))
		}
	} else {
		argv = append(argv, "-M")
	}
	if c.Args.Bool("system") {
		argv = append(argv, "-r")
	}
	return append(argv, name), ""
}

// userAddCommon adds comment, home, shell, expires and password.
func userAddCommon(c *Call, argv []string) []string {
	if c.Args.Has("comment") {
		argv = append(argv, "-c", c.Args.Str("comment"))
	}
	if c.Args.Has("home") {
		argv = append(argv, "-d", c.Args.Str("home"))
	}
	if c.Args.Has("shell") {
		argv = append(argv, "-s", c.Args.Str("shell"))
	}
	if c.Args.Has("expires") {
		e, _ := userExpires(c)
		argv = append(argv, "-e", e)
	}
	if c.Args.Has("password") {
		pw := c.Args.Str("password")
		if c.Args.Bool("password_lock") {
			pw = "!" + pw
		}
		argv = append(argv, "-p", pw)
	}
	return argv
}

// userModArgv is usermod's command line, nil when the user already
// matches; the string is a failure message.
func userModArgv(c *Call, st userState) ([]string, string) {
	argv := []string{"usermod"}
	if c.Args.Has("uid") && st.uid() != c.Args.Int("uid") {
		argv = append(argv, "-u", strconv.Itoa(c.Args.Int("uid")))
		if c.Args.Bool("non_unique") {
			argv = append(argv, "-o")
		}
	}
	if g := c.Args.Str("group"); c.Args.Has("group") {
		e, ok := st.findGroup(g)
		if !ok {
			return nil, "Group " + g + " does not exist"
		}
		if e.GID != st.gid() {
			argv = append(argv, "-g", strconv.Itoa(e.GID))
		}
	}
	if c.Args.Has("groups") {
		more, fail := userModGroups(c, st)
		if fail != "" {
			return nil, fail
		}
		argv = append(argv, more...)
	}
	argv = userModAttrs(c, st, argv)
	argv = userModPassword(c, st, argv)
	if len(argv) == 1 {
		return nil, ""
	}
	return append(argv, c.Args.Str("name")), ""
}

// userModGroups compares the supplementary groups with the groups
// argument (all of them, or only additions with append).
func userModGroups(c *Call, st userState) ([]string, string) {
	current := st.membership(c.Args.Str("name"))
	var wanted []string
	if len(c.Args.Strings("groups")) > 0 {
		var fail string
		if wanted, fail = userGroupsSet(c, st, -1); fail != "" {
			return nil, fail
		}
	}
	if len(wanted) == 0 {
		if len(current) > 0 && !c.Args.Bool("append") {
			return []string{"-G", ""}, ""
		}
		return nil, ""
	}
	differ := false
	for _, g := range wanted {
		if !slices.Contains(current, g) {
			differ = true
		}
	}
	if c.Args.Bool("append") {
		if differ {
			return []string{"-a", "-G", strings.Join(wanted, ",")}, ""
		}
		return nil, ""
	}
	for _, g := range current {
		if !slices.Contains(wanted, g) {
			differ = true
		}
	}
	if differ {
		return []string{"-G", strings.Join(wanted, ",")}, ""
	}
	return nil, ""
}

// userModAttrs adds comment, home, shell and expires when they differ.
func userModAttrs(c *Call, st userState, argv []string) []string {
	if c.Args.Has("comment") && st.Passwd[4] != c.Args.Str("comment") {
		argv = append(argv, "-c", c.Args.Str("comment"))
	}
	if c.Args.Has("home") && st.Passwd[5] != c.Args.Str("home") {
		argv = append(argv, "-d", c.Args.Str("home"))
		if c.Args.Bool("move_home") {
			argv = append(argv, "-m")
		}
	}
	if c.Args.Has("shell") && st.Passwd[6] != c.Args.Str("shell") {
		argv = append(argv, "-s", c.Args.Str("shell"))
	}
	if c.Args.Has("expires") {
		e, want := userExpires(c)
		cur := st.shadowInt(7)
		switch {
		case c.Args.Float("expires") < 0:
			if cur >= 0 {
				argv = append(argv, "-e", "")
			}
		case cur < 0 || time.Unix(int64(cur)*86400, 0).UTC().Format("2006-01-02") != want.Format("2006-01-02"):
			argv = append(argv, "-e", e)
		}
	}
	return argv
}

// userModPassword adds lock, unlock and the password hash as Ansible does.
func userModPassword(c *Call, st userState, argv []string) []string {
	cur := st.password()
	lock, lockGiven := c.Args.Bool("password_lock"), c.Args.Has("password_lock")
	switch {
	case lockGiven && lock && !strings.HasPrefix(cur, "!"):
		argv = append(argv, "-L")
	case lockGiven && !lock && strings.HasPrefix(cur, "!"):
		argv = append(argv, "-U")
	}
	pw := c.Args.Str("password")
	if c.Args.Str("update_password") == "always" && c.Args.Has("password") &&
		strings.TrimLeft(cur, "!") != strings.TrimLeft(pw, "!") {
		argv = slices.DeleteFunc(argv, func(a string) bool { return a == "-L" || a == "-U" })
		if lockGiven && lock {
			pw = "!" + pw
		}
		argv = append(argv, "-p", pw)
	}
	return argv
}
