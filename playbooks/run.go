package playbooks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
)

// Options are everything a run needs besides the playbook.
type Options struct {
	Inventory *inventory.Inventory
	// Limit further restricts the hosts of every play (-l).
	Limit string
	// Connect opens the connection to a host, given its variables (its
	// inventory variables with the play's remote_user/connection/port
	// applied). The run opens each host once and reuses the connection.
	Connect func(ctx context.Context, host string, vars map[string]any) (transport.Conn, error)
	// Local is the controller.
	Local transport.Conn
	// WrapBecome returns a connection that runs commands and file
	// operations as b.User; nil means become is not available.
	WrapBecome func(conn transport.Conn, b tasks.Become) (transport.Conn, error)

	Forks          int
	Tags, SkipTags []string
	ExtraVars      map[string]any
	Check, Diff    bool
	Verbosity      int
	StartAtTask    string
	ForceHandlers  bool
	// Step asks before each task whether to run it (--step), through
	// Prompt.
	Step           bool
	RemoteUser     string // -u
	Connection     string // -c: the connection of hosts whose variables and play name none
	Become         bool   // -b
	BecomeUser     string
	BecomeMethod   string
	BecomePassword string
	// BecomeFlags and BecomeExe are become_flags and become_exe where no
	// keyword or variable sets them (the configuration's); "" leaves the
	// method's own.
	BecomeFlags, BecomeExe string
	// Prompt asks the person at the terminal (vars_prompt, pause); nil when
	// there is no terminal.
	Prompt func(ctx context.Context, prompt string, echo bool) (string, error)
	// Redactor holds the run's secrets; modules add those they learn (see
	// tasks.Call.Redactor). Output masks with it separately.
	Redactor *redact.Redactor
	// Vault decrypts vault-encrypted controller files that modules and
	// with_file read (copy, template, script and unarchive sources), in
	// memory, registering their content as secret; nil when no vault
	// password was given. See tasks.Call.Vault.
	Vault func(name string, data []byte) ([]byte, error)

	Output Output
	Loader *Loader // reads include_tasks files; a new one when nil
	Env    *jinja.Env

	// Settings of Ansible's configuration (internal/ansiblecfg); the zero
	// value of each is Ansible's default.

	// HashBehaviour is "merge" to merge dictionaries of the same variable
	// from different sources (hash_behaviour); "" or "replace" replaces.
	HashBehaviour string
	// AllowUndefinedVars makes an undefined variable in a template render
	// as its name instead of failing (error_on_undefined_vars = false).
	AllowUndefinedVars bool
	// Jinja2Native keeps the native type of a template's result
	// (jinja2_native).
	Jinja2Native bool
	// AnyErrorsFatal is any_errors_fatal for every play that does not set it.
	AnyErrorsFatal bool
	// HostPatternMismatch is what a play pattern matching no host does
	// (host_pattern_mismatch): "warning" (also ""), "error" or "ignore".
	HostPatternMismatch string
	// Gathering is when facts are gathered for plays without gather_facts
	// (gathering): "implicit" (also ""), "explicit" or "smart" (only hosts
	// without facts, cached facts included).
	Gathering string
	// GatherSubset and GatherTimeout are gather_subset and gather_timeout
	// for plays that do not set them (nil, 0: the setup module's defaults).
	GatherSubset  []string
	GatherTimeout int
	// FactsModules are the modules gather_facts runs (facts_modules); nil
	// means smart (setup).
	FactsModules []string
	// InterpreterPython is interpreter_python, for the modules' Calls.
	InterpreterPython string
	// FactCache keeps facts between runs (fact_caching = jsonfile); nil
	// keeps them in memory for the run only.
	FactCache FactCache
	// WarnMissingHandler makes a notify naming no handler a warning; by
	// default it stops the run (error_on_missing_handler).
	WarnMissingHandler bool
	// TaskTimeout is the timeout, in seconds, of tasks that do not set
	// timeout: (task_timeout); 0 means none.
	TaskTimeout int
	// ConfigFile is the configuration file read (ansible_config_file); ""
	// when none.
	ConfigFile string
	// OutputLimit is the most bytes of each of a command's stdout and
	// stderr kept per host (--output-limit); 0 is tasks.OutputLimit.
	OutputLimit int64
}

// FactCache stores hosts' facts between runs.
type FactCache interface {
	// Get returns a host's cached facts; ok is false when there are none
	// or they expired.
	Get(host string) (facts map[string]any, ok bool, err error)
	// Set replaces a host's cached facts.
	Set(host string, facts map[string]any) error
	// Delete forgets a host's cached facts (--flush-cache).
	Delete(host string) error
}

// Stats are the recap counters of every host, counted as Ansible counts
// them.
type Stats struct {
	mu    sync.Mutex
	hosts map[string]*HostStats
	order []string
	// forgiven are the failures meta: clear_host_errors cleared, per
	// host: they stay in the recap but no longer make the exit status.
	forgiven map[string]int
	// custom are set_stats' statistics per host ("" for the run).
	custom map[string]map[string]any
	// Interrupted is set when the run was cancelled.
	Interrupted bool
}

// HostStats are one host's PLAY RECAP counters.
type HostStats struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failures"`
	Skipped     int `json:"skipped"`
	Rescued     int `json:"rescued"`
	Ignored     int `json:"ignored"`
}

func newStats() *Stats { return &Stats{hosts: map[string]*HostStats{}} }

func (s *Stats) add(host string, f func(*HostStats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hosts[host]
	if !ok {
		h = &HostStats{}
		s.hosts[host] = h
		s.order = append(s.order, host)
	}
	f(h)
}

// Hosts lists the hosts worked on (an interrupted task counts), sorted by
// name.
func (s *Stats) Hosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.order...)
	sort.Strings(out)
	return out
}

// Host returns a copy of one host's counters.
func (s *Stats) Host(name string) HostStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.hosts[name]; ok {
		return *h
	}
	return HostStats{}
}

// forgive records that a host's failures so far were cleared.
func (s *Stats) forgive(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.hosts[host]; ok && h.Failed > 0 {
		if s.forgiven == nil {
			s.forgiven = map[string]int{}
		}
		s.forgiven[host] = h.Failed
	}
}

// ExitCode is the exit status Ansible's counters give: 2 when a host failed
// (and meta: clear_host_errors did not clear it since), 3 when one was
// unreachable and none failed, else 0.
func (s *Stats) ExitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	unreachable := false
	for name, h := range s.hosts {
		if h.Failed > s.forgiven[name] {
			return 2
		}
		unreachable = unreachable || h.Unreachable > 0
	}
	if unreachable {
		return 3
	}
	return 0
}

// run is the state of one playbook run.
type run struct {
	ctx       context.Context // the run's context, for I/O lookups do
	opts      Options
	env       *jinja.Env
	loader    *Loader
	out       Output
	stats     *Stats
	extraVars map[string]any
	sem       chan struct{}
	workers   *workers // goroutines that run tasks on hosts
	roles     roleRuns
	// session is what modules keep for the run (tasks.Session), ended
	// before the connections close.
	session *tasks.Session

	mu        sync.Mutex
	hosts     map[string]*hostState
	conns     map[string]*connEntry
	failed    map[string]bool // failed or unreachable in an earlier play
	started   bool            // --start-at-task reached
	stopAll   bool            // any_errors_fatal, a whole batch failed
	fatal     error           // a file an include loaded is bad: the run stops, as Ansible's does
	playEnded bool            // meta: end_play in the current play
	warmFiles bool            // start file operations as soon as a host connects
	becomes   map[string]transport.Conn
	omit      string
	homeDirs  map[string]string

	stepMu   sync.Mutex
	stepDone bool // --step ended by "continue"
}

type connEntry struct {
	once sync.Mutex
	conn transport.Conn
}

// Run runs every play of pb and returns the recap counters. The error is
// non-nil only for problems that stop the run: before hosts are reached, or
// a bad file that an include loads while the run goes (no recap is printed
// then, as Ansible prints none).
func Run(ctx context.Context, pb *Playbook, opts Options) (*Stats, error) {
	r := newRun(opts)
	r.ctx = ctx
	defer r.closeConns()
	defer r.session.End(context.WithoutCancel(ctx))
	defer r.workers.stop()
	if pr, ok := r.out.(PlaybookReporter); ok {
		pr.PlaybookStart(pb.Path, len(pb.Plays))
	}
	for _, p := range pb.Plays {
		if ctx.Err() != nil || r.stopAll {
			break
		}
		if err := r.runPlay(ctx, p); err != nil {
			return r.stats, err
		}
	}
	if err := r.fatalErr(); err != nil {
		return r.stats, err
	}
	r.stats.Interrupted = ctx.Err() != nil
	r.out.Recap(r.stats)
	return r.stats, nil
}

// abort stops the run for an error found while it runs: a bad file an
// include loads (ansible-playbook stops with ERROR! and status 4) or an
// error carrying its exit status (exitcode.RunError). Run returns it.
func (r *run) abort(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.stopAll = true
}

func (r *run) fatalErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal
}

func newRun(opts Options) *run {
	if opts.Forks <= 0 {
		opts.Forks = 50
	}
	if opts.Env == nil {
		opts.Env = jinja.New()
		opts.Env.Native = opts.Jinja2Native
	}
	registerLookups(opts.Env)
	registerControllerFilters(opts.Env)
	maskDerivedSecrets(opts.Env, opts.Redactor)
	if opts.Loader == nil {
		opts.Loader = NewLoader(LoadOptions{})
	}
	usePlugins(opts.Env, opts.Loader.plugins)
	if opts.Output == nil {
		opts.Output = nopOutput{}
	}
	r := &run{ctx: context.Background(), opts: opts, env: opts.Env, loader: opts.Loader, out: opts.Output, stats: newStats(),
		extraVars: opts.ExtraVars, sem: make(chan struct{}, opts.Forks), workers: newWorkers(),
		hosts: map[string]*hostState{}, conns: map[string]*connEntry{}, failed: map[string]bool{},
		becomes: map[string]transport.Conn{}, session: tasks.NewSession(),
		started: opts.StartAtTask == "", homeDirs: map[string]string{},
		omit: "__omit_place_holder__6b4a3f1c2f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}
	if r.extraVars == nil {
		r.extraVars = map[string]any{}
	}
	opts.Loader.plugins.SetWarn(r.out.Warn)
	return r
}

// host returns the run's state of an inventory host, creating it on first
// use; nil when the inventory has no such host.
func (r *run) host(name string) *hostState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h, ok := r.hosts[name]; ok {
		return h
	}
	if r.opts.Inventory == nil {
		return nil
	}
	ih, ok := r.opts.Inventory.Host(name)
	if !ok {
		return nil
	}
	vars, groups, _ := r.opts.Inventory.HostView(name)
	h := newHostState(ih.Name, vars, groups)
	r.loadCachedFacts(h)
	inv := r.opts.Inventory
	h.playInv = func(dir string) (map[string]any, error) { return inv.VarsWithPlaybookDir(ih, dir) }
	r.hosts[name] = h
	return h
}

// hostNames lists every inventory host.
func (r *run) hostNames() []string {
	if r.opts.Inventory == nil {
		return nil
	}
	var out []string
	for _, h := range r.opts.Inventory.Hosts() {
		out = append(out, h.Name)
	}
	return out
}

// selectHosts resolves a play's host patterns with the limit applied.
func (r *run) selectHosts(patterns []string) ([]string, error) {
	inv := r.opts.Inventory
	if inv == nil {
		return nil, fmt.Errorf("no inventory")
	}
	hosts, warns, err := inv.Select(strings.Join(patterns, ":"))
	if err != nil {
		return nil, err
	}
	if err := r.patternWarnings(warns); err != nil {
		return nil, err
	}
	if r.opts.Limit != "" {
		if hosts, warns, err = inv.Limit(hosts, r.opts.Limit); err != nil {
			return nil, err
		}
		if err := r.patternWarnings(warns); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	return out, nil
}

// patternWarnings prints the warnings of selecting hosts; a pattern that
// matches nothing is an error, a warning or nothing as
// Options.HostPatternMismatch says.
func (r *run) patternWarnings(warns []string) error {
	for _, w := range warns {
		if strings.HasPrefix(w, inventory.NoMatchWarning) {
			switch r.opts.HostPatternMismatch {
			case "error":
				return errors.New(w)
			case "ignore":
				continue
			}
		}
		r.out.Warn(w)
	}
	return nil
}

// conn returns the open connection to a host, opening it on first use.
func (r *run) conn(ctx context.Context, host string, varsOf func() (map[string]any, error)) (transport.Conn, error) {
	r.mu.Lock()
	e, ok := r.conns[host]
	if !ok {
		e = &connEntry{}
		r.conns[host] = e
	}
	r.mu.Unlock()
	e.once.Lock()
	defer e.once.Unlock()
	if e.conn != nil {
		return e.conn, nil
	}
	if r.opts.Connect == nil {
		return nil, &transport.UnreachableError{Host: host, Err: fmt.Errorf("no way to connect")}
	}
	vars, err := varsOf()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c, err := r.opts.Connect(ctx, host, vars)
	if cr, ok := r.out.(ConnectReporter); ok {
		cr.Connected(host, vars, time.Since(start), err)
	}
	if err != nil {
		if !transport.IsUnreachable(err) && !transport.IsUnknownConnection(err) {
			err = &transport.UnreachableError{Host: host, Err: err}
		}
		return nil, err
	}
	e.conn = c
	if r.warmFiles {
		// Start the file channel now, in parallel with the task that
		// connected, rather than in the first file task.
		go func() { _, _ = c.Stat(context.WithoutCancel(ctx), ".") }()
	}
	return c, nil
}

// closeConns closes every connection, all at once: closing one may wait
// for its host.
func (r *run) closeConns() {
	r.mu.Lock()
	defer r.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range r.conns {
		if e.conn != nil {
			wg.Go(func() { _ = e.conn.Close() })
		}
	}
	wg.Wait()
}
