package tasks

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// TestSetupFactsAgainstAnsible gathers facts on this machine with drover's
// setup module and with Ansible's (`ansible localhost -m setup`, local
// connection), and compares the facts issue 4 lists, as Ansible names and
// types them.
func TestSetupFactsAgainstAnsible(t *testing.T) {
	ansible, err := exec.LookPath("/usr/bin/ansible")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ansible-core is needed for the facts comparison")
		}
		t.Skip("ansible-core not installed")
	}
	want := ansibleFacts(t, ansible)
	r := sysRun(t, "setup", map[string]any{}, sysOpts{})
	mustOK(t, r, "setup")
	got, _ := r.Facts["ansible_facts"].(map[string]any)
	if got == nil {
		got = r.Facts
	}
	for _, key := range []string{
		"ansible_hostname", "ansible_fqdn", "ansible_distribution", "ansible_distribution_version",
		"ansible_distribution_major_version", "ansible_os_family", "ansible_architecture", "ansible_kernel",
		"ansible_user_id", "ansible_processor_vcpus", "ansible_memtotal_mb", "ansible_pkg_mgr",
		"ansible_default_ipv4.address", "ansible_env.HOME", "ansible_env.PATH",
	} {
		w, wok := lookupFact(want, key)
		g, gok := lookupFact(got, key)
		if !wok {
			t.Errorf("%s: Ansible reports no such fact", key)
			continue
		}
		if !gok || !sameFact(g, w) {
			t.Errorf("%s: drover %#v (present %v), Ansible %#v", key, g, gok, w)
		}
	}
}

// ansibleFacts runs Ansible's setup module on localhost and returns its
// facts with the ansible_ prefix, as playbooks see them.
func ansibleFacts(t *testing.T, ansible string) map[string]any {
	t.Helper()
	cmd := exec.Command(ansible, "localhost", "-m", "setup", "-c", "local", "-o")
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=False", "ANSIBLE_INVENTORY_UNPARSED_WARNING=False",
		"ANSIBLE_NOCOLOR=1", "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ansible setup: %v\n%s", err, out)
	}
	_, doc, ok := strings.Cut(string(out), "=>")
	if !ok {
		t.Fatalf("ansible setup output: %s", out)
	}
	var res struct {
		Facts map[string]any `json:"ansible_facts"`
	}
	if err := json.Unmarshal([]byte(doc), &res); err != nil {
		t.Fatalf("ansible setup JSON: %v", err)
	}
	return res.Facts
}

// lookupFact reads a dotted key such as ansible_default_ipv4.address.
func lookupFact(facts map[string]any, key string) (any, bool) {
	var v any = facts
	for _, part := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// sameFact compares a fact across the JSON (float64) and Go (int) number
// representations.
func sameFact(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	_, aText := a.(string)
	_, bText := b.(string)
	return aText == bText && fmt.Sprint(a) == fmt.Sprint(b)
}
