package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	sshtr "github.com/drover/drover/transport/ssh"
)

// TestHostnameAgainstAnsible runs the same steps of the hostname module
// with Ansible and with drover, each on a real sshd host of its own whose
// host name and /etc/hostname are private (UTS and mount namespaces), so
// this machine's name never changes; results (changed, failure message,
// diff, name facts) and the hosts' names after each step must match. CI
// machines run no systemd as init, so the strategy found is Debian's file
// strategy; use: picks the others.
func TestHostnameAgainstAnsible(t *testing.T) {
	testlab.Need(t, "root (namespaced hosts)", os.Geteuid() == 0)
	testlab.NeedAnsible(t, "ansible")
	lab := testlab.Start(t, testlab.Options{})
	hosts := map[string]*testlab.Host{}
	for _, name := range []string{"hn-ansible", "hn-drover"} {
		h, err := lab.AddHost(testlab.HostOptions{Name: name, Hostname: "vmold", PrivateEtcHostname: true})
		if err != nil {
			t.Fatal(err)
		}
		hosts[name] = h
	}
	conns := map[string]transport.Conn{}
	for name, h := range hosts {
		conns[name] = dialLab(t, lab, h)
	}
	steps := []struct {
		name  string
		args  map[string]any
		check bool
	}{
		{"check mode", map[string]any{"name": "web01"}, true},
		{"file strategy", map[string]any{"name": "web01"}, false},
		{"unchanged", map[string]any{"name": "web01"}, false},
		{"dotted name", map[string]any{"name": "web02.example.test"}, false},
		{"alpine strategy", map[string]any{"name": "db01", "use": "alpine"}, false},
		{"openbsd strategy without its file", map[string]any{"name": "db02", "use": "openbsd"}, true},
		{"redhat strategy without its file", map[string]any{"name": "db03", "use": "redhat"}, false},
		{"systemd strategy without systemd", map[string]any{"name": "db04", "use": "systemd"}, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			want := ansibleHostname(t, lab, st.args, st.check)
			r := sysRun(t, "hostname", st.args, sysOpts{conn: conns["hn-drover"], check: st.check})
			got := summarizeHostname(r.Registered())
			if !reflect.DeepEqual(got, want) {
				t.Errorf("result\ndrover:  %v\nansible: %v", got, want)
			}
			if a, d := hostNames(t, conns["hn-ansible"]), hostNames(t, conns["hn-drover"]); a != d {
				t.Errorf("host names after the step: drover %q, ansible %q", d, a)
			}
		})
	}
}

// dialLab connects to a lab host over SSH.
func dialLab(t *testing.T, lab *testlab.Lab, h *testlab.Host) transport.Conn {
	t.Helper()
	conn, err := sshtr.Dial(context.Background(), sshtr.Config{
		Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ansibleHostname runs Ansible's hostname module on hn-ansible.
func ansibleHostname(t *testing.T, lab *testlab.Lab, args map[string]any, check bool) map[string]any {
	t.Helper()
	a, _ := json.Marshal(args)
	argv := []string{"-i", lab.Inventory, "hn-ansible", "-m", "hostname", "-a", string(a), "-e", "ansible_python_interpreter=/usr/bin/python3"}
	if check {
		argv = append(argv, "-C")
	}
	cmd := exec.Command("ansible", argv...)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_HOST_KEY_CHECKING=1")
	out, _ := cmd.Output()
	var res struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Plays) == 0 || len(res.Plays[0].Tasks) == 0 {
		t.Fatalf("ansible: %v\n%s", err, out)
	}
	return summarizeHostname(res.Plays[0].Tasks[0].Hosts["hn-ansible"])
}

// summarizeHostname keeps what both programs must agree on.
func summarizeHostname(r map[string]any) map[string]any {
	out := map[string]any{"changed": r["changed"] == true, "failed": r["failed"] == true, "msg": r["msg"]}
	if facts, ok := r["ansible_facts"].(map[string]any); ok {
		for _, k := range []string{"ansible_hostname", "ansible_nodename", "ansible_fqdn", "ansible_domain"} {
			out[k] = facts[k]
		}
	}
	switch d := r["diff"].(type) {
	case map[string]any:
		out["diff"] = fmt.Sprint(d["before"], "->", d["after"])
	case []any:
		if len(d) == 1 {
			m, _ := d[0].(map[string]any)
			out["diff"] = fmt.Sprint(m["before"], "->", m["after"])
		}
	}
	return out
}

// hostNames is the host's current and permanent name.
func hostNames(t *testing.T, conn transport.Conn) string {
	t.Helper()
	res, err := conn.Run(context.Background(), transport.Command{Shell: "uname -n; cat /etc/hostname"})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Stdout)
}
