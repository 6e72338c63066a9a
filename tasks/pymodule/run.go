package pymodule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
)

// selinuxSpecialFS is Ansible's DEFAULT_SELINUX_SPECIAL_FS.
var selinuxSpecialFS = []any{"fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"}

// Spec returns the tasks.Spec that runs m: any arguments (the module
// checks its own), a free form kept as _raw_params, ansible_facts stored
// as host facts.
func (f *Finder) Spec(m *Module) *tasks.Spec {
	key := m.FQCN + "\x00" + m.Path
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.specs[key]; ok {
		return s
	}
	s := &tasks.Spec{Name: m.Name, AnyArgs: true, FreeForm: tasks.FreeFormOptional, Facts: tasks.HostFacts,
		Run: func(ctx context.Context, c *tasks.Call) (*tasks.Result, error) { return f.run(ctx, m, c) },
		StartAsync: func(ctx context.Context, c *tasks.Call, jid string, limit int) (*tasks.Result, error) {
			return f.startAsync(ctx, m, c, jid, limit)
		}}
	f.specs[key] = s
	return s
}

// run runs module m for one task on one host.
func (f *Finder) run(ctx context.Context, m *Module, c *tasks.Call) (*tasks.Result, error) {
	if c.Conn == nil {
		return nil, errors.New("module " + m.FQCN + " has no connection to the host")
	}
	p, err := f.payloadFor(m)
	if err != nil {
		return tasks.Failf("%v", err), nil
	}
	if p.style == stylePowerShell {
		return tasks.Failf("%s is a PowerShell module; drover runs POSIX modules only", m.FQCN), nil
	}
	ip, err := f.moduleInterpreter(ctx, c, p)
	if err != nil {
		return nil, err
	}
	args := f.moduleArgs(c)
	var out output
	if p.style == styleNew {
		out, err = f.runNew(ctx, c, m, p, ip.argv, args)
	} else {
		out, err = f.runScript(ctx, c, m, p, ip.argv, args)
	}
	if err != nil {
		var se *startError
		if errors.As(err, &se) {
			return noPython(se, ip), nil
		}
		return nil, err
	}
	interp := ""
	if len(ip.argv) > 0 {
		interp = strings.Join(ip.argv, " ")
	}
	r := toResult(decodeResult(out, interp))
	return f.annotate(r, ip), nil
}

// annotate adds what discovery learnt to a result: the discovered
// interpreter fact and its warnings.
func (f *Finder) annotate(r *tasks.Result, ip *interpreterSpec) *tasks.Result {
	return r.ReportDiscovery(ip.discovery)
}

// noPython is the failure of a host where the interpreter did not run:
// Ansible's message, with what the host said (which names the
// interpreter tried, or drover's own line that does).
func noPython(se *startError, ip *interpreterSpec) *tasks.Result {
	r := tasks.Failf("The module failed to execute correctly, you probably need to set the interpreter.\n" +
		"See stdout/stderr for the exact error")
	stderr := se.stderr
	if !strings.Contains(stderr, se.interp) {
		stderr = strings.TrimSpace(stderr + "\n" + se.Error())
	}
	rc := 127
	var ee *exitError
	if errors.As(se.err, &ee) {
		rc = ee.code
	}
	r.Set("module_stdout", "").Set("module_stderr", stderr).Set("rc", rc)
	if ip.discovery != nil {
		r.Warnings = append(r.Warnings, ip.discovery.Warnings...)
	}
	return r
}

// moduleInterpreter resolves the interpreter of p's #! line (a Python
// module without one runs with python); a binary has none.
func (f *Finder) moduleInterpreter(ctx context.Context, c *tasks.Call, p *payload) (*interpreterSpec, error) {
	if p.style == styleBinary {
		return &interpreterSpec{}, nil
	}
	interp, args, ok := shebang(p.src)
	if !ok {
		if p.style != styleNew {
			return &interpreterSpec{}, nil
		}
		interp = "/usr/bin/python"
	}
	return f.interpreter(ctx, c, interp, args)
}

// moduleArgs are the task's arguments with Ansible's internal keys.
func (f *Finder) moduleArgs(c *tasks.Call) map[string]any {
	args := make(map[string]any, len(c.Args)+16)
	for k, v := range c.Args {
		args[k] = jinja.ToPlain(v)
	}
	facility := "LOG_USER"
	if v, ok := c.Var("ansible_syslog_facility"); ok {
		facility, _ = tasks.ToStr(v)
	}
	var socket any
	if v, ok := c.Var("ansible_socket"); ok {
		socket = v
	}
	shell := "/bin/sh"
	if v, ok := c.Var("ansible_shell_executable"); ok {
		shell, _ = tasks.ToStr(v)
	}
	name := c.ModuleAs
	if name == "" {
		name = c.Module
	}
	internal := map[string]any{"_ansible_check_mode": c.Check, "_ansible_no_log": c.NoLog, "_ansible_debug": false,
		"_ansible_diff": c.Diff, "_ansible_verbosity": c.Verbosity, "_ansible_version": f.ansibleVersion(),
		"_ansible_module_name": name, "_ansible_syslog_facility": facility,
		"_ansible_selinux_special_fs": selinuxSpecialFS, "_ansible_string_conversion_action": "warn",
		"_ansible_socket": socket, "_ansible_shell_executable": shell, "_ansible_keep_remote_files": false,
		"_ansible_tmpdir": nil, "_ansible_remote_tmp": f.remoteTmp(c)}
	for k, v := range internal {
		args[k] = v
	}
	return args
}

// remoteTmp is remote_tmp for the task's host: ansible_remote_tmp, else
// the configured value.
func (f *Finder) remoteTmp(c *tasks.Call) string {
	if v, ok := c.Var("ansible_remote_tmp"); ok {
		if s, _ := tasks.ToStr(v); s != "" {
			return s
		}
	}
	return f.cfg.RemoteTmp
}

// runNew runs a Python module through the host's agent: one request,
// after the payload when the agent does not hold it yet. Without a run
// session, or when the task's environment must be there when Python
// starts (see startEnv), a one-request agent runs it with the
// environment.
func (f *Finder) runNew(ctx context.Context, c *tasks.Call, m *Module, p *payload, interp []string, args map[string]any) (output, error) {
	var a *agent
	var err error
	if c.Session == nil || startEnv(c.Environment, interp) {
		a, err = startAgent(ctx, c.Conn, interp, f.remoteTmp(c), c.Environment, true)
	} else {
		a, err = pool(c.Session).get(ctx, c.Conn, interp, f.remoteTmp(c))
	}
	if err != nil {
		return output{}, err
	}
	root, err := a.ensure(ctx, p, f.bytecode)
	if err != nil {
		return output{}, err
	}
	args["_ansible_tmpdir"] = a.hello.Tmp + "/"
	body, err := marshalArgs(args)
	if err != nil {
		return output{}, err
	}
	head := map[string]any{"op": "run", "py": m.pyName, "root": root, "env": c.Environment}
	rep, err := a.call(ctx, head, body)
	if err != nil {
		return output{}, err
	}
	return output{rc: rep.RC, stdout: rep.stdout, stderr: rep.stderr}, nil
}

// startEnv reports whether env must be there when the interpreter
// starts: it sets PYTHON* variables, or the PATH a relative interpreter
// is found on.
func startEnv(env map[string]string, interp []string) bool {
	for k := range env {
		if strings.HasPrefix(k, "PYTHON") || k == "PATH" && !strings.HasPrefix(interp[0], "/") {
			return true
		}
	}
	return false
}

// marshalArgs is the arguments as AnsibleModule reads them.
func marshalArgs(args map[string]any) ([]byte, error) {
	b, err := json.Marshal(map[string]any{"ANSIBLE_MODULE_ARGS": args})
	if err != nil {
		return nil, fmt.Errorf("Unable to pass options to module, they must be JSON serializable: %v", err)
	}
	return b, nil
}

// hostOutput runs cmd and returns what it left; a command that could
// not start is an error.
func hostOutput(ctx context.Context, c *tasks.Call, cmd transport.Command) (output, error) {
	res, err := c.Run(ctx, cmd)
	if err != nil {
		return output{}, err
	}
	return output{rc: res.ExitCode, stdout: res.Stdout, stderr: res.Stderr}, nil
}
