package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/fqcn"
	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/hostconn"
)

func init() { register(newRunCmd) }

// runOptions are the flags of drover run.
type runOptions struct {
	conn    connFlags
	module  string
	args    string
	forks   int
	limit   string
	json    bool
	base64  bool
	verbose int
	adhoc   adhocFlags
	output  outputLimitFlag
}

func newRunCmd() *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [-i INVENTORY] PATTERN [-m MODULE -a ARGS | -- COMMAND...]",
		Short: "Run one command on every host a pattern selects, in parallel",
		Long: `Run one command on every host a pattern selects, in parallel.

After --, the words form one command line for each host's shell, as ssh runs it.
With -m command (the default) -a is split into words and run without a shell;
-m shell and -m raw pass -a to the shell. Any other module (-m copy, -m ping, ...)
runs as one ad-hoc task through the playbook engine, as ansible -m does, with -a
as key=value words or a JSON object; so do command, shell and raw with -b, -e,
-C or -D.`,
		Example: `  drover run localhost -- uname -a
  drover run -i /tmp/lab/inventory.yml lab -- uname -r
  drover run -i 'web1,web2:2222,' all -m shell -a 'df -h / | tail -1'
  drover run -i inventory.yml web -b -m copy -a 'src=motd dest=/etc/motd mode=0644'`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), cmd, args)
		},
	}
	f := cmd.Flags()
	o.conn.register(f)
	o.output.register(f)
	f.StringVarP(&o.module, "module-name", "m", "command", "module to run (command, shell and raw run directly)")
	f.StringVarP(&o.args, "args", "a", "", "module arguments")
	f.IntVarP(&o.forks, "forks", "f", 50, "hosts to work on at once")
	f.StringVarP(&o.limit, "limit", "l", "", "further limit the selected hosts to this pattern")
	f.BoolVar(&o.json, "json", false, "print one JSON object per host result")
	f.BoolVar(&o.base64, "base64", false, "with --json, give output that is not UTF-8 base64-encoded (stdout_base64, stderr_base64), byte for byte")
	f.CountVarP(&o.verbose, "verbose", "v", "show more (-vvv: connection details)")
	o.adhoc.register(f)
	return cmd
}

// run runs the command on every host; secrets (vault values, the hosts'
// passwords) are masked in all it prints, its error included.
func (o *runOptions) run(ctx context.Context, cmd *cobra.Command, args []string) (err error) {
	if err := o.conn.applyConfig(cmd.Flags()); err != nil {
		return err
	}
	if !cmd.Flags().Changed("forks") && o.conn.cfg.IsSet("DEFAULT_FORKS") {
		o.forks = o.conn.cfg.Forks
	}
	limit, err := o.output.bytes()
	if err != nil {
		return err
	}
	if o.viaEngine(cmd, args) {
		return o.runModule(ctx, args[0])
	}
	red := o.conn.secrets()
	defer func() { err = maskError(red, err) }()
	if o.adhoc.given() {
		return exitcode.Errorf(exitcode.Usage, "-b, -K, -e, -C and -D apply to -m/-a, not to a command after --")
	}
	command, err := o.command(cmd, args)
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	if o.forks < 1 {
		return exitcode.Errorf(exitcode.Usage, "--forks must be at least 1, not %d", o.forks)
	}
	hosts, err := o.conn.selectHosts(ctx, args[0], o.limit)
	if err != nil {
		return err
	}
	opener, err := o.conn.opener(ctx)
	if err != nil {
		return err
	}
	defer opener.Close()
	p := ui.New()
	start := time.Now()
	results := runAll(ctx, hosts, o.forks, o.sink(p, hostNames(hosts)), func(ctx context.Context, h *inventory.Host) ui.HostResult {
		return maskHostResult(red, runOnHost(ctx, opener, h, command, limit))
	})
	if !o.json && len(hosts) > 0 {
		p.PrintFolded(results)
		p.Summary(results, time.Since(start))
	}
	return runStatus(ctx, results, len(hosts))
}

// command turns the arguments after the pattern, or -m/-a, into the command
// each host runs.
func (o *runOptions) command(cmd *cobra.Command, args []string) (transport.Command, error) {
	words := args[1:]
	if dash := cmd.ArgsLenAtDash(); dash > 1 {
		return transport.Command{}, fmt.Errorf("one PATTERN before --, got %q", args[:dash])
	} else if dash < 0 && len(words) > 0 {
		return transport.Command{}, fmt.Errorf("one PATTERN expected, got %q (put the command after --)", args)
	}
	if len(words) > 0 {
		if cmd.Flags().Changed("args") || cmd.Flags().Changed("module-name") {
			return transport.Command{}, errors.New("give either -m/-a or a command after --, not both")
		}
		return transport.Command{Shell: strings.Join(words, " ")}, nil
	}
	return moduleCommand(o.module, o.args)
}

func moduleCommand(module, args string) (transport.Command, error) {
	if strings.TrimSpace(args) == "" {
		return transport.Command{}, fmt.Errorf("module %s needs arguments: -a ARGS, or a command after --", module)
	}
	switch fqcn.Short(module) {
	case "command":
		argv, err := shlex.Split(args)
		if err != nil {
			return transport.Command{}, fmt.Errorf("-a: %w", err)
		}
		return transport.Command{Argv: argv}, nil
	case "shell", "raw":
		return transport.Command{Shell: args}, nil
	}
	return transport.Command{}, fmt.Errorf("drover run does not know module %q (command, shell, raw)", module)
}

// sink receives each host's result as it finishes.
type sink func(ui.HostResult)

func (o *runOptions) sink(p *ui.Printer, names []string) sink {
	if o.json {
		enc := json.NewEncoder(p.Out)
		var mu sync.Mutex
		return func(r ui.HostResult) {
			if r.Host == "" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			_ = enc.Encode(jsonResult(r, o.base64))
		}
	}
	prog := p.NewProgress("", names)
	return func(r ui.HostResult) {
		if r.Host == "" {
			prog.Stop()
			return
		}
		prog.Done(r.Host, r.Status)
	}
}

type hostJSON struct {
	Host         string  `json:"host"`
	Status       string  `json:"status"`
	RC           int     `json:"rc"`
	Stdout       string  `json:"stdout"`
	Stderr       string  `json:"stderr"`
	StdoutBase64 string  `json:"stdout_base64,omitempty"`
	StderrBase64 string  `json:"stderr_base64,omitempty"`
	Msg          string  `json:"msg,omitempty"`
	Duration     float64 `json:"duration"`
}

// jsonResult is one line of drover run --json. JSON strings hold UTF-8
// only: other bytes become U+FFFD, or with lossless the whole output is
// given base64-encoded instead.
func jsonResult(r ui.HostResult, lossless bool) hostJSON {
	j := hostJSON{Host: r.Host, Status: string(r.Status), RC: r.RC, Stdout: r.Stdout, Stderr: r.Stderr,
		Msg: r.Msg, Duration: r.Duration.Seconds()}
	if lossless && !utf8.ValidString(j.Stdout) {
		j.Stdout, j.StdoutBase64 = "", base64.StdEncoding.EncodeToString([]byte(r.Stdout))
	}
	if lossless && !utf8.ValidString(j.Stderr) {
		j.Stderr, j.StderrBase64 = "", base64.StdEncoding.EncodeToString([]byte(r.Stderr))
	}
	return j
}

// runAll runs work on every host, at most forks at once, and returns the
// results in host order. Each result also goes to done as it arrives; a final
// empty result tells done that all have finished. Hosts not started before
// ctx ends are left out.
func runAll(ctx context.Context, hosts []*inventory.Host, forks int, done sink,
	work func(context.Context, *inventory.Host) ui.HostResult) []ui.HostResult {
	results := make([]ui.HostResult, len(hosts))
	started := make([]bool, len(hosts))
	sem := make(chan struct{}, forks)
	var wg sync.WaitGroup
	for i, h := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		started[i] = true
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = work(ctx, h)
			done(results[i])
		}()
	}
	wg.Wait()
	done(ui.HostResult{})
	var out []ui.HostResult
	for i, r := range results {
		if started[i] {
			out = append(out, r)
		}
	}
	return out
}

// runOnHost connects to h and runs command there, keeping limit bytes of
// each of its stdout and stderr.
func runOnHost(ctx context.Context, opener *hostconn.Opener, h *inventory.Host, command transport.Command, limit int64) ui.HostResult {
	start := time.Now()
	r := ui.HostResult{Host: h.Name}
	conn, err := opener.Open(ctx, h.Name, h.Vars)
	if err == nil {
		var res transport.Result
		res, err = tasks.RunCapped(ctx, conn, command, limit)
		r.RC, r.Stdout, r.Stderr = res.ExitCode, string(res.Stdout), string(res.Stderr)
		if res.Signal != "" && err == nil {
			r.Msg = "killed by signal " + res.Signal
		}
	}
	r.Duration = time.Since(start)
	r.Status = hostStatus(ctx, r, err)
	if err != nil {
		r.Msg = errorReason(ctx, err)
	}
	return r
}

func hostStatus(ctx context.Context, r ui.HostResult, err error) ui.Status {
	switch {
	case err != nil && ctx.Err() == nil && transport.IsUnreachable(err):
		return ui.StatusUnreachable
	case err != nil, r.RC != 0:
		return ui.StatusFailed
	}
	return ui.StatusOK
}

func errorReason(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "interrupted"
	}
	var u *transport.UnreachableError
	if errors.As(err, &u) {
		return u.Err.Error()
	}
	return err.Error()
}

// runStatus is the exit status for a finished run: interrupted, failed,
// unreachable, warning (a probe's) or ok, in that order of precedence.
func runStatus(ctx context.Context, results []ui.HostResult, total int) error {
	if ctx.Err() != nil {
		return exitcode.New(exitcode.Interrupted, fmt.Errorf("interrupted: %d of %d hosts finished", countDone(results), total))
	}
	code := exitcode.OK
	for _, r := range results {
		switch {
		case r.Status == ui.StatusFailed:
			code = exitcode.Failed
		case r.Status == ui.StatusUnreachable && code != exitcode.Failed:
			code = exitcode.Unreachable
		case r.Status == ui.StatusWarning && code == exitcode.OK:
			code = exitcode.Warning
		}
	}
	return exitcode.New(code, nil)
}

func countDone(results []ui.HostResult) int {
	n := 0
	for _, r := range results {
		if r.Msg != "interrupted" {
			n++
		}
	}
	return n
}
