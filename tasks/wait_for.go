package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/internal/pyregex"
)

func init() {
	Register(&Spec{
		Name: "wait_for",
		Args: []Arg{
			{Name: "host", Type: Str, Default: "127.0.0.1"},
			{Name: "timeout", Type: Int, Default: 300},
			{Name: "connect_timeout", Type: Int, Default: 5},
			{Name: "delay", Type: Int, Default: 0},
			{Name: "port", Type: Int},
			{Name: "active_connection_states", Type: List, Elements: Str,
				Default: []any{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"}},
			{Name: "path", Type: Path},
			{Name: "search_regex", Type: Str},
			{Name: "state", Type: Str, Default: "started", Choices: []string{"absent", "drained", "present", "started", "stopped"}},
			{Name: "exclude_hosts", Type: List, Elements: Str},
			{Name: "sleep", Type: Int, Default: 1},
			{Name: "msg", Type: Str},
		},
		Run: runWaitFor,
	})
}

// tcpStates are the state numbers of /proc/net/tcp.
var tcpStates = map[string]string{"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04",
	"FIN_WAIT2": "05", "TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08", "LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B"}

// waitFor is one wait_for call: its arguments and its clock.
type waitFor struct {
	c       *Call
	start   time.Time
	end     time.Time
	re      *pyregex.Regexp
	groups  []any
	named   map[string]any
	hostIPs []string // /proc/net/tcp forms of host (drained)
	exclude []string
}

// runWaitFor waits, from the host, for a port to open or close (dialled
// through the connection), a file to appear or go (file operations over
// the connection), text in either, or connections to drain, as Ansible's
// wait_for does.
func runWaitFor(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true, Msg: "remote module (wait_for) does not support check mode"}, nil
	}
	w := &waitFor{c: c, named: map[string]any{}, groups: []any{}}
	if f := w.validate(); f != nil {
		return f, nil
	}
	w.start = time.Now()
	w.end = w.start.Add(time.Duration(c.Args.Int("timeout")) * time.Second)
	if err := sleepCtx(ctx, time.Duration(c.Args.Int("delay"))*time.Second); err != nil {
		return nil, err
	}
	var fail string
	var err error
	a := c.Args
	switch state := a.Str("state"); {
	case !a.Has("port") && !a.Has("path") && state != "drained":
		err = sleepCtx(ctx, time.Until(w.end))
	case state == "absent" || state == "stopped":
		fail, err = w.untilGone(ctx)
	case state == "started" || state == "present":
		fail, err = w.untilThere(ctx)
	default:
		fail, err = w.untilDrained(ctx)
	}
	if err != nil {
		return nil, err
	}
	elapsed := int(time.Since(w.start).Seconds())
	if fail != "" {
		if m := a.Str("msg"); m != "" {
			fail = m
		}
		return Failf("%s", fail).Set("elapsed", elapsed), nil
	}
	r := OK().Set("state", a.Str("state")).Set("port", a["port"]).Set("search_regex", a["search_regex"])
	r.Set("match_groups", w.groups).Set("match_groupdict", w.named).Set("path", a["path"]).Set("elapsed", elapsed)
	return r, nil
}

// validate checks the arguments; a non-nil result is the failure.
func (w *waitFor) validate() *Result {
	a := w.c.Args
	state := a.Str("state")
	switch {
	case a.Has("port") && a.Has("path"):
		return Failf("port and path parameter can not both be passed to wait_for").Set("elapsed", 0)
	case a.Has("path") && state == "stopped":
		return Failf("state=stopped should only be used for checking a port in the wait_for module").Set("elapsed", 0)
	case a.Has("path") && state == "drained":
		return Failf("state=drained should only be used for checking a port in the wait_for module").Set("elapsed", 0)
	case a.Has("exclude_hosts") && state != "drained":
		return Failf("exclude_hosts should only be with state=drained").Set("elapsed", 0)
	}
	for _, s := range a.Strings("active_connection_states") {
		if _, ok := tcpStates[s]; !ok {
			return Failf("unknown active_connection_state (%s) defined", s).Set("elapsed", 0)
		}
	}
	if a.Has("search_regex") {
		re, err := compileRegex(a.Str("search_regex"), pyregex.Flags{Multiline: true})
		if err != nil {
			return Failf("Invalid regular expression: %v", err)
		}
		w.re = re
	}
	return nil
}

// sleepCtx sleeps for d unless ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pause sleeps the sleep argument between checks.
func (w *waitFor) pause(ctx context.Context) error {
	return sleepCtx(ctx, time.Duration(w.c.Args.Int("sleep"))*time.Second)
}

func (w *waitFor) addr() string {
	return net.JoinHostPort(w.c.Args.Str("host"), strconv.Itoa(w.c.Args.Int("port")))
}

// dial connects from the host to the port, within connect_timeout (and
// the overall deadline).
func (w *waitFor) dial(ctx context.Context) (net.Conn, error) {
	d := time.Duration(w.c.Args.Int("connect_timeout")) * time.Second
	if left := time.Until(w.end).Truncate(time.Second) + time.Second; left < d {
		d = left
	}
	dctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return w.c.Conn.Dial(dctx, "tcp", w.addr())
}

// untilGone waits for the file to disappear or the port to close.
func (w *waitFor) untilGone(ctx context.Context) (string, error) {
	p := w.c.Args.Str("path")
	for time.Now().Before(w.end) {
		if p != "" {
			if _, err := w.c.Conn.Stat(ctx, hostPath(w.c.Conn, p)); err != nil {
				if hostErr(err) {
					return "", err
				}
				return "", nil
			}
		} else {
			conn, err := w.dial(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return "", ctx.Err()
				}
				return "", nil
			}
			conn.Close()
		}
		if err := w.pause(ctx); err != nil {
			return "", err
		}
	}
	if p != "" {
		return fmt.Sprintf("Timeout when waiting for %s to be absent.", p), nil
	}
	return fmt.Sprintf("Timeout when waiting for %s:%d to stop.", w.c.Args.Str("host"), w.c.Args.Int("port")), nil
}

// untilThere waits for the file or port (and the text, with search_regex).
func (w *waitFor) untilThere(ctx context.Context) (string, error) {
	a := w.c.Args
	for time.Now().Before(w.end) {
		var ok bool
		var fail string
		var err error
		if a.Has("path") {
			ok, fail, err = w.fileThere(ctx)
		} else {
			ok, err = w.portThere(ctx)
		}
		if err != nil || fail != "" || ok {
			return fail, err
		}
		if err := w.pause(ctx); err != nil {
			return "", err
		}
	}
	what := ""
	if a.Has("path") {
		what = a.Str("path")
	} else {
		what = fmt.Sprintf("%s:%d", a.Str("host"), a.Int("port"))
	}
	if a.Has("search_regex") {
		return fmt.Sprintf("Timeout when waiting for search string %s in %s", a.Str("search_regex"), what), nil
	}
	if a.Has("path") {
		return "Timeout when waiting for file " + what, nil
	}
	return "Timeout when waiting for " + what, nil
}

// fileThere checks the file once, and its content with search_regex.
func (w *waitFor) fileThere(ctx context.Context) (bool, string, error) {
	p := hostPath(w.c.Conn, w.c.Args.Str("path"))
	if _, err := w.c.Conn.Stat(ctx, p); err != nil {
		if hostErr(err) {
			return false, "", err
		}
		if errors.Is(err, fs.ErrNotExist) || isNotExist(err) {
			return false, "", nil
		}
		return false, fmt.Sprintf("Failed to stat %s, %s", w.c.Args.Str("path"), pyErrText(errors.Unwrap(err))), nil
	}
	if w.re == nil {
		return true, "", nil
	}
	var buf bytes.Buffer
	if err := w.c.Conn.Get(ctx, p, &buf); err != nil {
		if hostErr(err) {
			return false, "", err
		}
		return false, "", nil
	}
	return w.match(buf.String()), "", nil
}

// portThere connects once; with search_regex it reads until the text
// comes, the server closes or time runs out.
func (w *waitFor) portThere(ctx context.Context) (bool, error) {
	conn, err := w.dial(ctx)
	if err != nil {
		return false, ctx.Err()
	}
	defer conn.Close()
	if w.re == nil {
		return true, nil
	}
	var data []byte
	buf := make([]byte, 1024)
	for time.Now().Before(w.end) {
		_ = conn.SetReadDeadline(w.end)
		n, err := conn.Read(buf)
		data = append(data, buf[:n]...)
		if w.match(string(data)) {
			return true, nil
		}
		if err != nil {
			break
		}
	}
	return false, ctx.Err()
}

// match searches s and keeps the groups of the match (groups() and
// groupdict(), None for groups that did not take part).
func (w *waitFor) match(s string) bool {
	m, err := w.re.Search(s)
	if err != nil || m == nil {
		return false
	}
	groups := []any{}
	for i := 1; i <= w.re.Groups(); i++ {
		if g, ok := m.Group(i); ok {
			groups = append(groups, g)
		} else {
			groups = append(groups, nil)
		}
	}
	for name, i := range w.re.GroupNames() {
		w.named[name] = groups[i-1]
	}
	w.groups = groups
	return true
}

// untilDrained waits until no active connection to the port is left, as
// /proc/net/tcp and tcp6 on the host list them.
func (w *waitFor) untilDrained(ctx context.Context) (string, error) {
	if err := w.resolveHosts(ctx); err != nil {
		return "", err
	}
	for time.Now().Before(w.end) {
		n, err := w.activeConnections(ctx)
		if err != nil {
			return "", err
		}
		if n == 0 {
			return "", nil
		}
		if err := w.pause(ctx); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("Timeout when waiting for %s:%d to drain", w.c.Args.Str("host"), w.c.Args.Int("port")), nil
}

// resolveHosts turns host and exclude_hosts into /proc/net/tcp's hex
// address forms, resolving names on the host.
func (w *waitFor) resolveHosts(ctx context.Context) error {
	var err error
	if w.hostIPs, err = w.procAddrs(ctx, w.c.Args.Str("host")); err != nil {
		return err
	}
	for _, h := range w.c.Args.Strings("exclude_hosts") {
		ips, err := w.procAddrs(ctx, h)
		if err != nil {
			return err
		}
		w.exclude = append(w.exclude, ips...)
	}
	return nil
}

// procAddrs resolves a host on the host (getent ahosts) and returns each
// address as /proc/net/tcp writes it, IPv4 ones also as mapped IPv6.
func (w *waitFor) procAddrs(ctx context.Context, host string) ([]string, error) {
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = append(ips, ip)
	} else {
		rc, out, _, err := runArgv(ctx, w.c, []string{"getent", "ahosts", host}, nil)
		if err != nil {
			return nil, err
		}
		if rc == 0 {
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) > 0 {
					if ip := net.ParseIP(f[0]); ip != nil {
						ips = append(ips, ip)
					}
				}
			}
		}
	}
	var out []string
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			out = append(out, "4"+procHex(v4), "6"+procHex(v4.To16()))
		} else {
			out = append(out, "6"+procHex(ip.To16()))
		}
	}
	return out, nil
}

// procHex writes an address as the kernel does in /proc/net/tcp*: each
// 32-bit word in host (little-endian) order.
func procHex(ip net.IP) string {
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%02X%02X%02X%02X", ip[i+3], ip[i+2], ip[i+1], ip[i])
	}
	return b.String()
}

// activeConnections counts the connections to the port in an active state.
func (w *waitFor) activeConnections(ctx context.Context) (int, error) {
	port := fmt.Sprintf("%04X", w.c.Args.Int("port"))
	states := map[string]bool{}
	for _, s := range w.c.Args.Strings("active_connection_states") {
		states[tcpStates[s]] = true
	}
	n := 0
	for fam, file := range map[string]string{"4": "/proc/net/tcp", "6": "/proc/net/tcp6"} {
		var buf bytes.Buffer
		if err := w.c.Conn.Get(ctx, file, &buf); err != nil {
			if hostErr(err) {
				return 0, err
			}
			continue
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if w.activeLine(fam, strings.Fields(line), port, states) {
				n++
			}
		}
	}
	return n, nil
}

// activeLine tells whether one /proc/net/tcp line is an active connection
// to the port on one of the host's addresses.
func (w *waitFor) activeLine(fam string, f []string, port string, states map[string]bool) bool {
	if len(f) < 4 || f[1] == "local_address" || !states[f[3]] {
		return false
	}
	lip, lport, _ := strings.Cut(f[1], ":")
	rip, _, _ := strings.Cut(f[2], ":")
	if lport != port {
		return false
	}
	for _, e := range w.exclude {
		if e == fam+rip {
			return false
		}
	}
	all := map[string]string{"4": "00000000", "6": "00000000000000000000000000000000"}[fam]
	for _, h := range w.hostIPs {
		if h == fam+lip || h == fam+all ||
			(strings.HasPrefix(lip, "0000000000000000FFFF0000") && h == fam+"0000000000000000FFFF000000000000") {
			return true
		}
	}
	return false
}
