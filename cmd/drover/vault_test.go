package main

import (
	"bytes"
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

// vaultDroverCmd prepares drover (the test binary re-executed, see main_test.go)
// to run args in dir, in a session of its own: no controlling terminal to
// prompt on unless the test gives it one, and no vault password from the
// caller's environment.
func vaultDroverCmd(dir string, env []string, args ...string) *exec.Cmd {
	cmd := drover(append([]string{"ANSIBLE_VAULT_PASSWORD_FILE="}, env...), args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

// vaultRun runs drover with stdin and returns stdout, stderr and the exit
// status.
func vaultRun(t testing.TB, dir, stdin string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := vaultDroverCmd(dir, env, args...)
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

// vaultMust runs drover and fails the test unless it exits 0.
func vaultMust(t testing.TB, dir, stdin string, env []string, args ...string) string {
	t.Helper()
	out, errOut, code := vaultRun(t, dir, stdin, env, args...)
	if code != 0 {
		t.Fatalf("drover %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// vaultNeedTool returns the path of an external program; it skips the test
// when the program is missing, and fails it under CI.
func vaultNeedTool(t testing.TB, name string) string {
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

// vaultAnsible runs an Ansible program in dir and returns its stdout; it
// fails the test on a non-zero exit.
func vaultAnsible(t testing.TB, dir, program string, args ...string) string {
	t.Helper()
	cmd := exec.Command(vaultNeedTool(t, program), args...)
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
	vaultPut(t, dir, "pw-default", "default-pass\n", 0o600)
	vaultPut(t, dir, "pw-dev", "dev-pass\n", 0o600)
	vaultPut(t, dir, "pw-prod.sh", "#!/bin/sh\necho prod-pass\n", 0o700)
	vaultPut(t, dir, "pw-wrong", "not-the-password\n", 0o600)
	return dir
}

func vaultPut(t testing.TB, dir, name, content string, mode os.FileMode) string {
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

func vaultRead(t testing.TB, path string) string {
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
	vaultPut(t, dir, "all.yml", "db_password: all-secret\n", 0o600)
	vaultPut(t, dir, "dev.yml", "token: dev-secret\n", 0o600)
	vaultPut(t, dir, "prod.yml", "token: prod-secret\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "all.yml")
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-id", "dev@pw-dev", "dev.yml")
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-id", "prod@pw-prod.sh", "prod.yml")
	ids := []string{"--vault-id", "prod@pw-prod.sh", "--vault-id", "dev@pw-dev", "--vault-password-file", "pw-default"}

	out, errOut, code := vaultRun(t, dir, "", nil, append(append([]string{"vault", "view", "-v"}, ids...), "all.yml", "dev.yml", "prod.yml")...)
	if want := "db_password: all-secret\ntoken: dev-secret\ntoken: prod-secret\n"; out != want || code != 0 {
		t.Errorf("view gave %q (exit %d), want %q", out, code, want)
	}
	for _, want := range []string{"all.yml: decrypted with vault id default", "dev.yml: decrypted with vault id dev", "prod.yml: decrypted with vault id prod"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("-v output %q lacks %q", errOut, want)
		}
	}
	out = vaultMust(t, dir, "", []string{"ANSIBLE_VAULT_PASSWORD_FILE=pw-dev"}, "vault", "decrypt", "--output", "-", "dev.yml")
	if out != "token: dev-secret\n" {
		t.Errorf("decrypt with ANSIBLE_VAULT_PASSWORD_FILE gave %q", out)
	}
	out = vaultMust(t, dir, vaultRead(t, filepath.Join(dir, "prod.yml")), nil, "vault", "decrypt", "--vault-id", "pw-prod.sh")
	if out != "token: prod-secret\n" {
		t.Errorf("decrypt from stdin gave %q", out)
	}
	vaultMust(t, dir, "", nil, append(append([]string{"vault", "decrypt"}, ids...), "all.yml")...)
	if got := vaultRead(t, filepath.Join(dir, "all.yml")); got != "db_password: all-secret\n" {
		t.Errorf("decrypt in place left %q", got)
	}
}

// TestVaultAnsibleOpensDroverFiles: files and strings drover encrypts
// open in ansible-vault and ansible.
func TestVaultAnsibleOpensDroverFiles(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "v11.yml", "a: 1\n", 0o644)
	vaultPut(t, dir, "v12.yml", "b: 2\n", 0o644)
	vaultPut(t, dir, "src.yml", "c: 3\n", 0o644)
	vaultMust(t, dir, "", nil, "vault", "encrypt", "--vault-password-file", "pw-default", "v11.yml")
	vaultMust(t, dir, "", nil, "vault", "encrypt", "--vault-id", "dev@pw-dev", "v12.yml")
	vaultMust(t, dir, "", nil, "vault", "encrypt", "--vault-id", "dev@pw-dev", "--vault-id", "prod@pw-prod.sh",
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
		if got := strings.SplitN(vaultRead(t, filepath.Join(dir, tt.file)), "\n", 2)[0]; got != tt.header {
			t.Errorf("%s: header %q, want %q", tt.file, got, tt.header)
		}
		if fi, _ := os.Stat(filepath.Join(dir, tt.file)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 as ansible-vault writes", tt.file, fi.Mode().Perm())
		}
		out := vaultAnsible(t, dir, "ansible-vault", append(append([]string{"view"}, tt.args...), tt.file)...)
		if out != tt.plain {
			t.Errorf("ansible-vault view %s: %q, want %q", tt.file, out, tt.plain)
		}
	}
	if vaultRead(t, filepath.Join(dir, "src.yml")) != "c: 3\n" {
		t.Errorf("--output changed the input file")
	}

	inline := vaultMust(t, dir, "", nil, "vault", "encrypt_string", "--vault-id", "dev@pw-dev", "-n", "token", "inline-secret", "-n", "other", "second value")
	fromStdin := vaultMust(t, dir, "multi\nline\n", nil, "vault", "encrypt_string", "--vault-id", "dev@pw-dev", "--stdin-name", "block")
	vaultPut(t, dir, "vars.yml", "plain: x\n"+inline+fromStdin, 0o600)
	out := vaultAnsible(t, dir, "ansible", "localhost", "-m", "debug", "-a", "msg={{ token }}|{{ other }}|{{ block }}", "-e", "@vars.yml", "--vault-id", "dev@pw-dev")
	if !strings.Contains(out, `"msg": "inline-secret|second value|multi\nline\n"`) {
		t.Errorf("ansible did not read drover's encrypt_string output:\n%s\n%s", vaultRead(t, filepath.Join(dir, "vars.yml")), out)
	}
}

// TestVaultWrongPassword: a wrong password names the file, exits 4, shows
// no plaintext and leaves nothing decrypted on disk.
func TestVaultWrongPassword(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "group_vars/all.yml", "db_password: TopSecretValue\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "group_vars/all.yml")
	before := vaultRead(t, filepath.Join(dir, "group_vars/all.yml"))
	for _, sub := range [][]string{{"decrypt"}, {"view"}, {"rekey", "--new-vault-password-file", "pw-dev"}, {"edit"}} {
		t.Run(sub[0], func(t *testing.T) {
			args := append(append([]string{"vault"}, sub...), "--vault-password-file", "pw-wrong", "group_vars/all.yml")
			out, errOut, code := vaultRun(t, dir, "", []string{"EDITOR=true"}, args...)
			if code != exitcode.BadInput {
				t.Errorf("exit %d, want %d", code, exitcode.BadInput)
			}
			if want := "drover: group_vars/all.yml: vault: HMAC verification failed (wrong password?)\n"; errOut != want {
				t.Errorf("stderr %q, want %q", errOut, want)
			}
			if strings.Contains(out+errOut, "TopSecretValue") {
				t.Errorf("plaintext printed")
			}
			if vaultRead(t, filepath.Join(dir, "group_vars/all.yml")) != before {
				t.Errorf("file changed")
			}
			vaultNoPlaintextOnDisk(t, dir, "TopSecretValue")
		})
	}
}

// vaultNoPlaintextOnDisk fails if any file under dir holds secret.
func vaultNoPlaintextOnDisk(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(vaultRead(t, path), secret) {
			t.Errorf("%s holds the plaintext", path)
		}
		return nil
	})
}

// vaultEditorScript writes an EDITOR that records the file it was given, the
// modes of that file and its directory, then runs action on the file.
func vaultEditorScript(t *testing.T, dir, action string) (editor, record string) {
	record = filepath.Join(dir, "editor-record")
	editor = vaultPut(t, dir, "editor.sh", fmt.Sprintf("#!/bin/sh\nset -e\nf=\"$1\"\nprintf '%%s %%s %%s\\n' \"$f\" \"$(stat -c %%a \"$f\")\" \"$(stat -c %%a \"$(dirname \"$f\")\")\" > %s\n%s\n", record, action), 0o700)
	return editor, record
}

// vaultCheckTempGone reads the editor's record: the temporary file was private
// (0600 in a 0700 directory) and is gone.
func vaultCheckTempGone(t *testing.T, record string) {
	t.Helper()
	fields := strings.Fields(vaultRead(t, record))
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
	vaultPut(t, dir, "dev.yml", "token: old-token\n", 0o640)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-id", "dev@pw-dev", "dev.yml")
	os.Chmod(filepath.Join(dir, "dev.yml"), 0o640)

	t.Run("change saved", func(t *testing.T) {
		editor, record := vaultEditorScript(t, dir, `sed -i s/old-token/new-token/ "$f"`)
		vaultMust(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		vaultCheckTempGone(t, record)
		data := vaultRead(t, filepath.Join(dir, "dev.yml"))
		if !strings.HasPrefix(data, "$ANSIBLE_VAULT;1.2;AES256;dev\n") {
			t.Errorf("edit did not keep the vault id: %q", strings.SplitN(data, "\n", 2)[0])
		}
		if fi, _ := os.Stat(filepath.Join(dir, "dev.yml")); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
		}
		if out := vaultAnsible(t, dir, "ansible-vault", "view", "--vault-id", "dev@pw-dev", "dev.yml"); out != "token: new-token\n" {
			t.Errorf("ansible-vault view after edit: %q", out)
		}
	})
	t.Run("unchanged not rewritten", func(t *testing.T) {
		before := vaultRead(t, filepath.Join(dir, "dev.yml"))
		editor, record := vaultEditorScript(t, dir, "true")
		vaultMust(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		vaultCheckTempGone(t, record)
		if vaultRead(t, filepath.Join(dir, "dev.yml")) != before {
			t.Errorf("unchanged content was re-encrypted")
		}
	})
	t.Run("editor failure", func(t *testing.T) {
		before := vaultRead(t, filepath.Join(dir, "dev.yml"))
		editor, record := vaultEditorScript(t, dir, `echo changed >> "$f"; exit 3`)
		_, errOut, code := vaultRun(t, dir, "", []string{"EDITOR=" + editor}, "vault", "edit", "--vault-id", "dev@pw-dev", "dev.yml")
		if code != exitcode.Failed || !strings.Contains(errOut, "dev.yml left unchanged") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		vaultCheckTempGone(t, record)
		if vaultRead(t, filepath.Join(dir, "dev.yml")) != before {
			t.Errorf("file changed after editor failure")
		}
	})
	vaultNoPlaintextOnDisk(t, dir, "token:")
}

func TestVaultCreate(t *testing.T) {
	dir := vaultDir(t)
	editor, record := vaultEditorScript(t, dir, `printf 'created: yes\n' > "$f"`)
	vaultMust(t, dir, "", []string{"EDITOR=" + editor}, "vault", "create", "--vault-id", "ops@pw-default", "new/secrets.yml")
	vaultCheckTempGone(t, record)
	if out := vaultAnsible(t, dir, "ansible-vault", "view", "--vault-id", "ops@pw-default", "new/secrets.yml"); out != "created: yes\n" {
		t.Errorf("ansible-vault view of created file: %q", out)
	}
	_, errOut, code := vaultRun(t, dir, "", []string{"EDITOR=" + editor}, "vault", "create", "--vault-password-file", "pw-default", "new/secrets.yml")
	if code != exitcode.Usage || !strings.Contains(errOut, "exists, please use 'edit' instead") {
		t.Errorf("create over an existing file: exit %d, %q", code, errOut)
	}
}

func TestVaultRekey(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "a.yml", "a: rekeyed\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "a.yml")
	os.Chmod(filepath.Join(dir, "a.yml"), 0o644)
	vaultMust(t, dir, "", nil, "vault", "rekey", "--vault-password-file", "pw-default", "--new-vault-id", "prod@pw-prod.sh", "a.yml")
	if got := strings.SplitN(vaultRead(t, filepath.Join(dir, "a.yml")), "\n", 2)[0]; got != "$ANSIBLE_VAULT;1.2;AES256;prod" {
		t.Errorf("header after rekey %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a.yml")); fi.Mode().Perm() != 0o644 {
		t.Errorf("rekey changed mode to %v", fi.Mode().Perm())
	}
	if out := vaultAnsible(t, dir, "ansible-vault", "view", "--vault-id", "prod@pw-prod.sh", "a.yml"); out != "a: rekeyed\n" {
		t.Errorf("ansible-vault view after rekey: %q", out)
	}
	if _, _, code := vaultRun(t, dir, "", nil, "vault", "view", "--vault-password-file", "pw-default", "a.yml"); code != exitcode.BadInput {
		t.Errorf("old password still opens the file (exit %d)", code)
	}
}

func TestVaultUsageErrors(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "a.yml", "a: 1\n", 0o600)
	vaultPut(t, dir, "b.yml", "b: 1\n", 0o600)
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
			_, errOut, code := vaultRun(t, dir, "", nil, tt.args...)
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
			if _, errOut, code := vaultRun(t, dir, "", nil, strings.Fields(tt.args)...); code != exitcode.BadInput {
				t.Errorf("exit %d (%q), want %d", code, errOut, exitcode.BadInput)
			}
		})
	}
}

// TestVaultAskVaultPass types the password on a real pseudo-terminal: the
// prompt is Ansible's, the typed password is not echoed.
func TestVaultAskVaultPass(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "a.yml", "answer: 42\n", 0o600)
	vaultAnsible(t, dir, "ansible-vault", "encrypt", "--vault-password-file", "pw-default", "a.yml")
	cmd := vaultDroverCmd(dir, nil, "vault", "view", "--ask-vault-pass", "a.yml")
	tty, screen, done := startOnPTY(t, cmd)
	vaultWaitFor(t, screen, "Vault password: ")
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

// vaultWaitFor polls the terminal output until it contains want; the bound is a
// safety net against a hung child, not a timing assertion.
func vaultWaitFor(t *testing.T, screen *vaultScreen, want string) {
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
// startOnPTY starts cmd on a new pseudo-terminal and copies what it shows
// to screen; done receives the end of the copy once the terminal is
// closed. The process is killed if the test ends before it.
func startOnPTY(t *testing.T, cmd *exec.Cmd) (tty *os.File, screen *vaultScreen, done <-chan error) {
	t.Helper()
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
	screen = &vaultScreen{}
	copied := make(chan error, 1)
	go func() { _, err := io.Copy(screen, tty); copied <- err }()
	return tty, screen, copied
}

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
