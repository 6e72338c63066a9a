package tasks

import (
	"context"
	"strconv"
	"strings"
)

func init() {
	Register(&Spec{
		Name: "group",
		Args: []Arg{
			{Name: "name", Type: Str, Required: true},
			{Name: "gid", Type: Int},
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "system", Type: Bool, Default: false},
			{Name: "local", Type: Bool, Default: false},
			{Name: "non_unique", Type: Bool, Default: false},
		},
		Run: runGroup,
	})
}

// groupEntry is one line of the host's group database.
type groupEntry struct {
	Name    string
	GID     int
	Members []string
}

// parseGroupLine reads "name:x:gid:a,b"; ok is false for a malformed line.
func parseGroupLine(line string) (groupEntry, bool) {
	f := strings.Split(strings.TrimRight(line, "\r"), ":")
	if len(f) < 3 || f[0] == "" {
		return groupEntry{}, false
	}
	gid, err := strconv.Atoi(f[2])
	if err != nil {
		return groupEntry{}, false
	}
	g := groupEntry{Name: f[0], GID: gid}
	if len(f) > 3 && f[3] != "" {
		g.Members = strings.Split(f[3], ",")
	}
	return g, true
}

// lookupGroup asks the host's name service (getent) for one group.
func lookupGroup(ctx context.Context, c *Call, name string) (groupEntry, bool, error) {
	rc, out, _, err := runArgv(ctx, c, []string{"getent", "group", name}, nil)
	if err != nil || rc != 0 {
		return groupEntry{}, false, err
	}
	g, ok := parseGroupLine(strings.SplitN(out, "\n", 2)[0])
	return g, ok, nil
}

// groupCommand is the program the group module runs for verb (add, mod,
// del): shadow-utils' group*, or the lgroup* alternatives with local.
func groupCommand(c *Call, verb string) string {
	if c.Args.Bool("local") {
		return "lgroup" + verb
	}
	return "group" + verb
}

// runGroup adds, changes or removes a group with groupadd, groupmod and
// groupdel, as Ansible's group module does on Linux.
func runGroup(ctx context.Context, c *Call) (*Result, error) {
	name, state := c.Args.Str("name"), c.Args.Str("state")
	if c.Args.Bool("non_unique") && !c.Args.Has("gid") {
		return Failf("non_unique is True but all of the following are missing: gid"), nil
	}
	g, exists, err := lookupGroup(ctx, c, name)
	if err != nil {
		return sysErr(err)
	}
	r := &Result{Values: map[string]any{"name": name, "state": state}}
	var argv []string
	switch {
	case state == "absent" && exists:
		argv = []string{groupCommand(c, "del"), name}
	case state == "present" && !exists:
		argv = groupAddArgv(c, name)
	case state == "present" && c.Args.Has("gid") && g.GID != c.Args.Int("gid"):
		argv = []string{groupCommand(c, "mod"), "-g", strconv.Itoa(c.Args.Int("gid"))}
		if c.Args.Bool("non_unique") {
			argv = append(argv, "-o")
		}
		argv = append(argv, name)
	}
	if argv == nil {
		return groupInfo(r, g, exists && state == "present", c), nil
	}
	if c.Check {
		if state == "present" && exists {
			r.Changed = true
			return groupInfo(r, g, true, c), nil
		}
		return &Result{Changed: true}, nil
	}
	return groupApply(ctx, c, r, argv, name)
}

// groupAddArgv is groupadd's command line.
func groupAddArgv(c *Call, name string) []string {
	argv := []string{groupCommand(c, "add")}
	if c.Args.Has("gid") {
		argv = append(argv, "-g", strconv.Itoa(c.Args.Int("gid")))
		if c.Args.Bool("non_unique") {
			argv = append(argv, "-o")
		}
	}
	if c.Args.Bool("system") {
		argv = append(argv, "-r")
	}
	return append(argv, name)
}

// groupApply runs the change and reports the group as it is afterwards.
func groupApply(ctx context.Context, c *Call, r *Result, argv []string, name string) (*Result, error) {
	rc, out, errOut, err := runArgv(ctx, c, argv, nil)
	if err != nil {
		return sysErr(err)
	}
	forgetHostIDs(c.Conn)
	if rc != 0 {
		return (&Result{Failed: true, Msg: errOut}).Set("name", name), nil
	}
	r.Changed = true
	if out != "" {
		r.Set("stdout", out).Set("stdout_lines", Lines(out))
	}
	if errOut != "" {
		r.Set("stderr", errOut).Set("stderr_lines", Lines(errOut))
	}
	g, exists, err := lookupGroup(ctx, c, name)
	if err != nil {
		return sysErr(err)
	}
	return groupInfo(r, g, exists, c), nil
}

// groupInfo adds gid and system for a group that exists.
func groupInfo(r *Result, g groupEntry, exists bool, c *Call) *Result {
	if exists {
		r.Set("gid", g.GID).Set("system", c.Args.Bool("system"))
	}
	return r
}
