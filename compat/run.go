package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Env is what every run of a target shares: the suite, where results go and
// the tools of this machine that ansible-test's environment names.
type Env struct {
	Suite     string        // the suite's directory (holds test/integration/targets)
	LogDir    string        // each run's log: TARGET.RUNNER.log
	Timeout   time.Duration // for one runner's run of one target, its setup targets included
	Verbosity int           // -v flags passed to runme.sh and to the role playbook
	Keep      bool          // keep each run's temporary directory (its path is logged)

	Python        string // the inventory's interpreter, /usr/bin/python3
	PythonVersion string // its version, "3.11"
	Locale        string // LC_ALL: en_US.UTF-8, else C.UTF-8, as ansible-test picks
	Virtualenv    string // ansible-test's virtualenv.sh; "" when not installed
	Path          string // PATH after the run's own bin directory
	Home          string

	targets map[string]Target   // every target, for setup targets
	deps    map[string][]string // the targets each one needs copied beside it
}

// Runner is what answers as ansible-playbook in a run.
type Runner struct {
	Name string // "ansible" or "drover"; names the logs
	Path string // the executable linked as ansible-playbook
}

// Outcome is one runner's run of one target.
type Outcome struct {
	Exit     int     `json:"exit"` // -1 when the run did not finish
	TimedOut bool    `json:"timed_out,omitempty"`
	Seconds  float64 `json:"seconds"`
	Log      string  `json:"log"`
	Error    string  `json:"error,omitempty"` // what went wrong (ErrorLine of the log); "" after a pass
	// Calls counts the runs of ansible-playbook (setup targets' included):
	// a runme target may pass without running it at all.
	Calls int `json:"calls"`
}

// Passed reports whether the run exited 0.
func (o *Outcome) Passed() bool { return o != nil && o.Exit == 0 && !o.TimedOut }

// NewEnv returns the environment for runs of the suite's targets, finding
// python3, the locale and ansible-test's virtualenv.sh on this machine.
func NewEnv(ctx context.Context, suite, logDir string) (*Env, error) {
	all, err := LoadTargets(suite)
	if err != nil {
		return nil, err
	}
	e := &Env{Suite: suite, LogDir: logDir, Timeout: 20 * time.Minute, Python: "/usr/bin/python3",
		Path: os.Getenv("PATH"), Home: os.Getenv("HOME"), targets: map[string]Target{}}
	for _, t := range all {
		e.targets[t.Name] = t
	}
	if e.deps, err = dependencies(suite, all); err != nil {
		return nil, err
	}
	e.PythonVersion, err = pythonVersion(ctx, e.Python)
	if err != nil {
		return nil, err
	}
	e.Locale = pickLocale(ctx)
	e.Virtualenv = findVirtualenv(ctx, e.Python)
	return e, os.MkdirAll(logDir, 0o755)
}

// pythonVersion is python's major.minor version.
func pythonVersion(ctx context.Context, python string) (string, error) {
	out, err := exec.CommandContext(ctx, python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", python, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// pickLocale is en_US.UTF-8 when this machine has it, else C.UTF-8.
func pickLocale(ctx context.Context) string {
	out, _ := exec.CommandContext(ctx, "locale", "-a").Output()
	for _, l := range strings.Fields(string(out)) {
		if strings.EqualFold(strings.ReplaceAll(l, "-", ""), "en_US.utf8") {
			return "en_US.UTF-8"
		}
	}
	return "C.UTF-8"
}

// findVirtualenv finds the virtualenv.sh of the installed ansible-test,
// which runme.sh scripts source from PATH.
func findVirtualenv(ctx context.Context, python string) string {
	out, err := exec.CommandContext(ctx, python, "-c", "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))").Output()
	if err != nil {
		return ""
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "_util", "target", "injector", "virtualenv.sh")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Run runs the target with the runner as ansible-test would (its setup
// targets first), within e.Timeout, its output in its log.
func (e *Env) Run(ctx context.Context, t Target, r Runner) *Outcome {
	o := &Outcome{Exit: -1, Log: filepath.Join(e.LogDir, t.Name+"."+r.Name+".log")}
	start := time.Now()
	defer func() { o.Seconds = time.Since(start).Seconds() }()
	log, err := os.Create(o.Log)
	if err != nil {
		o.Error = err.Error()
		return o
	}
	defer log.Close()
	runCtx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	for _, step := range e.steps(t) {
		var calls int
		o.Exit, calls, err = e.runStep(runCtx, step, r, log)
		o.Calls += calls
		if runCtx.Err() != nil && ctx.Err() == nil {
			o.TimedOut, o.Exit = true, -1
			fmt.Fprintf(log, "\n### %s: stopped after %s\n", t.Name, e.Timeout)
		}
		if err != nil || o.Exit != 0 {
			break
		}
	}
	switch {
	case ctx.Err() != nil:
		o.Exit, o.Error = -1, "interrupted"
	case err != nil:
		o.Error = "harness: " + err.Error()
		fmt.Fprintf(log, "\n### %s\n", o.Error)
	case o.TimedOut:
		o.Error = fmt.Sprintf("timed out after %s", e.Timeout)
	case o.Exit != 0:
		o.Error = errorLineOf(o.Log)
	}
	return o
}

// steps are the targets to run for t: its setup targets, then t.
func (e *Env) steps(t Target) []Target {
	var out []Target
	for _, name := range t.setups() {
		if s, ok := e.targets[name]; ok {
			out = append(out, s)
		}
	}
	return append(out, t)
}

// runStep runs one target in a fresh temporary copy of the suite and
// returns its exit status and how many times it ran ansible-playbook.
func (e *Env) runStep(ctx context.Context, t Target, r Runner, log io.Writer) (int, int, error) {
	ws, err := e.newWorkspace(t, r)
	if err != nil {
		return -1, 0, err
	}
	if e.Keep {
		fmt.Fprintf(log, "### kept: %s\n", ws.base)
	} else {
		defer os.RemoveAll(ws.base)
	}
	exit, err := e.runIn(ctx, ws, t, r, log)
	return exit, ws.callCount(), err
}

// runIn runs target t in workspace ws and returns its exit status.
func (e *Env) runIn(ctx context.Context, ws *workspace, t Target, r Runner, log io.Writer) (int, error) {
	cmd, err := e.command(ctx, ws, t)
	if err != nil {
		return -1, err
	}
	fmt.Fprintf(log, "### %s %s: %s (in %s)\n", r.Name, t.Name, strings.Join(cmd.Args, " "), cmd.Dir)
	cmd.Stdout, cmd.Stderr = log, log
	err = cmd.Run()
	killGroup(cmd)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), nil
	case err != nil && ctx.Err() != nil:
		return -1, nil
	case err != nil:
		return -1, err
	}
	return 0, nil
}

// command is the command that runs target t in workspace ws: ./runme.sh
// from its directory, or ansible-playbook with a generated playbook from
// test/integration.
func (e *Env) command(ctx context.Context, ws *workspace, t Target) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	env := e.environ(ws)
	if t.Kind == Runme {
		cmd = exec.CommandContext(ctx, "./runme.sh", e.verbosityArgs()...)
		cmd.Dir = filepath.Join(ws.targets, t.Name)
	} else {
		pb, err := e.rolePlaybook(ws, t)
		if err != nil {
			return nil, err
		}
		args := append([]string{filepath.Base(pb), "-i", "inventory"}, e.verbosityArgs()...)
		cmd = exec.CommandContext(ctx, filepath.Join(ws.bin, "ansible-playbook"), args...)
		cmd.Args[0] = "ansible-playbook"
		cmd.Dir = ws.integration
		env = append(env, "ANSIBLE_ROLES_PATH="+ws.targets)
	}
	cmd.Env = append(env, "ANSIBLE_PLAYBOOK_DIR="+cmd.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd, nil
}

// killGroup ends what the command left running in its process group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

func (e *Env) verbosityArgs() []string {
	if e.Verbosity <= 0 {
		return nil
	}
	return []string{"-" + strings.Repeat("v", e.Verbosity)}
}

// rolePlaybook writes the playbook ansible-test generates for a role target
// (JSON, as ansible-test writes it) into test/integration.
func (e *Env) rolePlaybook(ws *workspace, t Target) (string, error) {
	play := map[string]any{
		"hosts":        "testhost",
		"gather_facts": !t.Has("gather_facts/no"),
		"vars_files":   []string{},
		"vars":         map[string]string{"output_dir": ws.outputDir},
		"roles":        []string{t.Name},
	}
	data, err := json.MarshalIndent([]any{play}, "", "    ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(ws.integration, t.Name+"-*.yml")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(data)
	return f.Name(), err
}

// environ is ansible-test's environment for a run: a clean one, with only
// what ansible-test passes on and sets.
func (e *Env) environ(ws *workspace) []string {
	env := []string{
		"LC_ALL=" + e.Locale,
		"PATH=" + ws.bin + string(os.PathListSeparator) + e.Path,
		"HOME=" + e.Home,
		"ANSIBLE_PYTHON_MODULE_RLIMIT_NOFILE=1024",
		"ANSIBLE_FORCE_COLOR=false",
		"ANSIBLE_FORCE_HANDLERS=true",
		"ANSIBLE_HOST_PATTERN_MISMATCH=error",
		"ANSIBLE_INVENTORY=/dev/null",
		"ANSIBLE_DEPRECATION_WARNINGS=false",
		"ANSIBLE_HOST_KEY_CHECKING=false",
		"ANSIBLE_RETRY_FILES_ENABLED=false",
		"ANSIBLE_CONFIG=" + ws.config,
		"ANSIBLE_LIBRARY=/dev/null",
		"ANSIBLE_DEVEL_WARNING=false",
		"PAGER=/bin/cat",
		"ANSIBLE_WORKER_SHUTDOWN_POLL_COUNT=100",
		"ANSIBLE_WORKER_SHUTDOWN_POLL_DELAY=0.1",
		"ANSIBLE_PYTHON_INTERPRETER=/set/ansible_python_interpreter/in/inventory",
		"JUNIT_OUTPUT_DIR=" + ws.junit,
		"JUNIT_TASK_RELATIVE_PATH=" + ws.root,
		"JUNIT_REPLACE_OUT_OF_TREE_PATH=out-of-tree:",
		"ANSIBLE_CALLBACKS_ENABLED=junit",
		"ANSIBLE_TEST_CI=local",
		"ANSIBLE_TEST_COVERAGE=",
		"OUTPUT_DIR=" + ws.outputDir,
		"INVENTORY_PATH=" + ws.inventory,
		"ANSIBLE_TEST_PYTHON_VERSION=" + e.PythonVersion,
		"ANSIBLE_TEST_PYTHON_INTERPRETER=" + e.Python,
	}
	for _, k := range []string{"LD_LIBRARY_PATH", "SSH_AUTH_SOCK", "ANSIBLE_KEEP_REMOTE_FILES"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
