package pymodule

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport/local"
)

// A small ansible-core stand-in: basic.py takes the arguments the agent
// gives it, modules print JSON.
var fakeCore = map[string]string{
	"site/ansible/module_utils/basic.py": "import json, os, sys\n_ANSIBLE_ARGS = None\n" +
		"def params():\n    return json.loads(_ANSIBLE_ARGS)['ANSIBLE_MODULE_ARGS']\n",
	"site/ansible/modules/echo.py": "#!/usr/bin/python\nimport json, os, sys\nfrom ansible.module_utils import basic\n" +
		"p = basic.params()\nprint(json.dumps({'changed': False, 'word': p.get('word'), 'env': os.environ.get('ECHO_ENV'), " +
		"'check': p['_ansible_check_mode'], 'tmpdir': p['_ansible_tmpdir']}))\nsys.exit(0)\n",
	"site/ansible/modules/sleeper.py": "#!/usr/bin/python\nimport time\nfrom ansible.module_utils import basic\ntime.sleep(30)\n",
	"site/ansible/modules/crash.py":   "#!/usr/bin/python\nfrom ansible.module_utils import basic\nraise RuntimeError('boom')\n",
	"site/ansible/modules/oldkv":      "#!/bin/sh\n. \"$1\"\necho \"{\\\"got\\\": \\\"$word\\\"}\"\n",
}

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	testlab.Need(t, "python3", err == nil)
	return py
}

func agentCall(t *testing.T, f *Finder, s *tasks.Session, name string, args tasks.Args, env map[string]string) (*tasks.Call, *Module) {
	t.Helper()
	m, err := f.Resolve(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"ansible_python_interpreter": needPython(t)}
	c := &tasks.Call{Module: m.Name, Host: "h", Args: args, Conn: local.New(), Session: s, Environment: env,
		Var: func(n string) (any, bool) { v, ok := vars[n]; return v, ok }}
	return c, m
}

func TestAgentRuns(t *testing.T) {
	root := tree(t, fakeCore)
	tmp := t.TempDir()
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{}, ModuleUtils: []string{},
		CollectionsPaths: []string{}, RemoteTmp: tmp})
	s := tasks.NewSession()
	var wg sync.WaitGroup
	for i, word := range []string{"a", "b", "c", "d"} {
		wg.Go(func() {
			c, m := agentCall(t, f, s, "echo", tasks.Args{"word": word}, map[string]string{"ECHO_ENV": word})
			c.Check = i%2 == 1
			r, err := f.run(context.Background(), m, c)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Failed || r.Values["word"] != word || r.Values["env"] != word || r.Values["check"] != c.Check {
				t.Errorf("echo %s: %+v", word, r)
			}
			if d, _ := r.Values["tmpdir"].(string); !strings.HasPrefix(d, tmp) {
				t.Errorf("_ansible_tmpdir %q not below remote_tmp %s", d, tmp)
			}
		})
	}
	wg.Wait()
	c, m := agentCall(t, f, s, "crash", tasks.Args{}, nil)
	r, err := f.run(context.Background(), m, c)
	if err != nil || !r.Failed || !strings.Contains(r.Values["exception"].(string), "boom") {
		t.Errorf("crash: %+v %v", r, err)
	}
	c, m = agentCall(t, f, s, "oldkv", tasks.Args{"word": "llama"}, nil)
	if r, err := f.run(context.Background(), m, c); err != nil || r.Values["got"] != "llama" {
		t.Errorf("old-style: %+v %v", r, err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("run directories under remote_tmp: %d, want the one agent's", len(entries))
	}
	s.End(context.Background())
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d run directories left after the session ended", len(entries))
	}
}

func TestAgentCancel(t *testing.T) {
	root := tree(t, fakeCore)
	tmp := t.TempDir()
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{}, ModuleUtils: []string{},
		CollectionsPaths: []string{}, RemoteTmp: tmp})
	s := tasks.NewSession()
	c, m := agentCall(t, f, s, "sleeper", tasks.Args{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := f.run(ctx, m, c); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	s.End(context.Background())
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the cancelled module held the end of the session for %v", d)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d run directories left", len(entries))
	}
}

func TestNoPython(t *testing.T) {
	root := tree(t, fakeCore)
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{}, ModuleUtils: []string{},
		CollectionsPaths: []string{}, RemoteTmp: t.TempDir()})
	c, m := agentCall(t, f, tasks.NewSession(), "echo", tasks.Args{}, nil)
	c.Var = func(n string) (any, bool) {
		if n == "ansible_python_interpreter" {
			return "/nonexistent/python3", true
		}
		return nil, false
	}
	r, err := f.run(context.Background(), m, c)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed || !strings.Contains(r.Values["module_stderr"].(string), "/nonexistent/python3") || r.Values["rc"] != 127 {
		t.Errorf("result %+v; want a failure naming /nonexistent/python3, rc 127", r)
	}
}
