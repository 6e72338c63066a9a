package tasks

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

// Host scripts: the system modules (user, group, cron, service, systemd,
// apt, dnf, yum) learn a host's state with one POSIX sh script that runs
// several commands and prints each command's output and exit status as a
// section, so that gathering state costs one exec however many facts a
// module needs.

// hsMark starts a marker line (ASCII record separator).
const hsMark = "\x1e"

// HostScript builds a sh script whose sections are parsed by
// ParseSections.
type HostScript struct {
	b strings.Builder
}

// Section adds a command (a sh command line) whose standard output and exit
// status are recorded under name. It runs in a subshell (exit ends only
// the section; variables it sets do not outlive it). Its standard error is
// discarded unless the command redirects it.
func (s *HostScript) Section(name, cmd string) *HostScript {
	fmt.Fprintf(&s.b, "printf '%s%%s\\n' %s\n( %s\n) 2>/dev/null\nprintf '\\n%src %%s\\n' \"$?\"\n",
		hsMark, transport.Quote(name), cmd, hsMark)
	return s
}

// Line adds a sh line that records nothing (variable settings, functions).
func (s *HostScript) Line(line string) *HostScript {
	s.b.WriteString(line)
	s.b.WriteByte('\n')
	return s
}

// String is the script.
func (s *HostScript) String() string { return s.b.String() }

// Section is one recorded command: its standard output and exit status.
type Section struct {
	Out string
	RC  int
}

// Sections are the recorded commands of a host script by name.
type Sections map[string]Section

// Out is the output of a section, "" when it did not run.
func (s Sections) Out(name string) string { return s[name].Out }

// RC is the exit status of a section, -1 when it did not run.
func (s Sections) RC(name string) int {
	sec, ok := s[name]
	if !ok {
		return -1
	}
	return sec.RC
}

// parseSections splits a host script's output into its sections.
func parseSections(out string) Sections {
	secs := Sections{}
	name := ""
	var body strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if !strings.HasPrefix(line, hsMark) {
			if name != "" {
				body.WriteString(line)
			}
			continue
		}
		tag := strings.TrimSuffix(strings.TrimPrefix(line, hsMark), "\n")
		if rc, ok := strings.CutPrefix(tag, "rc "); ok && name != "" {
			n, err := strconv.Atoi(strings.TrimSpace(rc))
			if err != nil {
				n = -1
			}
			secs[name] = Section{Out: strings.TrimSuffix(body.String(), "\n"), RC: n}
			name = ""
			continue
		}
		name = tag
		body.Reset()
	}
	return secs
}

// runHostScript runs a host script with the task's environment and returns
// its sections. A failure of the connection is returned as the error; a
// script that could not run (no sh) as a failed result's message.
func runHostScript(ctx context.Context, c *Call, s *HostScript, env map[string]string) (Sections, *transport.Result, error) {
	res, err := c.Run(ctx, transport.Command{Argv: []string{"/bin/sh", "-c", s.String()}, Env: env})
	if err != nil {
		return nil, nil, err
	}
	return parseSections(string(res.Stdout)), &res, nil
}

// shList quotes each word for sh and joins them with spaces.
func shList(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = transport.Quote(w)
	}
	return strings.Join(q, " ")
}

// runArgv runs one program with the task's environment plus env, and
// returns its exit status and output as Ansible's run_command does.
func runArgv(ctx context.Context, c *Call, argv []string, env map[string]string) (rc int, stdout, stderr string, err error) {
	res, err := c.Run(ctx, transport.Command{Argv: argv, Env: env})
	if err != nil {
		return 0, "", "", err
	}
	return res.ExitCode, string(res.Stdout), string(res.Stderr), nil
}

// sysErr keeps an error only when it must end the task as an error (host
// unreachable, run cancelled); other errors become the module's failure.
func sysErr(err error) (*Result, error) {
	if hostErr(err) {
		return nil, err
	}
	return Failf("%v", err), nil
}
