package testlab_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// need skips (or fails under CI) when program is missing.
func need(t *testing.T, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed", program)
		}
		t.Skipf("%s not installed", program)
	}
}

// ssh runs the real OpenSSH client with the lab's ssh_config.
func ssh(t *testing.T, lab *testlab.Lab, args ...string) (string, error) {
	t.Helper()
	need(t, "ssh")
	full := append([]string{"-F", lab.SSHConfig, "-o", "BatchMode=yes"}, args...)
	out, err := exec.Command("ssh", full...).CombinedOutput()
	return string(out), err
}

func TestHostsAnswerOpenSSHClient(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 3})
	seen := map[string]bool{}
	for _, h := range lab.Hosts {
		if seen[h.Addr] {
			t.Errorf("address %s used twice", h.Addr)
		}
		seen[h.Addr] = true
		out, err := ssh(t, lab, h.Name, "cd "+h.Dir+" && touch made && echo $PWD")
		if err != nil || strings.TrimSpace(out) != h.Dir {
			t.Fatalf("ssh %s: %v: %s", h.Name, err, out)
		}
		if _, err := os.Stat(h.Dir + "/made"); err != nil {
			t.Errorf("file not made on %s: %v", h.Name, err)
		}
		if h.Accepted() != 1 {
			t.Errorf("%s: %d logins logged, want 1:\n%s", h.Name, h.Accepted(), h.Log())
		}
	}
}

func TestWrongKeyHostIsRefusedByOpenSSH(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h, err := lab.AddHost(testlab.HostOptions{Name: "bad", WrongKey: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := ssh(t, lab, h.Name, "true")
	if err == nil || !strings.Contains(out, "REMOTE HOST IDENTIFICATION HAS CHANGED") {
		t.Fatalf("want a changed-key refusal, got %v: %s", err, out)
	}
}

func TestPasswordHost(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h, err := lab.AddHost(testlab.HostOptions{Name: "pw", Password: true})
	if err != nil {
		if os.Geteuid() != 0 {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	need(t, "sshpass")
	need(t, "ssh")
	cmd := exec.Command("sshpass", "-e", "ssh", "-F", lab.SSHConfig, "-o", "IdentityFile=none",
		"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", h.Name, "id -un")
	cmd.Env = append(os.Environ(), "SSHPASS="+h.Password)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != h.User {
		t.Fatalf("password login: %v: %s", err, out)
	}
}

func TestInventoryReadsInAnsible(t *testing.T) {
	need(t, "ansible-inventory")
	lab := testlab.Start(t, testlab.Options{Hosts: 2})
	out, err := exec.Command("ansible-inventory", "-i", lab.Inventory, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var inv struct {
		Meta struct {
			Hostvars map[string]map[string]any `json:"hostvars"`
		} `json:"_meta"`
	}
	if err := json.Unmarshal(out, &inv); err != nil {
		t.Fatal(err)
	}
	for _, h := range lab.Hosts {
		v := inv.Meta.Hostvars[h.Name]
		if v["ansible_host"] != h.Addr || v["ansible_port"] != float64(h.Port) || v["ansible_user"] != h.User {
			t.Errorf("%s: hostvars %v", h.Name, v)
		}
		if !strings.Contains(v["ansible_ssh_common_args"].(string), lab.KnownHosts) {
			t.Errorf("%s: common args %v", h.Name, v["ansible_ssh_common_args"])
		}
	}
}

func TestEncryptedKeyNeedsPassphrase(t *testing.T) {
	need(t, "ssh-keygen")
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	path := lab.EncryptedKey(t, "s3cret")
	if err := exec.Command("ssh-keygen", "-y", "-P", "wrong", "-f", path).Run(); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
	out, err := exec.Command("ssh-keygen", "-y", "-P", "s3cret", "-f", path).Output()
	if err != nil || !strings.HasPrefix(string(out), "ssh-ed25519 ") {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestStopKillsSessions(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	need(t, "ssh")
	cmd := exec.Command("ssh", "-F", lab.SSHConfig, h.Name, "echo $$ > "+h.Dir+"/pid; exec sleep 300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if b, _ := os.ReadFile(h.Dir + "/pid"); len(b) > 0 {
			break
		}
		exec.Command("sleep", "0.01").Run()
	}
	h.Stop()
	cmd.Wait()
	b, _ := os.ReadFile(h.Dir + "/pid")
	st, err := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/stat")
	if err == nil && !strings.Contains(string(st), ") Z ") {
		t.Errorf("session process outlived the host: %s", st)
	}
}

func TestMain(m *testing.M) { testlab.Main(m) }

func TestSharedLabIsStartedOnce(t *testing.T) {
	a := testlab.Shared(t, testlab.Options{Hosts: 2})
	b := testlab.Shared(t, testlab.Options{Hosts: 2})
	if a != b || len(a.Hosts) != 2 {
		t.Fatalf("shared labs differ: %v %v", a, b)
	}
}

func TestPeers(t *testing.T) {
	for name, addr := range map[string]string{"silent": testlab.SilentPeer(t), "closed": testlab.ClosedPort(t)} {
		out, err := exec.Command("ssh", "-o", "ConnectTimeout=1", "-o", "BatchMode=yes",
			"-p", strings.Split(addr, ":")[1], "127.0.0.1", "true").CombinedOutput()
		want := map[string]string{"silent": "timed out", "closed": "refused"}[name]
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("%s peer: want %q, got %v: %s", name, want, err, out)
		}
	}
}
