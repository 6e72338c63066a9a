package tasks

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "script",
		Args: []Arg{
			{Name: "cmd", Type: Str},
			{Name: "creates", Type: Str},
			{Name: "removes", Type: Str},
			{Name: "chdir", Type: Str},
			{Name: "executable", Type: Str},
			{Name: "decrypt", Type: Bool, Default: true},
		},
		FreeForm: FreeFormCommand,
		Run:      runScript,
	})
}

// scriptTmpBase is where the private directory of an uploaded script is
// made, as Ansible's remote_tmp (relative to the login directory).
const scriptTmpBase = ".ansible/tmp"

// runScript uploads a controller script into a private temporary directory
// on the host, runs it through the host's shell with its arguments (one
// exec that also removes the directory) and reports its output, as
// Ansible's script action does.
func runScript(ctx context.Context, c *Call) (*Result, error) {
	if p := c.Args.Str("creates"); p != "" {
		if found, err := exists(ctx, c, p); err != nil || found {
			return scriptSkip(p+" exists, matching creates option", err)
		}
	}
	if p := c.Args.Str("removes"); p != "" {
		if found, err := exists(ctx, c, p); err != nil || !found {
			return scriptSkip(p+" does not exist, matching removes option", err)
		}
	}
	chdir := c.Args.Str("chdir")
	if chdir != "" && !strings.HasPrefix(chdir, "/") {
		return Failf("chdir %s must be an absolute path for a Unix-aware remote node", chdir), nil
	}
	raw := strings.TrimSpace(c.Args.Str(RawParams))
	if raw == "" {
		raw = strings.TrimSpace(c.Args.Str("cmd"))
	}
	parts, err := shlex.Python(raw, false)
	if err != nil || len(parts) == 0 {
		return Failf("no script given"), nil
	}
	src, err := c.Find("files", parts[0])
	if err != nil {
		return Failf("%v", err), nil
	}
	if c.Check {
		if c.Args.Has("creates") || c.Args.Has("removes") {
			return Changed(), nil
		}
		return &Result{Skipped: true, Msg: "Check mode is not supported for this task."}, nil
	}
	return scriptRun(ctx, c, src, raw, parts[0])
}

func scriptSkip(msg string, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	return &Result{Skipped: true, Msg: msg}, nil
}

// scriptRun uploads src and runs line, the task's command line with the
// script's path on the host in place of name (everywhere, as Ansible
// replaces it). A vault-encrypted script is decrypted in memory first,
// unless decrypt is false.
func scriptRun(ctx context.Context, c *Call, src, line, name string) (*Result, error) {
	body, _, err := c.ReadControllerFile(src, c.Args.Bool("decrypt"))
	if err != nil {
		return Failf("%v", err), nil
	}
	dir, err := scriptTmpDir(ctx, c)
	if err != nil {
		return sysErr(err)
	}
	remote := path.Join(dir, path.Base(src))
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = c.Conn.Remove(cctx, remote)
		_ = c.Conn.Remove(cctx, dir)
	}
	if err := c.Conn.Put(ctx, remote, bytes.NewReader(body), transport.PutOptions{Mode: 0o700}); err != nil {
		cleanup()
		return sysErr(err)
	}
	cmd := strings.ReplaceAll(line, name, remote)
	if exe := c.Args.Str("executable"); exe != "" {
		cmd = exe + " " + cmd
	}
	shell := "(" + cmd + "\n); r=$?; rm -rf " + transport.Quote(dir) + "; exit $r"
	res, err := c.Run(ctx, transport.Command{Shell: shell, Dir: c.Args.Str("chdir"), PTY: c.tty()})
	if err != nil {
		cleanup()
		return sysErr(err)
	}
	r := &Result{Changed: true}
	setOutput(r, string(res.Stdout), string(res.Stderr))
	r.Set("rc", res.ExitCode)
	if res.ExitCode != 0 {
		r.Failed, r.Msg = true, "non-zero return code"
	}
	return r, nil
}

// scriptTmpDir makes a private directory (0700) for the script under the
// login directory's .ansible/tmp, creating that on first use.
func scriptTmpDir(ctx context.Context, c *Call) (string, error) {
	id, err := hostIdentity(ctx, c.Conn)
	if err != nil {
		return "", err
	}
	dir := path.Join(id.Home, scriptTmpBase, "ansible-tmp-"+scriptStamp()+"-"+randomHex())
	err = c.Conn.Mkdir(ctx, dir, 0o700)
	if err == nil || !(errors.Is(err, fs.ErrNotExist) || isNotExist(err)) {
		return dir, err
	}
	for _, p := range []string{path.Dir(path.Dir(dir)), path.Dir(dir)} {
		if err := c.Conn.Mkdir(ctx, p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			if _, serr := c.Conn.Stat(ctx, p); serr != nil {
				return "", err
			}
		}
	}
	return dir, c.Conn.Mkdir(ctx, dir, 0o700)
}

// scriptStamp is the time part of Ansible's temporary directory names.
func scriptStamp() string {
	now := time.Now()
	return strings.Replace(now.Format("20060102150405.000000"), ".", "-", 1)
}
