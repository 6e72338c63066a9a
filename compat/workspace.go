package compat

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// unicodeSuffix ends the name of ansible-test's temporary copy, so that
// targets meet non-ASCII paths.
const unicodeSuffix = "-\u00c5\u00d1\u015a\u00cc\u03b2\u0141\u00c8"

// workspace is one run's temporary directory.
type workspace struct {
	base        string // holds everything below; removed after the run
	root        string // the copy of the suite: base/TARGET-*-ÅÑŚÌβŁÈ
	integration string // root/test/integration, where role playbooks run
	targets     string // integration/targets (ANSIBLE_ROLES_PATH)
	inventory   string // integration/inventory: testhost
	config      string // integration/integration.cfg, empty (ANSIBLE_CONFIG)
	bin         string // first on PATH: ansible-playbook, python, virtualenv.sh
	outputDir   string // OUTPUT_DIR
	junit       string // JUNIT_OUTPUT_DIR
	calls       string // a byte for each call of ansible-playbook
}

// newWorkspace copies what the run of t needs from the suite and fills the
// run's bin directory.
func (e *Env) newWorkspace(t Target, r Runner) (*workspace, error) {
	base, err := os.MkdirTemp("", "drover-compat-")
	if err != nil {
		return nil, err
	}
	ws, err := e.fillWorkspace(base, t, r)
	if err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	return ws, nil
}

func (e *Env) fillWorkspace(base string, t Target, r Runner) (*workspace, error) {
	root, err := os.MkdirTemp(base, t.Name+"-*"+unicodeSuffix)
	if err != nil {
		return nil, err
	}
	ws := &workspace{base: base, root: root, integration: filepath.Join(root, "test", "integration"),
		bin: filepath.Join(base, "bin"), outputDir: filepath.Join(base, "output_dir"), junit: filepath.Join(base, "junit"),
		calls: filepath.Join(base, "ansible-playbook-calls")}
	ws.targets = filepath.Join(ws.integration, "targets")
	ws.inventory = filepath.Join(ws.integration, "inventory")
	ws.config = filepath.Join(ws.integration, "integration.cfg")
	if err := e.copyTargets(ws, t); err != nil {
		return nil, err
	}
	inventory := "[testgroup]\ntesthost ansible_connection=local ansible_pipelining=yes ansible_python_interpreter=" + e.Python + "\n"
	files := map[string]string{ws.inventory: inventory, ws.config: ""}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	for _, dir := range []string{ws.bin, ws.outputDir, ws.junit} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	return ws, e.linkTools(ws, r)
}

// copyTargets copies t and the targets it depends on, and the suite files
// they need, as ansible-test copies them (not every target: a target sees
// only what it declares it needs).
func (e *Env) copyTargets(ws *workspace, t Target) error {
	ts := []Target{t}
	for _, name := range e.deps[t.Name] {
		if dep, ok := e.targets[name]; ok {
			ts = append(ts, dep)
		}
	}
	for _, dep := range ts {
		if err := copyTree(filepath.Join(TargetsDir(e.Suite), dep.Name), filepath.Join(ws.targets, dep.Name)); err != nil {
			return err
		}
	}
	for _, f := range neededFiles(e.Suite, ts) {
		info, err := os.Stat(filepath.Join(e.Suite, f))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(ws.root, f)), 0o755); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(e.Suite, f), filepath.Join(ws.root, f), info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// linkTools fills the bin directory: ansible-playbook runs the runner
// (called ansible-playbook, as through a link of that name, after counting
// the call in ws.calls), python is the inventory's interpreter,
// virtualenv.sh ansible-test's.
func (e *Env) linkTools(ws *workspace, r Runner) error {
	links := map[string]string{"python": e.Python}
	if e.Virtualenv != "" {
		links["virtualenv.sh"] = e.Virtualenv
	}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(ws.bin, name)); err != nil {
			return err
		}
	}
	script := "#!/bin/bash\nprintf . >> " + shellQuote(ws.calls) + "\nexec -a ansible-playbook " + shellQuote(r.Path) + " \"$@\"\n"
	return os.WriteFile(filepath.Join(ws.bin, "ansible-playbook"), []byte(script), 0o755)
}

// shellQuote quotes s as one word for a shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// callCount is how many times the run called ansible-playbook.
func (ws *workspace) callCount() int {
	fi, err := os.Stat(ws.calls)
	if err != nil {
		return 0
	}
	return int(fi.Size())
}

// copyTree copies the directory src to dst: directories, regular files
// with their modes, and symlinks as symlinks.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case info.Mode().IsRegular():
			return copyFile(path, to, info.Mode().Perm())
		}
		return nil
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
