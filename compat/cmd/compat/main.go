// Command compat runs ansible-core 2.14's integration targets as
// ansible-test runs them on the controller, first with ansible-playbook
// (the oracle), then with drover answering as ansible-playbook, and writes
// the comparison table (see package compat and README.md).
//
//	go run ./compat/cmd/compat -drover bin/drover [flags] [TARGET...]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/drover/drover/compat"
)

// options are the command's flags.
type options struct {
	suite, drover, ansible string
	out, table, oracle     string
	render                 string
	passing                string
	runners                string
	timeout                time.Duration
	jobs, verbosity        int
	retries                int
	allowDestructive       bool
	keep, update, list     bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, parseFlags(), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(1)
	}
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.suite, "suite", "", "the suite's directory (default $"+compat.SuiteEnv+", else shared/ansible-2.14-integration beside the clone)")
	flag.StringVar(&o.drover, "drover", "bin/drover", "the drover binary under test")
	flag.StringVar(&o.ansible, "ansible-playbook", "", "Ansible's ansible-playbook, the oracle (default: the one on PATH)")
	flag.StringVar(&o.out, "out", "", "directory for logs, report.md and report.json (default a new one under $TMPDIR)")
	flag.StringVar(&o.table, "table", "", "also write the Markdown table to this file")
	flag.StringVar(&o.oracle, "oracle", "", "take Ansible's results from these report.json files (comma-separated, later ones win) of earlier runs instead of running Ansible again (with -render: replace the report's)")
	flag.StringVar(&o.passing, "passing", "compat/passing.txt", "the passing list -update rewrites")
	flag.StringVar(&o.runners, "runners", "ansible,drover", "which runners run: ansible, drover or both")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "time limit of one runner on one target (its setup targets included)")
	flag.IntVar(&o.jobs, "j", 1, "targets run at once (they share the machine: 1 unless it is idle)")
	flag.IntVar(&o.verbosity, "verbosity", 0, "-v flags given to each target's runme.sh or playbook, as ansible-test -v…")
	flag.IntVar(&o.retries, "retry-timeouts", 1, "times a run that timed out is run again before it counts")
	flag.BoolVar(&o.allowDestructive, "allow-destructive", false, "also run destructive targets and those that change this machine (users, packages, services)")
	flag.BoolVar(&o.keep, "keep", false, "keep each run's temporary directory")
	flag.BoolVar(&o.update, "update", false, "rewrite -passing from this run (a target is only added when Ansible passes it too)")
	flag.StringVar(&o.render, "render", "", "run nothing: render this report.json again (error lines taken afresh from its logs, Ansible's results from -oracle) into its directory and -table")
	flag.BoolVar(&o.list, "list", false, "print the targets that would run and the skipped ones, then exit")
	flag.Parse()
	return o
}

func run(ctx context.Context, o *options, names []string) (err error) {
	if o.render != "" {
		return o.rerender()
	}
	if o.suite == "" {
		if o.suite, err = compat.Locate("."); err != nil {
			return err
		}
	}
	all, err := compat.LoadTargets(o.suite)
	if err != nil {
		return err
	}
	sel := compat.Selection{AllowDestructive: o.allowDestructive, Root: os.Geteuid() == 0, Arch: arch(ctx)}
	if o.out == "" {
		if o.out, err = os.MkdirTemp("", "drover-compat-"+time.Now().Format("20060102-150405")+"-"); err != nil {
			return err
		}
	}
	env, err := compat.NewEnv(ctx, o.suite, filepath.Join(o.out, "logs"))
	if err != nil {
		return err
	}
	sel.PythonVersion = env.PythonVersion
	targets, skipped, err := compat.Select(all, names, sel)
	if err != nil {
		return err
	}
	if o.list {
		printSelection(targets, skipped)
		return nil
	}
	runners, err := o.pickRunners()
	if err != nil {
		return err
	}
	env.Timeout, env.Verbosity, env.Keep = o.timeout, o.verbosity, o.keep
	rep := &compat.Report{Started: time.Now(), Drover: droverVersion(ctx, runners), Timeout: o.timeout, OracleFrom: o.oracleNote()}
	for _, s := range skipped {
		rep.Skipped = append(rep.Skipped, compat.SkipEntry{Target: s.Target.Name, Kind: s.Target.Kind, Reason: s.Reason})
	}
	oracle, err := o.loadOracle()
	if err != nil {
		return err
	}
	rep.Results = runAll(ctx, env, targets, runners, oracle, o)
	rep.Sort()
	return o.finish(rep)
}

// pickRunners resolves -runners, -drover and -ansible-playbook to
// absolute executables.
func (o *options) pickRunners() (map[string]compat.Runner, error) {
	out := map[string]compat.Runner{}
	for _, name := range strings.Split(o.runners, ",") {
		path := map[string]string{"ansible": o.ansible, "drover": o.drover}
		p, ok := path[name]
		if !ok {
			return nil, fmt.Errorf("-runners: unknown runner %q (ansible, drover)", name)
		}
		if p == "" {
			p = "ansible-playbook"
		}
		abs, err := exec.LookPath(p)
		if err == nil {
			abs, err = filepath.Abs(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = compat.Runner{Name: name, Path: abs}
	}
	return out, nil
}

// oracleNote says where Ansible's results come from: the -oracle reports
// and when each ran; "" without -oracle.
func (o *options) oracleNote() string {
	if o.oracle == "" {
		return ""
	}
	var notes []string
	for _, path := range strings.Split(o.oracle, ",") {
		if rep, err := compat.LoadReport(path); err == nil {
			notes = append(notes, fmt.Sprintf("%s (run %s)", path, rep.Started.Format(time.RFC3339)))
		}
	}
	return strings.Join(notes, ", then ")
}

// loadOracle reads Ansible's outcomes from the reports of -oracle (a
// comma-separated list: a later report's outcome for a target wins).
func (o *options) loadOracle() (map[string]*compat.Outcome, error) {
	if o.oracle == "" {
		return nil, nil
	}
	out := map[string]*compat.Outcome{}
	for _, path := range strings.Split(o.oracle, ",") {
		rep, err := compat.LoadReport(path)
		if err != nil {
			return nil, err
		}
		for t, outcome := range rep.Oracle() {
			out[t] = outcome
		}
	}
	return out, nil
}

// runAll runs the targets, o.jobs at a time, each with Ansible (unless its
// result is in oracle) then drover, printing a line per target.
func runAll(ctx context.Context, env *compat.Env, targets []compat.Target, runners map[string]compat.Runner,
	oracle map[string]*compat.Outcome, o *options) []compat.Result {
	results := make([]compat.Result, len(targets))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < max(o.jobs, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := runTarget(ctx, env, targets[i], runners, oracle, o.retries)
				if ctx.Err() != nil {
					continue // interrupted: not a result
				}
				results[i] = r
				mu.Lock()
				done++
				fmt.Fprintf(os.Stderr, "[%d/%d] %s\n", done, len(targets), progress(results[i]))
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range targets {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	var ran []compat.Result
	for _, r := range results {
		if r.Target != "" {
			ran = append(ran, r)
		}
	}
	return ran
}

func runTarget(ctx context.Context, env *compat.Env, t compat.Target, runners map[string]compat.Runner,
	oracle map[string]*compat.Outcome, retries int) compat.Result {
	r := compat.Result{Target: t.Name, Kind: t.Kind, Ansible: oracle[t.Name]}
	if a, ok := runners["ansible"]; ok && r.Ansible == nil {
		r.Ansible = runRetrying(ctx, env, t, a, retries)
	}
	if d, ok := runners["drover"]; ok {
		r.Drover = runRetrying(ctx, env, t, d, retries)
	}
	return r
}

// runRetrying runs t, again (up to retries times) when it timed out: on a
// shared machine a timeout is not yet a failure.
func runRetrying(ctx context.Context, env *compat.Env, t compat.Target, r compat.Runner, retries int) *compat.Outcome {
	o := env.Run(ctx, t, r)
	for i := 0; i < retries && o.TimedOut && ctx.Err() == nil; i++ {
		o = env.Run(ctx, t, r)
	}
	return o
}

func progress(r compat.Result) string {
	s := fmt.Sprintf("%s (%s):", r.Target, r.Kind)
	for i, o := range []*compat.Outcome{r.Ansible, r.Drover} {
		if o != nil {
			s += fmt.Sprintf(" %s %d %.1fs", [...]string{"ansible", "drover"}[i], o.Exit, o.Seconds)
		}
	}
	s += " " + r.Verdict()
	if r.Drover != nil && !r.Drover.Passed() {
		s += ": " + r.Drover.Error
	}
	return s
}

// finish writes the report (report.md, report.json, -table), prints the
// table and applies -update.
func (o *options) finish(rep *compat.Report) error {
	var md strings.Builder
	if err := rep.Markdown(&md); err != nil {
		return err
	}
	fmt.Print(md.String())
	files := map[string]string{filepath.Join(o.out, "report.md"): md.String()}
	if o.table != "" {
		files[o.table] = md.String()
	}
	for path, text := range files {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := rep.SaveJSON(filepath.Join(o.out, "report.json")); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "logs and report in %s\n", o.out)
	if o.update {
		return o.updatePassing(rep)
	}
	return nil
}

// rerender writes the report of -render again, its error lines taken
// from its logs.
func (o *options) rerender() error {
	rep, err := compat.LoadReport(o.render)
	if err != nil {
		return err
	}
	oracle, err := o.loadOracle()
	if err != nil {
		return err
	}
	for i, r := range rep.Results {
		if a := oracle[r.Target]; a != nil {
			rep.Results[i].Ansible = a
		}
	}
	if o.oracle != "" {
		rep.OracleFrom = o.oracleNote()
	}
	rep.RefreshErrors()
	o.out = filepath.Dir(o.render)
	return o.finish(rep)
}

func (o *options) updatePassing(rep *compat.Report) error {
	old, err := compat.ReadPassing(o.passing)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	list, added, removed := compat.UpdatePassing(old, rep.Results)
	if err := compat.WritePassing(o.passing, list); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d targets; added %v; removed (drover fails them now) %v\n", o.passing, len(list), added, removed)
	return nil
}

func printSelection(targets []compat.Target, skipped []compat.Skipped) {
	for _, t := range targets {
		fmt.Printf("run   %-45s %s\n", t.Name, t.Kind)
	}
	for _, s := range skipped {
		fmt.Printf("skip  %-45s %s: %s\n", s.Target.Name, s.Target.Kind, s.Reason)
	}
	fmt.Printf("%d to run, %d skipped\n", len(targets), len(skipped))
}

// droverVersion is what drover play --version says, for the report.
func droverVersion(ctx context.Context, runners map[string]compat.Runner) string {
	d, ok := runners["drover"]
	if !ok {
		return "(not run)"
	}
	v := d.Path
	if out, err := exec.CommandContext(ctx, d.Path, "play", "--version").Output(); err == nil {
		v += ": " + strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output(); err == nil {
		v += ", tree " + strings.TrimSpace(string(out))
	}
	return v
}

// arch is the machine's architecture as ansible-test names it (uname -m).
func arch(ctx context.Context) string {
	out, _ := exec.CommandContext(ctx, "uname", "-m").Output()
	return strings.TrimSpace(string(out))
}
