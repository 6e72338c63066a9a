package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/drover/drover/internal/exitcode"
)

// TestVaultHelperProcess is not a test: runDrover re-executes the test
// binary with DROVER_VAULT_HELPER=1 and this runs drover's root command on
// the arguments after "--", ending the process with drover's exit status.
func TestVaultHelperProcess(t *testing.T) {
	if os.Getenv("DROVER_VAULT_HELPER") != "1" {
		t.Skip("helper process for the drover vault tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil && !exitcode.Silent(err) {
		fmt.Fprintln(os.Stderr, "drover: "+err.Error())
	}
	os.Exit(exitcode.Code(err))
}

// droverCmd prepares drover (the re-executed test binary) to run args in dir.
func droverCmd(t testing.TB, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestVaultHelperProcess$", "--"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "DROVER_VAULT_HELPER=1", "ANSIBLE_VAULT_PASSWORD_FILE="), env...)
	// a session of its own: no controlling terminal to prompt on, unless
	// the test gives it one
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

// runDrover runs drover with stdin and returns stdout, stderr and the exit
// status.
func runDrover(t testing.TB, dir, stdin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := droverCmd(t, dir, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// mustDrover runs drover and fails the test unless it exits 0.
func mustDrover(t testing.TB, dir, stdin string, env []string, args ...string) string {
	t.Helper()
	out, errOut, code := runDrover(t, dir, stdin, env, args...)
	if code != 0 {
		t.Fatalf("drover %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// needTool returns the path of an external program; it skips the test
// when the program is missing, and fails it under CI.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (CI=true): run scripts/test-deps.sh", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// ansibleCmd runs an Ansible program in dir and returns its stdout; it
// fails the test on a non-zero exit.
func ansibleCmd(t testing.TB, dir, program string, args ...string) string {
	t.Helper()
	cmd := exec.Command(needTool(t, program), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=False", "PAGER=cat")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", program, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// vaultDir makes a directory with password files: pw-default (a file),
// pw-dev (a file) and pw-prod.sh (a password script).
func vaultDir(t testing.TB) string {
	dir := t.TempDir()
	put(t, dir, "pw-default", "default-pass\n", 0o600)
	put(t, dir, "pw-dev", "dev-pass\n", 0o600)
	put(t, dir, "pw-prod.sh", "#!/bin/sh\necho prod-pass\n", 0o700)
	put(t, dir, "pw-wrong", "not-the-password\n", 0o600)
	return dir
}

func put(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVaultOpensAnsibleFiles: files ansible-vault encrypted under three
// vault ids open in drover vault view and decrypt with one keyring.
func TestVaultOpensAnsibleFiles(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "all.yml", "db_password: all-secret\n", 0o600)
	put(t, dir, "dev.yml", "token: dev-secret\n", 0o600)
	put(t, dir, "prod.yml", "token: prod-secret\n", 0o600)
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "all.yml")
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-id", "dev@pw-dev", "dev.yml")
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-id", "prod@pw-prod.sh", "prod.yml")
	ids := []string{"--vault-id", "prod@pw-prod.sh", "--vault-id", "dev@pw-dev", "--vault-password-file", "pw-default"}

	out, errOut, code := runDrover(t, dir, "", nil, append(append([]string{"vault", "view", "-v"}, ids...), "all.yml", "dev.yml", "prod.yml")...)
	if want := "db_password: all-secret\ntoken: dev-secret\ntoken: prod-secret\n"; out != want || code != 0 {
		t.Errorf("view gave %q (exit %d), want %q", out, code, want)
	}
	for _, want := range []string{"all.yml: decrypted with vault id default", "dev.yml: decrypted with vault id dev", "prod.yml: decrypted with vault id prod"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("-v output %q lacks %q", errOut, want)
		}
	}
	out = mustDrover(t, dir, "", []string{"ANSIBLE_VAULT_PASSWORD_FILE=pw-dev"}, "vault", "decrypt", "--output", "-", "dev.yml")
	if out != "token: dev-secret\n" {
		t.Errorf("decrypt with ANSIBLE_VAULT_PASSWORD_FILE gave %q", out)
	}
	out = mustDrover(t, dir, read(t, filepath.Join(dir, "prod.yml")), nil, "vault", "decrypt", "--vault-id", "pw-prod.sh")
	if out != "token: prod-secret\n" {
		t.Errorf("decrypt from stdin gave %q", out)
	}
	mustDrover(t, dir, "", nil, append(append([]string{"vault", "decrypt"}, ids...), "all.yml")...)
	if got := read(t, filepath.Join(dir, "all.yml")); got != "db_password: all-secret\n" {
		t.Errorf("decrypt in place left %q", got)
	}
}

// TestVaultAnsibleOpensDroverFiles: files and strings drover encrypts
// open in ansible-vault and ansible.
func TestVaultAnsibleOpensDroverFiles(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "v11.yml", "a: 1\n", 0o644)
	put(t, dir, "v12.yml", "b: 2\n", 0o644)
	put(t, dir, "src.yml", "c: 3\n", 0o644)
	mustDrover(t, dir, "", nil, "vault", "encrypt", "--vault-password-file", "pw-default", "v11.yml")
	mustDrover(t, dir, "", nil, "vault", "encrypt", "--vault-id", "dev@pw-dev", "v12.yml")
	mustDrover(t, dir, "", nil, "vault", "encrypt", "--vault-id", "dev@pw-dev", "--vault-id", "prod@pw-prod.sh",
		"--encrypt-vault-id", "prod", "--output", "out.yml", "src.yml")
	tests := []struct {
		file, header, plain string
		args                []string
	}{
		{"v11.yml", "$ANSIBLE_VAULT;1.1;AES256", "a: 1\n", []string{"--vault-password-file", "pw-default"}},
		{"v12.yml", "$ANSIBLE_VAULT;1.2;AES256;dev", "b: 2\n", []string{"--vault-id", "dev@pw-dev"}},
		{"out.yml", "$ANSIBLE_VAULT;1.2;AES256;prod", "c: 3\n", []string{"--vault-id", "prod@pw-prod.sh"}},
	}
	for _, tt := range tests {
		if got := strings.SplitN(read(t, filepath.Join(dir, tt.file)), "\n", 2)[0]; got != tt.header {
			t.Errorf("%s: header %q, want %q", tt.file, got, tt.header)
		}
		if fi, _ := os.Stat(filepath.Join(dir, tt.file)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 as ansible-vault writes", tt.file, fi.Mode().Perm())
		}
		out := ansibleCmd(t, dir, "ansible-vault", append(append([]string{"view"}, tt.args...), tt.file)...)
		if out != tt.plain {
			t.Errorf("ansible-vault view %s: %q, want %q", tt.file, out, tt.plain)
		}
	}
	if read(t, filepath.Join(dir, "src.yml")) != "c: 3\n" {
		t.Errorf("--output changed the input file")
	}

	inline := mustDrover(t, dir, "", nil, "vault", "encrypt_string", "--vault-id", "dev@pw-dev", "-n", "token", "inline-secret", "-n", "other", "second value")
	fromStdin := mustDrover(t, dir, "multi\nline\n", nil, "vault", "encrypt_string", "--vault-id", "dev@pw-dev", "--stdin-name", "block")
	put(t, dir, "vars.yml", "plain: x\n"+inline+fromStdin, 0o600)
	out := ansibleCmd(t, dir, "ansible", "localhost", "-m", "debug", "-a", "msg={{ token }}|{{ other }}|{{ block }}", "-e", "@vars.yml", "--vault-id", "dev@pw-dev")
	if !strings.Contains(out, `"msg": "inline-secret|second value|multi\nline\n"`) {
		t.Errorf("ansible did not read drover's encrypt_string output:\n%s\n%s", read(t, filepath.Join(dir, "vars.yml")), out)
	}
}

// TestVaultWrongPassword: a wrong password names the file, exits 4, shows
// no plaintext and leaves nothing decrypted on disk.
func TestVaultWrongPassword(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "group_vars/all.yml", "db_password: TopSecretValue\n", 0o600)
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "group_vars/all.yml")
	before := read(t, filepath.Join(dir, "group_vars/all.yml"))
	for _, sub := range [][]string{{"decrypt"}, {"view"}, {"rekey", "--new-vault-password-file", "pw-dev"}, {"edit"}} {
		t.Run(sub[0], func(t *testing.T) {
			args := append(append([]string{"vault"}, sub...), "--vault-password-file", "pw-wrong", "group_vars/all.yml")
			out, errOut, code := runDrover(t, dir, "", []string{"EDITOR=true"}, args...)
			if code != exitcode.BadInput {
				t.Errorf("exit %d, want %d", code, exitcode.BadInput)
			}
			if want := "drover: group_vars/all.yml: vault: HMAC verification failed (wrong password?)\n"; errOut != want {
				t.Errorf("stderr %q, want %q", errOut, want)
			}
			if strings.Contains(out+errOut, "TopSecretValue") {
				t.Errorf("plaintext printed")
			}
			if read(t, filepath.Join(dir, "group_vars/all.yml")) != before {
				t.Errorf("file changed")
			}
			assertNoPlaintextOnDisk(t, dir, "TopSecretValue")
		})
	}
}

// assertNoPlaintextOnDisk fails if any file under dir holds secret.
func assertNoPlaintextOnDisk(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(read(t, path), secret) {
			t.Errorf("%s holds the plaintext", path)
		}
		return nil
	})
}

// editorScript writes an EDITOR that records the file it was given, the
// modes of that file and its directory, then runs action on the file.
func editorScript(t *testing.T, dir, action string) (editor, record string) {
	record = filepath.Join(dir, "editor-record")
	editor = put(t, dir, "editor.sh", fmt.Sprintf("#!/bin/sh\nset -e\nf=\"$1\"\nprintf '%%s %%s %%s\\n' \"$f\" \"$(stat -c %%a \"$f\")\" \"$(stat -c %%a \"$(dirname \"$f\")\")\" > %s\n%s\n", record, action), 0o700)
	return editor, record
}

// checkTempGone reads the editor's record: the temporary file was private
// (0600 in a 0700 directory) and is gone.
func checkTempGone(t *testing.T, record string) {
	t.Helper()
	fields := strings.Fields(read(t, record))
	if len(fields) != 3 {
		t.Fatalf("editor record %q", fields)
	}
	if fields[1] != "600" || fields[2] != "700" {
		t.Errorf("temporary file mode %s in directory mode %s, want 600 in 700", fields[1], fields[2])
	}
	if _, err := os.Stat(fields[0]); !os.IsNotExist(err) {
		t.Errorf("temporary file %s still there: %v", fields[0], err)
	}
	if _, err := os.Stat(filepath.Dir(fields[0])); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s still there: %v", filepath.Dir(fields[0]), err)
	}
}

func TestVaultEdit(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "dev.yml", "token: old-token\n", 0o640)
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-id", "dev@pw-dev", "dev.yml")
	os.Chmod(filepath.Join(dir, "dev.yml"), 0o640)

	t.Run("change saved", func(t *testing.T) {
		editor, record := editorScript(t, dir, `sed -i s/old-token/new-token/ "$f"`)
		mustDrover(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		checkTempGone(t, record)
		data := read(t, filepath.Join(dir, "dev.yml"))
		if !strings.HasPrefix(data, "$ANSIBLE_VAULT;1.2;AES256;dev\n") {
			t.Errorf("edit did not keep the vault id: %q", strings.SplitN(data, "\n", 2)[0])
		}
		if fi, _ := os.Stat(filepath.Join(dir, "dev.yml")); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
		}
		if out := ansibleCmd(t, dir, "ansible-vault", "view", "--vault-id", "dev@pw-dev", "dev.yml"); out != "token: new-token\n" {
			t.Errorf("ansible-vault view after edit: %q", out)
		}
	})
	t.Run("unchanged not rewritten", func(t *testing.T) {
		before := read(t, filepath.Join(dir, "dev.yml"))
		editor, record := editorScript(t, dir, "true")
		mustDrover(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		checkTempGone(t, record)
		if read(t, filepath.Join(dir, "dev.yml")) != before {
			t.Errorf("unchanged content was re-encrypted")
		}
	})
	t.Run("editor failure", func(t *testing.T) {
		before := read(t, filepath.Join(dir, "dev.yml"))
		editor, record := editorScript(t, dir, `echo changed >> "$f"; exit 3`)
		_, errOut, code := runDrover(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		if code != exitcode.Failed || !strings.Contains(errOut, "dev.yml left unchanged") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		checkTempGone(t, record)
		if read(t, filepath.Join(dir, "dev.yml")) != before {
			t.Errorf("file changed after editor failure")
		}
	})
	assertNoPlaintextOnDisk(t, dir, "token:")
}

func TestVaultCreate(t *testing.T) {
	dir := vaultDir(t)
	editor, record := editorScript(t, dir, `printf 'created: yes\n' > "$f"`)
	mustDrover(t, dir, "", []string{"EDITOR=" + editor}, "vault", "create", "--vault-id", "ops@pw-default", "new/secrets.yml")
	checkTempGone(t, record)
	if out := ansibleCmd(t, dir, "ansible-vault", "view", "--vault-id", "ops@pw-default", "new/secrets.yml"); out != "created: yes\n" {
		t.Errorf("ansible-vault view of created file: %q", out)
	}
	_, errOut, code := runDrover(t, dir, "", []string{"EDITOR=" + editor}, "vault", "create", "--vault-password-file", "pw-default", "new/secrets.yml")
	if code != exitcode.Usage || !strings.Contains(errOut, "exists, please use 'edit' instead") {
		t.Errorf("create over an existing file: exit %d, %q", code, errOut)
	}
}

func TestVaultRekey(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "a.yml", "a: rekeyed\n", 0o600)
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "a.yml")
	os.Chmod(filepath.Join(dir, "a.yml"), 0o644)
	mustDrover(t, dir, "", nil, "vault", "rekey", "--vault-password-file", "pw-default", "--new-vault-id", "prod@pw-prod.sh", "a.yml")
	if got := strings.SplitN(read(t, filepath.Join(dir, "a.yml")), "\n", 2)[0]; got != "$ANSIBLE_VAULT;1.2;AES256;prod" {
		t.Errorf("header after rekey %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a.yml")); fi.Mode().Perm() != 0o644 {
		t.Errorf("rekey changed mode to %v", fi.Mode().Perm())
	}
	if out := ansibleCmd(t, dir, "ansible-vault", "view", "--vault-id", "prod@pw-prod.sh", "a.yml"); out != "a: rekeyed\n" {
		t.Errorf("ansible-vault view after rekey: %q", out)
	}
	if _, _, code := runDrover(t, dir, "", nil, "vault", "view", "--vault-password-file", "pw-default", "a.yml"); code != exitcode.BadInput {
		t.Errorf("old password still opens the file (exit %d)", code)
	}
}

func TestVaultUsageErrors(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "a.yml", "a: 1\n", 0o600)
	put(t, dir, "b.yml", "b: 1\n", 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"vault"}, "a vault command is required"},
		{"unknown command", []string{"vault", "frobnicate"}, `unknown vault command "frobnicate"`},
		{"unknown flag", []string{"vault", "view", "--bogus", "a.yml"}, "unknown flag: --bogus"},
		{"view without file", []string{"vault", "view", "--vault-password-file", "pw-dev"}, "requires at least 1 arg"},
		{"output with two files", []string{"vault", "encrypt", "--vault-password-file", "pw-dev", "--output", "x", "a.yml", "b.yml"}, "at most one input file"},
		{"two ids, no encrypt id", []string{"vault", "encrypt", "--vault-id", "a@pw-dev", "--vault-id", "b@pw-default", "a.yml"}, "choose one with --encrypt-vault-id"},
		{"unknown encrypt id", []string{"vault", "encrypt", "--vault-id", "a@pw-dev", "--encrypt-vault-id", "zz", "a.yml"}, `no vault secret with that vault id "zz"`},
		{"semicolon in id", []string{"vault", "view", "--vault-id", "a;b@pw-dev", "a.yml"}, "';' is not allowed"},
		{"create two files", []string{"vault", "create", "x.yml", "y.yml"}, "accepts 1 arg"},
		{"prompt and stdin", []string{"vault", "encrypt_string", "--vault-password-file", "pw-dev", "-p", "-"}, "--prompt option is not supported"},
		{"empty string", []string{"vault", "encrypt_string", "--vault-password-file", "pw-dev", ""}, "was empty"},
		{"no password and no terminal", []string{"vault", "view", "a.yml"}, "no terminal"},
		{"both new sources", []string{"vault", "rekey", "--vault-password-file", "pw-dev", "--new-vault-id", "x@pw-dev", "--new-vault-password-file", "pw-dev", "a.yml"}, "cannot be used together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runDrover(t, dir, "", nil, tt.args...)
			if code != exitcode.Usage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, exitcode.Usage, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, args string }{
		{"missing file", "vault view --vault-password-file pw-dev nosuch.yml"},
		{"not encrypted", "vault view --vault-password-file pw-dev a.yml"},
		{"missing password file", "vault view --vault-password-file nosuch a.yml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, errOut, code := runDrover(t, dir, "", nil, strings.Fields(tt.args)...); code != exitcode.BadInput {
				t.Errorf("exit %d (%q), want %d", code, errOut, exitcode.BadInput)
			}
		})
	}
}

// TestVaultAskVaultPass types the password on a real pseudo-terminal: the
// prompt is Ansible's, the typed password is not echoed.
func TestVaultAskVaultPass(t *testing.T) {
	dir := vaultDir(t)
	put(t, dir, "a.yml", "answer: 42\n", 0o600)
	ansibleCmd(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "a.yml")
	cmd := droverCmd(t, dir, nil, "vault", "view", "--ask-vault-pass", "a.yml")
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tty.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	screen := &vaultScreen{}
	done := make(chan error, 1)
	go func() { _, err := io.Copy(screen, tty); done <- err }()
	waitFor(t, screen, "Vault password: ")
	fmt.Fprint(tty, "default-pass\r")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("drover: %v\n%s", err, screen.String())
	}
	tty.Close()
	<-done
	if strings.Contains(screen.String(), "default-pass") {
		t.Errorf("typed password echoed: %q", screen.String())
	}
	if !strings.Contains(screen.String(), "answer: 42") {
		t.Errorf("plaintext not shown: %q", screen.String())
	}
}

// waitFor polls the terminal output until it contains want; the bound is a
// safety net against a hung child, not a timing assertion.
func waitFor(t *testing.T, screen *vaultScreen, want string) {
	t.Helper()
	for range 1000 {
		if strings.Contains(screen.String(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never saw %q on the terminal: %q", want, screen.String())
}

// vaultScreen collects terminal output written by one goroutine and read
// by another.
type vaultScreen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *vaultScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *vaultScreen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
