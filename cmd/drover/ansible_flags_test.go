package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestDispatchArgs: drover called as ansible-playbook is drover play with
// ansible-playbook's output; under
// any other name its arguments are its own.
func TestDispatchArgs(t *testing.T) {
	tests := []struct {
		argv, want []string
	}{
		{[]string{"drover", "play", "x.yml"}, []string{"play", "x.yml"}},
		{[]string{"/usr/bin/drover", "run", "all"}, []string{"run", "all"}},
		{[]string{"ansible-playbook", "-i", "h,", "x.yml"}, []string{"play", "--ansible-output", "-i", "h,", "x.yml"}},
		{[]string{"/tmp/shim/ansible-playbook", "-v"}, []string{"play", "--ansible-output", "-v"}},
		{[]string{"ansible-playbook", "play", "x.yml"}, []string{"play", "--ansible-output", "play", "x.yml"}},
		{[]string{"ansible-playbook"}, []string{"play", "--ansible-output"}},
		{[]string{"ansible-playbook.sh", "x.yml"}, []string{"x.yml"}},
		{[]string{"ansible", "all"}, []string{"all"}},
		{nil, nil},
	}
	for _, tc := range tests {
		if got := dispatchArgs(tc.argv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("dispatchArgs(%q) = %q, want %q", tc.argv, got, tc.want)
		}
	}
}

// TestAnsiblePlaybookName runs drover through a symlink, a hard link and a
// copy named ansible-playbook, by path and found on PATH as runme.sh
// scripts find it: each is drover play.
func TestAnsiblePlaybookName(t *testing.T) {
	pb := writePlaybook(t)
	tests := []struct {
		name   string
		link   func(src, dst string) error
		onPath bool
	}{
		{"symlink by path", os.Symlink, false},
		{"symlink on PATH", os.Symlink, true},
		{"hard link on PATH", hardLink, true},
		{"copy on PATH", copyExecutable, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, ansiblePlaybook)
			if err := tc.link(os.Args[0], bin); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"--version"}, {"-i", "somehost,", "-c", "local", "-e", "x=linked", pb}} {
				out, code := runNamed(t, dir, bin, tc.onPath, args)
				want := "x=linked"
				if args[0] == "--version" {
					want = "; play answers as ansible-playbook"
				}
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("ansible-playbook %q: exit %d, want 0 and %q in:\n%s", args, code, want, out)
				}
			}
		})
	}
}

// runNamed runs bin (drover under another name) with args, by its path or,
// as runme.sh scripts do, by name from a shell with its directory first on
// PATH.
func runNamed(t *testing.T, dir, bin string, onPath bool, args []string) (string, int) {
	t.Helper()
	args = append([]string{"--"}, args...)
	cmd := exec.Command(bin, args...)
	env := append(os.Environ(), "DROVER_TEST_MAIN=1", "NO_COLOR=")
	if onPath {
		cmd = exec.Command("/bin/sh", append([]string{"-c", ansiblePlaybook + ` "$@"`, "sh"}, args...)...)
		env = append(env, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// hardLink links dst to src, or copies it where the two are on different
// file systems (the same thing for the name drover is called by).
func hardLink(src, dst string) error {
	err := os.Link(src, dst)
	if errors.Is(err, syscall.EXDEV) {
		return copyExecutable(src, dst)
	}
	return err
}

func copyExecutable(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// writePlaybook writes a three-task playbook (ping, then two tagged debug) and its vault and password
// files to a temporary directory and returns the playbook's path.
func writePlaybook(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"pb.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: reach\n      ping:\n" +
			"    - name: first\n      debug: msg=\"x={{ x | default('unset') }}\"\n      tags: [t1]\n" +
			"    - name: second\n      debug: msg=second-ran\n      tags: [t2]\n",
		"pw":              "a-password\n",
		"empty":           "",
		"local.ini":       "h ansible_connection=local\n",
		"unreachable.ini": "nohost ansible_host=127.0.0.1 ansible_port=1\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pb.yml")
}

// TestAnsiblePlaybookFlags runs drover play with the ansible-playbook flags
// that Ansible's integration targets pass: each is honoured, or refused
// with a message saying so (exit 5), never silently ignored.
func TestAnsiblePlaybookFlags(t *testing.T) {
	pb := writePlaybook(t)
	dir := filepath.Dir(pb)
	f := func(name string) string { return filepath.Join(dir, name) }
	local := []string{"-i", "somehost,", "-c", "local"}
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string
		dontWant []string
	}{
		{"-c local", local, 0, []string{"x=unset", "second-ran"}, nil},
		{"--connection", []string{"-i", "somehost,", "--connection=local"}, 0, []string{"x=unset"}, nil},
		{"no -c: ssh", []string{"-i", f("unreachable.ini"), "-T", "2"}, 3, []string{"unreachable"}, []string{"x=unset"}},
		{"inventory connection wins over -c", []string{"-i", f("local.ini"), "-c", "ssh"}, 0, []string{"x=unset"}, nil},
		{"-c unknown", []string{"-i", "somehost,", "-c", "docker"}, 5, []string{"-c docker: drover connects with ssh, local or telnet"}, nil},
		{"selection and run flags", append([]string{"-e", "x=1", "--extra-vars", "y=2", "-v", "--flush-cache", "--forks", "1",
			"-f", "2", "--limit", "somehost", "-l", "somehost", "-t", "t1,t2", "--tags", "t1", "--skip-tags", "t2", "-C", "--check",
			"-D", "--diff", "-u", "nobody", "--user", "nobody", "-T", "5", "--timeout", "5", "--private-key", f("none"),
			"--key-file", f("none"), "--force-handlers", "--ssh-common-args", "-o ProxyJump=x", "--ssh-extra-args", "-C"}, local...),
			0, []string{"x=1"}, []string{"second-ran"}},
		{"-vvvvv", append([]string{"-vvvvv"}, local...), 0, []string{"x=unset"}, nil},
		{"--inventory-file", []string{"--inventory-file", "somehost,", "-c", "local"}, 0, []string{"x=unset"}, nil},
		{"--start-at-task", append([]string{"--start-at-task", "second"}, local...), 0, []string{"second-ran"}, []string{"x=unset"}},
		{"--list-tasks", append([]string{"--list-tasks", "-b", "--become-user", "root", "--become-method", "sudo"}, local...), 0,
			[]string{"first\tTAGS: [t1]"}, []string{"second-ran"}},
		{"--list-hosts", append([]string{"--list-hosts"}, local...), 0, []string{"somehost"}, []string{"x=unset"}},
		{"--list-tags", append([]string{"--list-tags"}, local...), 0, []string{"TASK TAGS: [t1, t2]"}, nil},
		{"--syntax-check", append([]string{"--syntax-check"}, local...), 0, []string{"playbook: "}, []string{"x=unset"}},
		{"--vault-password-file", append([]string{"--vault-password-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--vault-pass-file", append([]string{"--vault-pass-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--vault-id", append([]string{"--vault-id", "lab@" + f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--become-password-file", append([]string{"--become-password-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--become-pass-file", append([]string{"--become-pass-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--connection-password-file", append([]string{"--connection-password-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--conn-pass-file", append([]string{"--conn-pass-file", f("pw")}, local...), 0, []string{"x=unset"}, nil},
		{"--become-password-file missing", append([]string{"--become-password-file", f("missing")}, local...), 5,
			[]string{"the password file " + f("missing") + " was not found"}, nil},
		{"--become-password-file empty", append([]string{"--become-password-file", f("empty")}, local...), 5,
			[]string{"empty password"}, nil},
		{"-K and --become-password-file", append([]string{"-K", "--become-password-file", f("pw")}, local...), 5,
			[]string{"cannot be used together"}, nil},
		{"-k and --connection-password-file", append([]string{"-k", "--connection-password-file", f("pw")}, local...), 5,
			[]string{"cannot be used together"}, nil},
		{"-K without a terminal", append([]string{"-K"}, local...), 5, []string{"not a terminal"}, []string{"x=unset"}},
		{"-k without a terminal", append([]string{"-k"}, local...), 5, []string{"not a terminal"}, []string{"x=unset"}},
		{"--scp-extra-args refused", append([]string{"--scp-extra-args", "-l 10"}, local...), 5, []string{"never with scp or sftp"}, nil},
		{"--sftp-extra-args refused", append([]string{"--sftp-extra-args=-l 10"}, local...), 5, []string{"never with scp or sftp"}, nil},
		{"unknown flag", append([]string{"--bogus"}, local...), 5, []string{"unknown flag: --bogus"}, nil},
		{"--version", []string{"--version"}, 0, []string{"; play answers as ansible-playbook"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"play"}, tc.args...)
			if tc.args[0] != "--version" {
				args = append(args, pb)
			}
			r := execDrover(t, nil, args...)
			out := r.stdout + r.stderr
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestReadPasswordFile reads become and connection password files as
// Ansible does.
func TestReadPasswordFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, stdin, want, err string
	}{
		{name: "file", path: write("plain", "  s3cret \r\n", 0o600), want: "s3cret"},
		{name: "script", path: write("script", "#!/bin/sh\necho ' s3cret '\n", 0o700), want: " s3cret "},
		{name: "standard input", path: "-", stdin: "from-stdin\n", want: "from-stdin"},
		{name: "failing script", path: write("fails", "#!/bin/sh\necho nope >&2; exit 3\n", 0o700), err: "nope"},
		{name: "empty file", path: write("empty", "\n", 0o600), err: "empty password was provided from file"},
		{name: "script printing nothing", path: write("silent", "#!/bin/sh\n", 0o700), err: "empty password"},
		{name: "missing", path: filepath.Join(dir, "missing"), err: "was not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stdin != "" {
				restore := replaceStdin(t, write("stdin", tc.stdin, 0o600))
				defer restore()
			}
			got, err := readPasswordFile(context.Background(), "--become-password-file", tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--become-password-file") {
					t.Fatalf("error %v, want one naming the flag and saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// replaceStdin makes the file at path the process's standard input until
// the returned function restores it.
func replaceStdin(t *testing.T, path string) func() {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = f
	return func() {
		os.Stdin = old
		f.Close()
	}
}

// TestModulePathFlag: -M/--module-path directories are searched for the
// modules a playbook names before the configured library, as
// ansible-playbook's are; without them the module is unknown (exit 4).
func TestModulePathFlag(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	files := map[string]string{
		"lib/drover_m_probe": "#!/bin/sh\n# WANT_JSON\necho '{\"changed\": false, \"msg\": \"from the module path\"}'\n",
		"pb.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - drover_m_probe:\n      register: r\n" +
			"    - debug: msg=\"{{ r.msg }}\"\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pb := filepath.Join(dir, "pb.yml")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"-M", []string{"-M", "/nonexistent:" + lib}, 0, "from the module path"},
		{"--module-path", []string{"--module-path=" + lib}, 0, "from the module path"},
		{"none", nil, 4, "drover_m_probe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"play", "-i", "somehost,", "-c", "local"}, tc.args...), pb)
			r := execDrover(t, []string{"ANSIBLE_LIBRARY=/dev/null"}, args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q:\n%s%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}
