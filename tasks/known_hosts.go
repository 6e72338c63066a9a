package tasks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"

	xssh "golang.org/x/crypto/ssh"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

func init() {
	Register(&Spec{
		Name: "known_hosts",
		Args: []Arg{
			{Name: "name", Aliases: []string{"host"}, Type: Str, Required: true},
			{Name: "key", Type: Str},
			{Name: "path", Type: Path, Default: "~/.ssh/known_hosts"},
			{Name: "hash_host", Type: Bool, Default: false},
			{Name: "state", Type: Str, Default: "present", Choices: []string{"absent", "present"}},
		},
		Run: runKnownHosts,
	})
}

// knownHostsFile is the known_hosts file as the module sees it.
type knownHostsFile struct {
	path   string
	exists bool
	info   transport.FileInfo
	text   string
}

// hostMatch is the module's view of ssh-keygen -F: whether the host has
// lines, whether the key must replace or be added, and the line of the
// same-type (or equal) key.
type hostMatch struct {
	found, replace bool
	line           int // 0: none
}

// runKnownHosts adds or removes a host's key in a known_hosts file on the
// host as Ansible's known_hosts module does with ssh-keygen -F and -R, the
// file read and written over the connection (ssh-keygen's matching of
// plain, wildcard and hashed names is drover's own).
func runKnownHosts(ctx context.Context, c *Call) (*Result, error) {
	a := c.Args
	host := strings.ToLower(a.Str("name"))
	key, state := a.Str("key"), a.Str("state")
	if key == "" && state != "absent" {
		return Failf("No key specified when adding a host"), nil
	}
	if key != "" && a.Bool("hash_host") {
		key = hashHostKey(host, key)
	}
	if key != "" && !strings.HasSuffix(key, "\n") {
		key += "\n"
	}
	if fail := knownHostsSanity(host, key); fail != nil {
		return fail, nil
	}
	p, err := ExpandUser(ctx, c.Conn, a.Str("path"))
	if err != nil {
		return nil, err
	}
	f, err := readKnownHosts(ctx, c, p)
	if err != nil {
		return nil, err
	}
	m := f.search(host, key)
	diff := f.diff(m, state, key)
	r := OK().Set("diff", diff)
	if state == "absent" && m.line == 0 && key != "" {
		return knownHostsResult(ctx, r, c, p)
	}
	if c.Check {
		return &Result{Changed: m.replace || (state == "present") != m.found, Values: map[string]any{"diff": diff}}, nil
	}
	if m.found && key == "" && state == "absent" {
		if err := f.removeHost(ctx, c, host); err != nil {
			return knownHostsFailure(err, p)
		}
		r.Changed = true
	}
	if m.replace || m.found != (state == "present") {
		if err := f.rewrite(ctx, c, m, state, key); err != nil {
			return knownHostsFailure(err, p)
		}
		r.Changed = true
	}
	return knownHostsResult(ctx, r, c, p)
}

// knownHostsResult is the module's result: its parameters, path expanded,
// and what Ansible adds about the file at path ("state" becomes the
// file's, or absent).
func knownHostsResult(ctx context.Context, r *Result, c *Call, p string) (*Result, error) {
	r.Set("name", c.Args.Str("name")).Set("key", c.Args["key"]).Set("path", p).
		Set("hash_host", c.Args.Bool("hash_host")).Set("state", "absent")
	return r, pathInfo(ctx, c, r, p, nil)
}

func knownHostsFailure(err error, p string) (*Result, error) {
	if hostErr(err) {
		return nil, err
	}
	return Failf("Failed to write to file %s: %s", p, describeErr(err)), nil
}

// hashHostKey replaces the host field of a key line by its hashed form
// with a random salt.
func hashHostKey(host, key string) string {
	salt := make([]byte, 20)
	_, _ = rand.Read(salt)
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(host))
	parts := pyfmt.SplitWhitespace(key)
	i := 0
	if strings.HasPrefix(parts[0], "@") {
		i = 1
	}
	parts[i] = "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	return strings.Join(parts, " ")
}

var commaHosts = regexp.MustCompile(`\S+(\s+)?,(\s+)?`)

// knownHostsSanity checks that a given key is one known_hosts line whose
// host field selects host.
func knownHostsSanity(host, key string) *Result {
	if key == "" {
		return nil
	}
	if commaHosts.MatchString(host) {
		return Failf("Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.")
	}
	for _, l := range strings.Split(key, "\n") {
		if matchesHost(l, host) {
			return nil
		}
	}
	return Failf("Host parameter does not match hashed host field in supplied key")
}

// matchesHost tells whether a known_hosts line is a valid entry for host,
// as ssh-keygen -F selects lines.
func matchesHost(line, host string) bool {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return false
	}
	_, hosts, _, _, _, err := xssh.ParseKnownHosts([]byte(line))
	return err == nil && ssh.MatchHostPatterns(hosts, host)
}

// readKnownHosts reads the file, when it exists.
func readKnownHosts(ctx context.Context, c *Call, p string) (*knownHostsFile, error) {
	f := &knownHostsFile{path: p}
	fi, err := c.Conn.Stat(ctx, p)
	if err != nil {
		return f, unreachableOnly(err)
	}
	var b bytes.Buffer
	if err := c.Conn.Get(ctx, p, &b); err != nil {
		return f, unreachableOnly(err)
	}
	f.exists, f.info, f.text = true, fi, b.String()
	return f, nil
}

// lines are the file's lines with their line breaks.
func (f *knownHostsFile) lines() []string { return pyfmt.SplitLines(f.text, true) }

// search is search_for_host_key: the host's lines in file order, the
// first with the same key (nothing to do) or the same key type (to
// replace).
func (f *knownHostsFile) search(host, key string) hostMatch {
	var m hostMatch
	for n, l := range strings.SplitAfter(f.text, "\n") {
		if !matchesHost(l, host) {
			continue
		}
		m.found = true
		if key == "" {
			return hostMatch{found: true}
		}
		want, have := normalizeKnownHost(key), normalizeKnownHost(l)
		if strings.HasPrefix(want["host"], "|1|") && strings.HasPrefix(have["host"], "|1|") {
			want["host"] = have["host"]
		}
		switch {
		case equalMaps(want, have):
			return hostMatch{found: true, line: n + 1}
		case want["type"] == have["type"]:
			return hostMatch{found: true, replace: true, line: n + 1}
		}
	}
	if m.found {
		m.replace = true
	}
	return m
}

// normalizeKnownHost splits a key line into options, host, type and key.
func normalizeKnownHost(line string) map[string]string {
	k := pyfmt.SplitWhitespace(line)
	d := map[string]string{}
	if len(k) > 0 && strings.HasPrefix(k[0], "@") {
		d["options"] = k[0]
		k = k[1:]
	}
	for i, name := range []string{"host", "type", "key"} {
		if i < len(k) {
			d[name] = k[i]
		}
	}
	return d
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// diff is compute_diff: the file before and after.
func (f *knownHostsFile) diff(m hostMatch, state, key string) map[string]any {
	before := "/dev/null"
	if f.exists {
		before = f.path
	}
	lines := f.lines()
	if (m.replace || state == "absent") && m.line >= 1 && m.line <= len(lines) {
		lines = append(lines[:m.line-1:m.line-1], lines[m.line:]...)
	}
	if state == "present" && (m.replace || m.line == 0) {
		lines = append(lines, key)
	}
	return map[string]any{"before_header": before, "after_header": f.path, "before": f.text, "after": strings.Join(lines, "")}
}

// removeHost is ssh-keygen -R: every line for host goes, the old file
// is kept as PATH.old.
func (f *knownHostsFile) removeHost(ctx context.Context, c *Call, host string) error {
	var kept strings.Builder
	for _, l := range strings.SplitAfter(f.text, "\n") {
		if !matchesHost(l, host) {
			kept.WriteString(l)
		}
	}
	mode := f.info.Mode.Perm()
	if err := c.Conn.Put(ctx, f.path+".old", strings.NewReader(f.text), transport.PutOptions{Mode: mode}); err != nil {
		return err
	}
	if err := c.Conn.Put(ctx, f.path, strings.NewReader(kept.String()), transport.PutOptions{Mode: mode}); err != nil {
		return err
	}
	f.text = kept.String()
	return nil
}

// rewrite writes the file without the matched line (when replacing or
// removing) and with the key added (present), atomically; a new file gets
// 0666 less the umask, an existing one keeps its mode and owner.
func (f *knownHostsFile) rewrite(ctx context.Context, c *Call, m hostMatch, state, key string) error {
	var b strings.Builder
	for n, l := range f.lines() {
		if m.line == n+1 && (m.replace || state == "absent") {
			continue
		}
		b.WriteString(l)
	}
	if state == "present" {
		b.WriteString(key)
	}
	if _, err := c.Conn.Stat(ctx, path.Dir(f.path)); err != nil {
		return err
	}
	var old *transport.FileInfo
	if f.exists {
		old = &f.info
	}
	content := b.String()
	w := &FileWrite{Path: f.path, Size: int64(len(content)), Old: old,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
	wr, err := w.Write(ctx, c)
	if err == nil && wr.Failure != nil {
		return fs.ErrPermission
	}
	return err
}
