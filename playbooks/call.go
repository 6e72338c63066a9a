package playbooks

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// localNames are the names that mean the controller when delegating.
var localNames = map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}

// newCall prepares the module call for one host: modes, become,
// environment, delegation and the connection. target is the delegated host
// ("" when not delegated).
func (ps *playState) newCall(ctx context.Context, t *Task, hr *hostRun, s *scope, args tasks.Args) (*tasks.Call, string, error) {
	r := ps.run
	c := &tasks.Call{Module: t.Action, ModuleAs: t.ActionAs, Task: t.DisplayName(), Host: hr.h.name, Args: args, Local: r.opts.Local,
		Verbosity: r.opts.Verbosity, LoadFile: r.loadFile, Prompt: r.opts.Prompt, Redactor: r.opts.Redactor,
		Vault: r.opts.Vault, Session: r.session, Jinja2Native: r.opts.Jinja2Native, OutputLimit: r.opts.OutputLimit}
	if r.opts.Inventory != nil {
		c.Inventory = inventoryEditor{r}
	}
	c.RegisterSecretArgs(t.Spec)
	c.RunModule, c.FactsModules = ps.moduleRunner(t, c), r.opts.FactsModules
	c.InterpreterPython = r.opts.InterpreterPython
	var err error
	if c.NoLog, err = ps.kwBool(t, s, "no_log", false); err != nil {
		return nil, "", err
	}
	if c.Check, err = ps.kwBool(t, s, "check_mode", r.opts.Check); err != nil {
		return nil, "", err
	}
	if c.Diff, err = ps.kwBool(t, s, "diff", r.opts.Diff); err != nil {
		return nil, "", err
	}
	if c.Environment, err = ps.environment(t, s); err != nil {
		return nil, "", err
	}
	ps.bindTemplates(c, t, s)
	if c.Become, err = ps.become(t, s); err != nil {
		return nil, "", err
	}
	target, _, err := ps.kwString(t, s, "delegate_to")
	if err != nil {
		return nil, "", err
	}
	if t.Spec.Controller && (t.Spec.NeedsConn == nil || !t.Spec.NeedsConn(args)) {
		return c, target, nil
	}
	c.Connect = func(ctx context.Context, fresh bool) (transport.Conn, error) {
		return ps.hostConn(ctx, t, hr, s, target, c, fresh)
	}
	if t.Spec.ConnectsItself {
		return c, target, nil
	}
	conn, err := c.Connect(ctx, false)
	if err != nil {
		return nil, target, err
	}
	c.Conn = conn
	return c, target, nil
}

// hostConn is Call.Connect: the connection to the task's host (or
// delegate), reopened with fresh, with the call's become applied; it sets
// the call's TTY.
func (ps *playState) hostConn(ctx context.Context, t *Task, hr *hostRun, s *scope, target string, c *tasks.Call, fresh bool) (transport.Conn, error) {
	if fresh {
		ps.run.dropConn(hostKey(hr.h.name, target))
	}
	conn, err := ps.connFor(ctx, t, hr, s, target)
	if err != nil {
		return nil, err
	}
	c.TTY = ps.wantsTTY(conn, s)
	if c.Become.Enabled {
		return ps.run.becomeConn(hostKey(hr.h.name, target), conn, c.Become)
	}
	return conn, nil
}

// wantsTTY tells whether raw and script commands get a terminal on conn:
// over ssh unless ansible_ssh_use_tty is false, as Ansible's ssh connection
// runs them with ssh -tt.
func (ps *playState) wantsTTY(conn transport.Conn, s *scope) bool {
	if _, ok := conn.(*ssh.Conn); !ok {
		return false
	}
	raw, ok := s.Lookup("ansible_ssh_use_tty")
	if !ok {
		return true
	}
	v, err := ps.run.env.TemplateValue(raw, s)
	if err != nil {
		return true
	}
	use, err := tasks.ToBool(jinja.ToPlain(v))
	return err != nil || use
}

func hostKey(host, target string) string {
	if target != "" {
		return target
	}
	return host
}

// connFor opens (once) the connection to the task's host or its delegate.
func (ps *playState) connFor(ctx context.Context, t *Task, hr *hostRun, s *scope, target string) (transport.Conn, error) {
	r := ps.run
	host, hs := hr.h.name, s
	if target != "" {
		th := r.host(target)
		if th == nil {
			if localNames[target] {
				return r.opts.Local, nil
			}
			return nil, &transport.UnreachableError{Host: target, Err: fmt.Errorf("delegate_to: no host %q in the inventory", target)}
		}
		host, hs = target, &scope{h: th, ps: ps, task: t}
	}
	return r.conn(ctx, host, func() (map[string]any, error) { return ps.connVars(t, hs) })
}

// connVars are the connection variables of a host: every ansible_*
// variable it has, templated, with the play's remote_user, connection and
// port keywords and -u as defaults.
func (ps *playState) connVars(t *Task, s *scope) (map[string]any, error) {
	names := map[string]bool{}
	for _, m := range []map[string]any{s.inv(), ps.run.extraVars, ps.play.Vars} {
		for k := range m {
			if strings.HasPrefix(k, "ansible_") {
				names[k] = true
			}
		}
	}
	out := map[string]any{}
	for k := range names {
		raw, ok := s.Lookup(k)
		if !ok {
			continue
		}
		v, err := ps.run.env.TemplateValue(raw, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out[k] = jinja.ToPlain(v)
	}
	defaults := map[string]string{"remote_user": "ansible_user", "connection": "ansible_connection", "port": "ansible_port"}
	for kw, v := range defaults {
		if _, set := out[v]; set {
			continue
		}
		if x, ok, err := ps.kwString(t, s, kw); err != nil {
			return nil, err
		} else if ok {
			out[v] = x
		}
	}
	for v, flag := range map[string]string{"ansible_user": ps.run.opts.RemoteUser, "ansible_connection": ps.run.opts.Connection} {
		if _, set := out[v]; !set && flag != "" {
			out[v] = flag
		}
	}
	return out, nil
}

// become resolves the become settings: ansible_become* variables, then the
// keywords of the task, its blocks and play, then -b/--become-user/
// --become-method.
func (ps *playState) become(t *Task, s *scope) (tasks.Become, error) {
	r := ps.run
	b := tasks.Become{Enabled: r.opts.Become, User: r.opts.BecomeUser, Method: r.opts.BecomeMethod, Password: r.opts.BecomePassword,
		Flags: r.opts.BecomeFlags, Exe: r.opts.BecomeExe}
	var err error
	if b.Enabled, err = ps.kwBool(t, s, "become", b.Enabled); err != nil {
		return b, err
	}
	for kw, dst := range map[string]*string{"become_user": &b.User, "become_method": &b.Method, "become_flags": &b.Flags, "become_exe": &b.Exe} {
		if v, ok, err := ps.kwString(t, s, kw); err != nil {
			return b, err
		} else if ok {
			*dst = v
		}
	}
	vars := map[string]*string{"ansible_become_user": &b.User, "ansible_become_method": &b.Method,
		"ansible_become_flags": &b.Flags, "ansible_become_exe": &b.Exe,
		"ansible_become_password": &b.Password, "ansible_become_pass": &b.Password}
	for name, dst := range vars {
		if v, ok := ps.templatedVar(s, name); ok {
			*dst, _ = tasks.ToStr(v)
		}
	}
	if v, ok := ps.templatedVar(s, "ansible_become"); ok {
		b.Enabled, _ = tasks.ToBool(v)
	}
	if b.User == "" {
		b.User = "root"
	}
	if b.Method == "" {
		b.Method = "sudo"
	}
	return b, nil
}

// templatedVar looks a variable up and templates it.
func (ps *playState) templatedVar(s *scope, name string) (any, bool) {
	raw, ok := s.Lookup(name)
	if !ok {
		return nil, false
	}
	v, err := ps.run.env.TemplateValue(raw, s)
	if err != nil {
		return nil, false
	}
	return jinja.ToPlain(v), true
}

// environment merges the environment: of the play, blocks and task, each
// templated; later ones win.
func (ps *playState) environment(t *Task, s *scope) (map[string]string, error) {
	var out map[string]string
	for _, e := range t.chain("environment") {
		for _, part := range asList(e) {
			v, err := ps.templateEnvironment(t, part, s)
			if err != nil {
				return nil, fmt.Errorf("environment: %v", err)
			}
			m, ok := jinja.ToPlain(v).(map[string]any)
			if !ok {
				return nil, fmt.Errorf("environment must be a mapping, got %s", tasks.PyRepr(jinja.ToPlain(v)))
			}
			if out == nil {
				out = map[string]string{}
			}
			for k, x := range m {
				out[k], _ = tasks.ToStr(x)
			}
		}
	}
	return out, nil
}

// templateEnvironment templates one environment mapping entry by entry:
// as in Ansible, an entry whose value uses ansible_env before it is
// defined (facts not gathered yet) is left out.
func (ps *playState) templateEnvironment(t *Task, part any, s *scope) (any, error) {
	m, ok := part.(map[string]any)
	if !ok {
		return ps.run.env.TemplateValue(part, s)
	}
	out := make(map[string]any, len(m))
	for k, raw := range m {
		v, err := ps.run.env.TemplateValue(raw, s)
		if err != nil {
			msg := err.Error()
			if jinja.IsUndefined(err) && (strings.Contains(msg, "ansible_env") ||
				t.Action == "setup" && strings.Contains(msg, "ansible_facts.env")) {
				continue
			}
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// bindTemplates gives the call its Jinja functions over the task's scope.
func (ps *playState) bindTemplates(c *tasks.Call, t *Task, s *scope) {
	env := ps.run.env
	c.Var = func(name string) (any, bool) { return ps.templatedVar(s, name) }
	c.Eval = func(expr string) (any, error) {
		v, err := env.Eval(expr, s)
		if err != nil {
			if jinja.IsUndefined(err) {
				return nil, fmt.Errorf("%w: %v", tasks.ErrUndefined, err)
			}
			return nil, err
		}
		return jinja.ToPlain(v), nil
	}
	c.Truth = func(expr string) (bool, error) { return env.Truth(expr, s) }
	c.Template = func(v any) (any, error) {
		out, err := env.TemplateValue(v, s)
		if err != nil && jinja.IsUndefined(err) {
			return nil, fmt.Errorf("%w: %v", tasks.ErrUndefined, err)
		}
		return jinja.ToPlain(out), err
	}
	c.Render = func(text string, extra map[string]any) (string, error) {
		vars := jinja.Vars(s)
		if len(extra) > 0 {
			vars = jinja.ChainVars{jinja.MapVars(extra), s}
		}
		return env.RenderFile("", []byte(text), vars)
	}
	c.RenderTemplate = func(name, text string, extra map[string]any, o tasks.TemplateOptions) (string, error) {
		vars := jinja.Vars(s)
		if len(extra) > 0 {
			vars = jinja.ChainVars{jinja.MapVars(extra), s}
		}
		return env.RenderFileWith(name, []byte(text), vars, jinja.Options{TrimBlocks: o.TrimBlocks,
			LstripBlocks: o.LstripBlocks, NewlineSequence: o.NewlineSequence, Loader: templateSearchPath(t, name)})
	}
	c.Find = func(kind, name string) (string, error) { return findFile(t, kind, name) }
}

// becomeConn wraps a connection for become, once per host and user.
func (r *run) becomeConn(host string, conn transport.Conn, b tasks.Become) (transport.Conn, error) {
	if r.opts.WrapBecome == nil {
		return nil, errors.New("become (" + b.Method + " to " + b.User + ") is not available in this build")
	}
	key := host + "\x00" + b.Method + "\x00" + b.User + "\x00" + b.Flags
	r.mu.Lock()
	if c, ok := r.becomes[key]; ok {
		r.mu.Unlock()
		return c, nil
	}
	r.mu.Unlock()
	c, err := r.opts.WrapBecome(conn, b)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.becomes[key] = c
	r.mu.Unlock()
	return c, nil
}

// templateSearchPath is where a template's {% include %} and {% import %}
// look, as Ansible's template action searches: the task's role and the
// roles it runs for, the task file's directory, the playbook's directory
// and the template's own directory, each's templates/ first.
func templateSearchPath(t *Task, source string) jinja.DirLoader {
	var dirs []string
	add := func(d string) {
		if d != "" && !contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, r := range taskRoles(t) {
		add(r.Path)
	}
	add(t.Dir)
	if t.Play != nil {
		add(t.Play.Dir)
	}
	add(filepath.Dir(source))
	out := make(jinja.DirLoader, 0, 2*len(dirs))
	for _, d := range dirs {
		out = append(out, filepath.Join(d, "templates"), d)
	}
	return out
}
