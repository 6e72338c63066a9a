package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/drover/drover/internal/termin"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/drover/drover/internal/ansiblecfg"
	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/vault"
	"github.com/drover/drover/internal/yamlx"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/playbooks"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport/hostconn"
	"github.com/drover/drover/transport/local"
)

func init() { register(newPlayCmd) }

// playFlags are drover play's flags, in Ansible's spelling.
type playFlags struct {
	conn           connFlags
	limit          string
	tags, skipTags []string
	extraVars      []string
	check, diff    bool
	forks          int
	become         bool
	becomeUser     string
	becomeMethod   string
	askBecomePass  bool
	becomePassFile string
	connection     string
	listTasks      bool
	listHosts      bool
	listTags       bool
	listModules    bool
	syntaxCheck    bool
	startAt        string
	step           bool
	forceHandlers  bool
	flushCache     bool
	verbose        int
	json           bool
	ansibleOutput  bool
	modulePath     []string
	perHostRecap   bool
	outputLimit    outputLimitFlag
}

func newPlayCmd() *cobra.Command {
	var f playFlags
	cmd := &cobra.Command{
		Use:   "play [-i INVENTORY]... PLAYBOOK.yml...",
		Short: "Run Ansible-style playbooks",
		Long: "Run Ansible playbooks: plays, tasks, handlers, blocks, loops, Jinja templating and Ansible's\n" +
			"variable precedence, with each task shown once folded over its hosts and Ansible's PLAY RECAP.\n" +
			"Exit status: 0 ok, 2 a host failed, 3 a host unreachable, 4 bad playbook, 5 bad usage, 130 interrupted (99 called as ansible-playbook).",
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE:    func(cmd *cobra.Command, args []string) error { return runPlay(cmd.Context(), cmd.Flags(), &f, args) },
		Version: versionLine(),
	}
	cmd.SetVersionTemplate("{{.Version}}; play answers as ansible-playbook\n")
	fl := cmd.Flags()
	f.conn.register(fl)
	f.outputLimit.register(fl)
	fl.StringVarP(&f.connection, "connection", "c", "", "connection for hosts whose variables and play set none: ssh, local or telnet")
	fl.StringVar(&f.becomePassFile, "become-password-file", "", "read the become password from this file (- for standard input; run it if executable)")
	fl.StringArrayVarP(&f.modulePath, "module-path", "M", nil, "look for modules in these directories first (colon separated, repeatable)")
	fl.StringVarP(&f.limit, "limit", "l", "", "further limit the hosts to this pattern")
	fl.StringArrayVarP(&f.tags, "tags", "t", nil, "only run tasks tagged with these tags (comma separated, repeatable)")
	fl.StringArrayVar(&f.skipTags, "skip-tags", nil, "skip tasks tagged with these tags (comma separated, repeatable)")
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "extra variables: key=value, JSON/YAML, or @file (repeatable)")
	fl.BoolVarP(&f.check, "check", "C", false, "predict changes without making them")
	fl.BoolVarP(&f.diff, "diff", "D", false, "show the changes made to files")
	fl.IntVarP(&f.forks, "forks", "f", 50, "hosts worked on at once")
	fl.BoolVarP(&f.become, "become", "b", false, "run operations with become")
	fl.StringVar(&f.becomeUser, "become-user", "", "become this user (default root)")
	fl.StringVar(&f.becomeMethod, "become-method", "", "privilege escalation method: sudo (default) or su")
	fl.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for the become password")
	fl.BoolVar(&f.listTasks, "list-tasks", false, "list the tasks that would run, then exit")
	fl.BoolVar(&f.listHosts, "list-hosts", false, "list the hosts each play would run on, then exit")
	fl.BoolVar(&f.listTags, "list-tags", false, "list the tags of each play, then exit")
	fl.BoolVar(&f.listModules, "list-modules", false, "list the modules the playbooks can use: native, or run on the host's Python and from where; then exit")
	fl.BoolVar(&f.syntaxCheck, "syntax-check", false, "check the playbooks, then exit")
	fl.StringVar(&f.startAt, "start-at-task", "", "start the playbook at the task with this name")
	fl.BoolVar(&f.step, "step", false, "confirm each task before running it: (N)o/(y)es/(c)ontinue on the terminal")
	fl.BoolVar(&f.forceHandlers, "force-handlers", false, "run handlers even on hosts that failed")
	fl.BoolVar(&f.flushCache, "flush-cache", false, "forget the cached facts of every host of the inventory (fact_caching)")
	fl.CountVarP(&f.verbose, "verbose", "v", "show each host's result (-v), connection details (-vvv)")
	fl.BoolVar(&f.json, "json", false, "stream one JSON event per line")
	fl.BoolVar(&f.ansibleOutput, "ansible-output", false, "print ansible-playbook's default output line for line (also with ANSIBLE_STDOUT_CALLBACK=default)")
	fl.BoolVar(&f.perHostRecap, "per-host-recap", false, "one PLAY RECAP line per host, as Ansible prints it")
	return cmd
}

// runPlay reads the configuration, loads every playbook (so that any error
// is found before a host is touched), then runs them in turn. Its error is
// masked: no secret of the run reaches the message main prints.
func runPlay(ctx context.Context, fs *pflag.FlagSet, f *playFlags, paths []string) (err error) {
	if err := f.conn.applyConfig(fs); err != nil {
		return err
	}
	f.applyConfig(fs, f.conn.cfg)
	if f.forks <= 0 {
		return exitcode.Errorf(exitcode.Usage, "--forks must be positive, not %d", f.forks)
	}
	outputLimit, err := f.outputLimit.bytes()
	if err != nil {
		return err
	}
	if f.connection != "" && !hostconn.Supported(f.connection) {
		return exitcode.Errorf(exitcode.Usage, "-c %s: drover connects with ssh, local or telnet", f.connection)
	}
	if f.step && !term.IsTerminal(int(os.Stdin.Fd())) {
		return exitcode.Errorf(exitcode.Usage, "--step asks before each task and needs a terminal on standard input")
	}
	red := f.conn.secrets()
	defer func() { err = maskError(red, ansibleError(f, red, err)) }()
	keyring, err := openVault(ctx, &f.conn.vault, red)
	if err != nil {
		return err
	}
	vaultFn := vaultFunc(keyring)
	extra, err := parseExtraVars(f.extraVars, vaultFn)
	if err != nil {
		return err
	}
	lo := loadOptions(f.conn.cfg, vaultFn)
	lo.ExtraVars = extra
	lo.Library = append(splitPathList(f.modulePath), lo.Library...)
	loader := playbooks.NewLoader(lo)
	var books []*playbooks.Playbook
	for _, p := range paths {
		pb, err := loader.Playbook(p)
		if err != nil {
			return exitcode.New(exitcode.BadInput, err)
		}
		if err := playbooks.Check(pb); err != nil {
			return exitcode.New(exitcode.BadInput, err)
		}
		books = append(books, pb)
	}
	if f.listModules {
		return listModules(os.Stdout, loader)
	}
	if f.syntaxCheck {
		for _, p := range paths {
			fmt.Println("playbook: " + p)
		}
		return nil
	}
	inv, err := inventory.Load(ctx, f.conn.inventories, f.conn.unparsedPolicy(inventory.Options{Decrypt: vaultFn,
		Unsafe: func(s string) any { return jinja.Unsafe{V: s} }}))
	if err != nil {
		return exitcode.New(exitcode.BadInput, err)
	}
	if f.limit != "" && len(inv.Hosts()) > 0 {
		if err := requireHosts(inv, "all", f.limit, f.conn.patternMismatch()); err != nil {
			return err
		}
	}
	for _, h := range inv.Hosts() {
		registerHostSecrets(red, h.Vars)
	}
	registerHostSecrets(red, extra)
	opts := playbooks.Options{Inventory: inv, Limit: f.limit, Forks: f.forks, Tags: splitTags(f.tags),
		SkipTags: splitTags(f.skipTags), ExtraVars: extra, Check: f.check, Diff: f.diff, Verbosity: f.verbose,
		StartAtTask: f.startAt, ForceHandlers: f.forceHandlers, Step: f.step, RemoteUser: f.conn.user, Connection: f.connection, Become: f.become,
		BecomeUser: f.becomeUser, BecomeMethod: f.becomeMethod, Loader: loader, Local: local.New()}
	opts.OutputLimit = outputLimit
	if keyring != nil {
		opts.Vault = keyring.DecryptText
	}
	if err := engineConfig(&opts, f.conn.cfg); err != nil {
		return err
	}
	if f.listTasks || f.listHosts || f.listTags {
		w := red.Writer(os.Stdout)
		defer w.Close()
		return listPlaybooks(w, books, opts, f)
	}
	return runBooks(ctx, f, books, opts, red)
}

// runError is the error of a run that stopped: its own exit status when it
// carries one, else bad input (a file an include loaded is wrong).
func runError(err error) error {
	var e *exitcode.Error
	if errors.As(err, &e) {
		return err
	}
	return exitcode.New(exitcode.BadInput, err)
}

// applyConfig gives the flags not given on the command line their values
// from the configuration (forks, become, become_user, become_method,
// become_ask_pass, force_handlers, verbosity, tags, diff).
func (f *playFlags) applyConfig(fs *pflag.FlagSet, cfg *ansiblecfg.Config) {
	if !fs.Changed("forks") && cfg.IsSet("DEFAULT_FORKS") {
		f.forks = cfg.Forks
	}
	if !fs.Changed("become") {
		f.become = cfg.Become
	}
	if !fs.Changed("become-user") && cfg.IsSet("DEFAULT_BECOME_USER") {
		f.becomeUser = cfg.BecomeUser
	}
	if !fs.Changed("become-method") && cfg.IsSet("DEFAULT_BECOME_METHOD") {
		f.becomeMethod = cfg.BecomeMethod
	}
	if !fs.Changed("ask-become-pass") {
		f.askBecomePass = cfg.BecomeAskPass
	}
	if !fs.Changed("force-handlers") {
		f.forceHandlers = cfg.ForceHandlers
	}
	if !fs.Changed("verbose") {
		f.verbose = cfg.Verbosity
	}
	if !fs.Changed("tags") && len(cfg.TagsRun) > 0 {
		f.tags = cfg.TagsRun
	}
	if !fs.Changed("skip-tags") && len(cfg.TagsSkip) > 0 {
		f.skipTags = cfg.TagsSkip
	}
	if !fs.Changed("diff") {
		f.diff = cfg.DiffAlways
	}
}

func runBooks(ctx context.Context, f *playFlags, books []*playbooks.Playbook, opts playbooks.Options, red *redact.Redactor) error {
	pw, err := f.becomePassword(ctx)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	red.Add(pw)
	opts.BecomePassword = pw
	opts.Redactor = red
	closeConns, err := f.conn.connectEngine(ctx, &opts, red)
	if err != nil {
		return err
	}
	defer closeConns()
	opts.Output = playOutput(f, f.conn.cfg, red)
	warnings := opts.Inventory.Warnings()
	if len(opts.Inventory.Hosts()) == 0 && f.conn.cfg.LocalhostWarning {
		warnings = append(warnings, "provided hosts list is empty, only localhost is available. Note that the implicit localhost does not match 'all'")
	}
	for _, w := range append(warnings, opts.Loader.Warnings()...) {
		opts.Output.Warn(w)
	}
	if f.flushCache && opts.FactCache != nil {
		for _, h := range opts.Inventory.Hosts() {
			if err := opts.FactCache.Delete(h.Name); err != nil {
				return exitcode.New(exitcode.Usage, err)
			}
		}
	}
	code := exitcode.OK
	for _, pb := range books {
		stats, err := playbooks.Run(ctx, pb, opts)
		if err != nil {
			return runError(err)
		}
		if c := stats.ExitCode(); c > code {
			code = c
		}
		if ctx.Err() != nil {
			return exitcode.New(interruptedStatus(), nil)
		}
	}
	return exitcode.New(code, nil)
}

// becomePassword is the password of -K or --become-password-file; "" when
// neither was given.
func (f *playFlags) becomePassword(ctx context.Context) (string, error) {
	switch {
	case f.askBecomePass && f.becomePassFile != "":
		return "", errors.New("-K/--ask-become-pass and --become-password-file cannot be used together")
	case f.askBecomePass:
		return askSecret("BECOME password: ")
	case f.becomePassFile != "":
		return readPasswordFile(ctx, "--become-password-file", f.becomePassFile)
	}
	return "", nil
}

func redactFunc(r *redact.Redactor) func(string) string {
	return func(s string) string { return r.String(s) }
}

// openVault builds the vault keyring from the vault flags; nil when none
// were given.
func openVault(ctx context.Context, s *vault.Sources, red *redact.Redactor) (*vault.Keyring, error) {
	if !s.Given() {
		return nil, nil
	}
	if err := s.Validate(); err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	kr, err := s.Keyring(ctx)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err)
	}
	kr.SetRedactor(red)
	return kr, nil
}

// vaultFunc decrypts vault data with the keyring; nil without one.
func vaultFunc(kr *vault.Keyring) yamlx.VaultFunc {
	if kr == nil {
		return nil
	}
	return func(ciphertext []byte, where string) ([]byte, error) {
		if inlineWhere.MatchString(where) {
			plain, err := kr.DecryptInline(where, string(ciphertext))
			return []byte(plain), err
		}
		return kr.DecryptVars(where, ciphertext)
	}
}

// inlineWhere matches the FILE:LINE:COL origin of an inline !vault value.
var inlineWhere = regexp.MustCompile(`:\d+:\d+$`)

// parseExtraVars reads -e values: @file, JSON or YAML mappings, or
// key=value words; later ones win.
func parseExtraVars(list []string, vaultFn yamlx.VaultFunc) (map[string]any, error) {
	out := map[string]any{}
	for _, e := range list {
		m, err := parseExtra(e, vaultFn)
		if err != nil {
			return nil, exitcode.New(extraVarsCode(e), fmt.Errorf("-e %s: %w", e, err))
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// extraVarsCode is the exit status for an -e value that cannot be read: a
// file (@file) that is missing, malformed or cannot be decrypted is bad
// input, as a vars file is; a malformed value on the command line is bad
// usage.
func extraVarsCode(e string) int {
	if strings.HasPrefix(strings.TrimSpace(e), "@") {
		return exitcode.BadInput
	}
	return exitcode.Usage
}

func parseExtra(e string, vaultFn yamlx.VaultFunc) (map[string]any, error) {
	var f *yamlx.File
	var err error
	switch t := strings.TrimSpace(e); {
	case strings.HasPrefix(t, "@"):
		f, err = yamlx.LoadFile(strings.TrimPrefix(t, "@"), vaultFn)
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "---"):
		f, err = yamlx.Load("extra vars", []byte(t), vaultFn)
	default:
		return kvExtra(t)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Docs) == 0 {
		return nil, nil
	}
	v, err := f.Value(f.Docs[0], yamlx.Options{Vault: vaultFn, Unsafe: func(s string) any { return jinja.Unsafe{V: s} }, Ordered: orderedDict})
	if err != nil {
		return nil, err
	}
	d, ok := v.(*jinja.Dict)
	if !ok && v != nil {
		return nil, errors.New("extra vars must be a mapping")
	}
	m := map[string]any{}
	if d != nil {
		for _, k := range d.Keys() {
			ks, _ := k.(string)
			m[ks], _ = d.Get(k)
		}
	}
	return m, nil
}

// orderedDict keeps the order of the mappings of extra vars (as Python's
// dicts do) for yamlx.Options.Ordered.
func orderedDict(keys []string, values []any) any {
	d := jinja.NewDict(len(keys))
	for i, k := range keys {
		d.Set(k, values[i])
	}
	return d
}

// kvExtra parses key=value words; values stay strings, as in Ansible.
func kvExtra(s string) (map[string]any, error) {
	m, err := tasks.ParseKV(s, false)
	if err != nil {
		return nil, err
	}
	if raw, ok := m["_raw_params"]; ok {
		return nil, fmt.Errorf("%q is not key=value", raw)
	}
	return m, nil
}

func splitTags(list []string) []string {
	var out []string
	for _, l := range list {
		for _, t := range strings.Split(l, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// terminalPrompt asks on the terminal, echoing or not.
func terminalPrompt(_ context.Context, prompt string, echo bool) (string, error) {
	if !echo {
		return termin.ReadHidden(os.Stdin, os.Stderr, prompt)
	}
	fmt.Fprint(os.Stderr, prompt)
	var line []byte
	buf := make([]byte, 1)
	for {
		n, err := os.Stdin.Read(buf)
		if n == 1 && buf[0] != '\n' {
			line = append(line, buf[0])
		}
		if err != nil || (n == 1 && buf[0] == '\n') {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return strings.TrimRight(string(line), "\r"), err
		}
	}
}

// listPlaybooks prints --list-hosts, --list-tasks and --list-tags.
func listPlaybooks(w io.Writer, books []*playbooks.Playbook, opts playbooks.Options, f *playFlags) error {
	for _, pb := range books {
		fmt.Fprintf(w, "\nplaybook: %s\n", pb.Path)
		list, err := playbooks.List(pb, opts)
		if err != nil {
			return exitcode.New(exitcode.BadInput, err)
		}
		for i, pl := range list {
			fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: [%s]\n", i+1, strings.Join(pl.Patterns, ","), pl.Name, strings.Join(pl.Tags, ","))
			if f.listHosts {
				fmt.Fprintf(w, "    pattern: %s\n    hosts (%d):\n", jsonList(pl.Patterns), len(pl.Hosts))
				for _, h := range pl.Hosts {
					fmt.Fprintf(w, "      %s\n", h)
				}
			}
			if f.listTasks {
				fmt.Fprintln(w, "    tasks:")
				for _, t := range pl.Tasks {
					fmt.Fprintf(w, "      %s\tTAGS: [%s]\n", t.Name, strings.Join(t.Tags, ", "))
				}
			}
			if f.listTags {
				all := map[string]bool{}
				for _, t := range pl.Tasks {
					for _, tag := range t.Tags {
						all[tag] = true
					}
				}
				var tags []string
				for t := range all {
					tags = append(tags, t)
				}
				sort.Strings(tags)
				fmt.Fprintf(w, "      TASK TAGS: [%s]\n", strings.Join(tags, ", "))
			}
		}
	}
	return nil
}

func jsonList(l []string) string {
	b, _ := json.Marshal(l)
	return string(b)
}
