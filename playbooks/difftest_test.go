package playbooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
	"github.com/drover/drover/transport/hostconn"
	"github.com/drover/drover/transport/local"
)

// The differential harness runs every playbook of testdata/diff with
// ansible-playbook and with drover against the same host and compares,
// per host: the PLAY RECAP counters, the values each debug task shows, and
// the files left in the work directory (content and mode). Each playbook is
// run twice (the second run's changed counts must match Ansible's too:
// idempotency). A playbook without an inventory directive runs on a real
// OpenSSH sshd host that the inventory calls localhost (so `hosts:
// localhost` plays reach it over SSH, the same machine's files seen through
// sshd); both programs log in with the lab's key and check its host key.
// The working directory is reset between runs.
//
// A playbook's first lines may hold harness directives:
//
//	# args: -t web --skip-tags slow -C     (flags given to both programs)
//	# extra: key=value                      (an -e given to both)
//	# once                                  (no second run)
//	# unordered                             (debug lines compared as a set: strategy free)
//	# inventory: FILE                       (instead of the sshd host; relative to testdata/diff)
//	# local                                 (localhost over a local connection, not sshd)
//	# lock: NAME                            (holds testlab's machine-wide lock NAME, e.g.
//	                                          accounts, while both programs run)
//	# env: ANSIBLE_NAME=VALUE               (Ansible's configuration, for both: an environment
//	                                          variable of ansible-playbook, read by drover
//	                                          through internal/ansiblecfg as cmd/drover does;
//	                                          $STATE in VALUE is a directory of each program's
//	                                          own that lasts across both runs)
//
// Both programs get -e workdir=DIR, a fresh empty directory per run.
// Drop a playbook into testdata/diff and it is compared.

type directives struct {
	tags, skipTags []string
	check, diff    bool
	extra          []string
	once           bool
	unordered      bool
	inventory      string
	local          bool
	locks          []string
	ssh            bool     // inventory is the sshd host's
	env            []string // NAME=VALUE, $STATE not yet replaced
	state          string   // the program's $STATE directory
}

// environ is the env directives with $STATE replaced.
func (d directives) environ() []string {
	out := make([]string, len(d.env))
	for i, e := range d.env {
		out[i] = strings.ReplaceAll(e, "$STATE", d.state)
	}
	return out
}

func readDirectives(t *testing.T, path string) directives {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d directives
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case line == "once":
			d.once = true
		case line == "unordered":
			d.unordered = true
		case line == "local":
			d.local = true
		case strings.HasPrefix(line, "inventory:"):
			d.inventory = filepath.Join(filepath.Dir(path), strings.TrimSpace(strings.TrimPrefix(line, "inventory:")))
		case strings.HasPrefix(line, "lock:"):
			d.locks = append(d.locks, strings.TrimSpace(strings.TrimPrefix(line, "lock:")))
		case strings.HasPrefix(line, "env:"):
			d.env = append(d.env, strings.TrimSpace(strings.TrimPrefix(line, "env:")))
		case strings.HasPrefix(line, "extra:"):
			d.extra = append(d.extra, strings.TrimSpace(strings.TrimPrefix(line, "extra:")))
		case strings.HasPrefix(line, "args:"):
			f := strings.Fields(strings.TrimPrefix(line, "args:"))
			for i := 0; i < len(f); i++ {
				switch f[i] {
				case "-t":
					i++
					d.tags = append(d.tags, strings.Split(f[i], ",")...)
				case "--skip-tags":
					i++
					d.skipTags = append(d.skipTags, strings.Split(f[i], ",")...)
				case "-C":
					d.check = true
				case "-D":
					d.diff = true
				}
			}
		}
	}
	return d
}

// observed is what one run showed.
type observed struct {
	Recap  map[string]HostStats
	Debug  []string // "task | host | value" for every debug result shown
	Files  map[string]string
	Output string
}

func TestDifferential(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-playbook")
	books, _ := filepath.Glob("testdata/diff/*.yml")
	if len(books) == 0 {
		t.Fatal("no playbooks in testdata/diff")
	}
	sshInventory := writeSSHInventory(t, testlab.Start(t, testlab.Options{Hosts: 1}))
	for _, book := range books {
		t.Run(strings.TrimSuffix(filepath.Base(book), ".yml"), func(t *testing.T) {
			t.Parallel()
			d := readDirectives(t, book)
			if d.inventory == "" && !d.local {
				d.inventory, d.ssh = sshInventory, true
			}
			for _, l := range d.locks {
				testlab.Lock(t, l)
			}
			runs := 2
			if d.once || d.check {
				runs = 1
			}
			ansWork, droWork := t.TempDir(), t.TempDir()
			ansD, droD := d, d
			ansD.state, droD.state = t.TempDir(), t.TempDir()
			for run := 1; run <= runs; run++ {
				want := runAnsible(t, book, ansWork, ansD)
				got := runDrover(t, book, droWork, droD)
				if d.unordered {
					sort.Strings(want.Debug)
					sort.Strings(got.Debug)
				}
				compare(t, run, want, got, ansWork, droWork)
			}
		})
	}
}

func compare(t *testing.T, run int, want, got observed, ansWork, droWork string) {
	t.Helper()
	if !reflect.DeepEqual(want.Recap, got.Recap) {
		t.Errorf("run %d: recap differs:\nansible: %+v\ndrover:  %+v\n--- drover output:\n%s", run, want.Recap, got.Recap, got.Output)
	}
	w := strings.Join(want.Debug, "\n")
	g := strings.ReplaceAll(strings.Join(got.Debug, "\n"), droWork, ansWork)
	if w != g {
		t.Errorf("run %d: debug output differs:\nansible:\n%s\ndrover:\n%s", run, w, g)
	}
	if !reflect.DeepEqual(want.Files, got.Files) {
		t.Errorf("run %d: files differ:\nansible: %v\ndrover:  %v", run, want.Files, got.Files)
	}
}

// writeSSHInventory writes an INI inventory in which localhost is the lab's
// sshd host, reached with the lab's key and known_hosts.
func writeSSHInventory(t *testing.T, lab *testlab.Lab) string {
	h := lab.Hosts[0]
	line := fmt.Sprintf("localhost ansible_connection=ssh ansible_host=%s ansible_port=%d ansible_user=%s "+
		"ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3 "+
		"ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes'\n",
		h.Addr, h.Port, h.User, lab.Key, lab.KnownHosts)
	path := filepath.Join(t.TempDir(), "sshd.ini")
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAnsible runs ansible-playbook with the json callback and reads what it
// showed.
func runAnsible(t *testing.T, book, work string, d directives) observed {
	t.Helper()
	args := []string{"-i", "localhost,", "-c", "local", "-e", "workdir=" + work}
	if d.inventory != "" {
		args = []string{"-i", d.inventory, "-e", "workdir=" + work}
	}
	for _, e := range d.extra {
		args = append(args, "-e", e)
	}
	if len(d.tags) > 0 {
		args = append(args, "-t", strings.Join(d.tags, ","))
	}
	if len(d.skipTags) > 0 {
		args = append(args, "--skip-tags", strings.Join(d.skipTags, ","))
	}
	if d.check {
		args = append(args, "-C")
	}
	if d.diff {
		args = append(args, "-D")
	}
	cmd := exec.Command("ansible-playbook", append(args, book)...)
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_LOAD_CALLBACK_PLUGINS=1",
		"ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_DEPRECATION_WARNINGS=0", "ANSIBLE_LOCALHOST_WARNING=0",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3", "ANSIBLE_NOCOLOR=1", "ANSIBLE_PIPELINING=1")
	cmd.Env = append(cmd.Env, d.environ()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run()
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Task  struct{ Name string }
				Hosts map[string]map[string]any
			}
		}
		Stats map[string]map[string]int
	}
	if err := json.Unmarshal(jsonDocument(out.Bytes()), &doc); err != nil {
		t.Fatalf("ansible-playbook output: %v\n%s\n%s", err, out.String(), errb.String())
	}
	o := observed{Recap: map[string]HostStats{}, Files: snapshot(t, work)}
	for h, s := range doc.Stats {
		o.Recap[h] = HostStats{OK: s["ok"], Changed: s["changed"], Unreachable: s["unreachable"], Failed: s["failures"],
			Skipped: s["skipped"], Rescued: s["rescued"], Ignored: s["ignored"]}
	}
	for _, p := range doc.Plays {
		for _, task := range p.Tasks {
			hosts := make([]string, 0, len(task.Hosts))
			for h := range task.Hosts {
				hosts = append(hosts, h)
			}
			sort.Strings(hosts)
			for _, h := range hosts {
				r := task.Hosts[h]
				if r["action"] != "debug" {
					continue
				}
				if line, ok := debugLine(task.Task.Name, h, r); ok {
					o.Debug = append(o.Debug, line)
				}
			}
		}
	}
	return o
}

// jsonDocument is the json callback's document in ansible-playbook's
// output, without lines printed before it (pause prints its prompt there).
func jsonDocument(out []byte) []byte {
	if i := bytes.Index(out, []byte("\n{")); i >= 0 && !bytes.HasPrefix(out, []byte("{")) {
		return out[i+1:]
	}
	return out
}

// debugLine renders what a debug task showed, when it was not skipped.
func debugLine(task, host string, r map[string]any) (string, bool) {
	if r["skipped"] == true {
		return "", false
	}
	shown := map[string]any{}
	for k, v := range r {
		if strings.HasPrefix(k, "_ansible") || k == "action" || k == "changed" || k == "failed" || k == "skipped" {
			continue
		}
		if k == "results" {
			var items []any
			for _, it := range v.([]any) {
				m, _ := it.(map[string]any)
				if m["skipped"] == true {
					continue
				}
				items = append(items, m["msg"])
			}
			v = items
		}
		shown[k] = v
	}
	if msg, ok := shown["msg"].(string); ok && r["failed"] == true {
		// where the error is and Ansible's guesses at its cause follow a blank line
		shown["msg"], _, _ = strings.Cut(msg, "\n\n")
	}
	b, _ := json.Marshal(normalizeJSON(shown))
	return task + " | " + host + " | " + string(b), true
}

// normalizeJSON makes numbers comparable (JSON decoding gives float64).
func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// debugCollector is an Output that keeps debug results and the recap.
type debugCollector struct {
	mu    sync.Mutex
	names map[*TaskInfo]string
	debug map[*TaskInfo][]string
	order []*TaskInfo
	text  *TextOutput
}

func (c *debugCollector) PlayStart(p *PlayInfo) { c.text.PlayStart(p) }
func (c *debugCollector) TaskStart(t *TaskInfo) {
	c.mu.Lock()
	c.order = append(c.order, t)
	c.mu.Unlock()
	c.text.TaskStart(t)
}
func (c *debugCollector) HostDone(t *TaskInfo, r *HostResult) {
	c.text.HostDone(t, r)
	if t.Action != "debug" {
		return
	}
	line, ok := debugLine(t.Name, r.Host, r.Result)
	if ok {
		c.mu.Lock()
		c.debug[t] = append(c.debug[t], line)
		c.mu.Unlock()
	}
}
func (c *debugCollector) TaskEnd(t *TaskInfo) { c.text.TaskEnd(t) }
func (c *debugCollector) Retry(r *RetryInfo)  { c.text.Retry(r) }
func (c *debugCollector) Warn(m string)       { c.text.Warn(m) }
func (c *debugCollector) Recap(s *Stats)      { c.text.Recap(s) }

// runDrover runs the playbook in process on localhost.
func runDrover(t *testing.T, book, work string, d directives) observed {
	t.Helper()
	extra := map[string]any{"workdir": work}
	for _, e := range d.extra {
		kv, err := tasks.ParseKV(e, false)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range kv {
			extra[k] = v
		}
	}
	var buf bytes.Buffer
	col := &debugCollector{names: map[*TaskInfo]string{}, debug: map[*TaskInfo][]string{}, text: newPlainOutput(&buf, 0, d.diff)}
	opts := Options{ExtraVars: extra, Tags: d.tags, SkipTags: d.skipTags, Check: d.check, Diff: d.diff, Output: col}
	configure(t, &opts, d)
	stats := runBookOver(t, book, d.inventory, d.ssh, opts)
	o := observed{Recap: map[string]HostStats{}, Files: snapshot(t, work), Output: buf.String()}
	for _, h := range stats.Hosts() {
		o.Recap[h] = stats.Host(h)
	}
	for _, ti := range col.order {
		lines := col.debug[ti]
		sort.Strings(lines)
		o.Debug = append(o.Debug, lines...)
	}
	return o
}

// configure reads Ansible's configuration with the env directives over the
// test's environment and applies it as cmd/drover does.
func configure(t *testing.T, opts *Options, d directives) {
	t.Helper()
	env := map[string]string{}
	for _, e := range d.environ() {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	cfg, err := ansiblecfg.Load(ansiblecfg.Options{LookupEnv: func(k string) (string, bool) {
		if v, ok := env[k]; ok {
			return v, true
		}
		return os.LookupEnv(k)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var lo LoadOptions
	lo.ApplyConfig(cfg)
	lo.ExtraVars = opts.ExtraVars
	opts.Loader = NewLoader(lo)
	if err := opts.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	opts.ForceHandlers = cfg.ForceHandlers
}

// runBook loads and runs a playbook on localhost with a local connection.
func runBook(t *testing.T, book, inventoryPath string, opts Options) *Stats {
	t.Helper()
	return runBookOver(t, book, inventoryPath, false, opts)
}

// runBookOver is runBook; with ssh set, hosts are reached as drover reaches
// them (ssh, unless ansible_connection says otherwise), not all locally.
func runBookOver(t *testing.T, book, inventoryPath string, ssh bool, opts Options) *Stats {
	t.Helper()
	loader := opts.Loader
	if loader == nil {
		loader = NewLoader(LoadOptions{})
	}
	pb, err := loader.Playbook(book)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(pb); err != nil {
		t.Fatal(err)
	}
	source := "localhost,"
	if inventoryPath != "" {
		source = inventoryPath
	}
	inv, err := inventory.Load(context.Background(), []string{source}, inventory.Options{
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }})
	if err != nil {
		t.Fatal(err)
	}
	opts.Inventory = inv
	opts.Local = local.New()
	opts.Connect = func(context.Context, string, map[string]any) (transport.Conn, error) { return local.New(), nil }
	becomes := become.NewCache()
	defer becomes.Close()
	opts.WrapBecome = func(conn transport.Conn, b tasks.Become) (transport.Conn, error) {
		return becomes.Wrap(conn, become.Options{Method: b.Method, User: b.User, Password: b.Password, Exe: b.Exe, Flags: b.Flags})
	}
	if ssh {
		opener, err := hostconn.New(hostconn.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer opener.Close()
		opts.Connect = opener.Open
	}
	stats, err := Run(context.Background(), pb, opts)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// snapshot lists the files under dir: relative path → mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.IsDir() {
			out[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
			return nil
		}
		b, _ := os.ReadFile(p)
		out[rel] = fmt.Sprintf("%o %q", fi.Mode().Perm(), b)
		return nil
	})
	return out
}

// newPlainOutput is drover's output without colours or progress; diffs show
// whenever a result has one, whatever diff says.
func newPlainOutput(w *bytes.Buffer, verbosity int, diff bool) *TextOutput {
	return NewTextOutput(&ui.Printer{Out: w, Err: w}, verbosity)
}
