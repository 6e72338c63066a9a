package expect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport/ssh"
)

// sshHost starts a real sshd for the test and returns a connection to it and
// a directory its user owns, holding a copy of the asking program.
func sshHost(t *testing.T) (*ssh.Conn, string) {
	t.Helper()
	if why := testlab.PTYProblem(); why != "" {
		t.Skip(why)
	}
	lab := testlab.Start(t, testlab.Options{Hosts: 1, OwnUsers: os.Geteuid() == 0})
	h := lab.Hosts[0]
	c, err := ssh.Dial(context.Background(), ssh.Config{
		Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	data, err := os.ReadFile("testdata/asker.sh")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(h.Dir, "asker.sh")
	if err := os.WriteFile(script, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return c, script
}

// TestSSHPTYAsker drives the asking program over an SSH session with a
// pseudo-terminal on the host (no local terminal involved).
func TestSSHPTYAsker(t *testing.T) {
	c, script := sshHost(t)
	const pw = "Tr0ub4dor&3"
	spec, err := ParseArgs(map[string]any{"command": script, "idle_timeout": 10, "steps": askerSteps(pw, "y")})
	if err != nil {
		t.Fatal(err)
	}
	red := redact.New()
	o, err := Execute(context.Background(), spec, ConnStarter(c), ExecOptions{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	checkAskerOutcome(t, o, pw, red)

	spec.Program.Steps[1].Alternatives = spec.Program.Steps[1].Alternatives[:1]
	spec.Program.Steps[1].Alternatives[0].Pattern = "Passphrase:"
	spec.Program.IdleTimeout = 3e8
	o, err = Execute(context.Background(), spec, ConnStarter(c), ExecOptions{})
	if err != nil || !o.Failed || !strings.Contains(o.Msg, `step 2 (password) timed out (idle timeout 300ms) waiting for re "Passphrase:"`) {
		t.Fatalf("timeout: %v %+v", err, o)
	}
}

// TestSSHPTYAnsibleForm runs Ansible's form over SSH: the answers and the
// exit status come back as Ansible reports them.
func TestSSHPTYAnsibleForm(t *testing.T) {
	c, script := sshHost(t)
	spec, err := ParseArgs(map[string]any{"command": script, "responses": []Pair{
		{"Name:", "bob"}, {"(?i)password:", "secret-pw"}, {"Confirm", []any{"n"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Execute(context.Background(), spec, ConnStarter(c), ExecOptions{Secrets: []string{"secret-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	f := o.Fields()
	if f["rc"] != 3 || f["msg"] != "non-zero return code" || !strings.Contains(o.Stdout, "Confirm bob [y/N]? ") || !strings.HasSuffix(o.Stdout, "aborted") {
		t.Fatalf("%+v", f)
	}
}
