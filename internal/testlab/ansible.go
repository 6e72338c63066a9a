package testlab

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// oracleCallback is the stdout callback the differential tests read
// Ansible's results through; it ships with the ansible.posix collection
// (Debian's ansible package), not with ansible-core.
const oracleCallback = "ansible.posix.json"

var oracle struct {
	once    sync.Once
	problem string
}

// NeedAnsible skips the test when the differential oracle is incomplete and
// fails it when CI=true: the programs named (ansible-playbook, ansible, …)
// must be on PATH and Ansible must load the json stdout callback the tests
// read its results with.
func NeedAnsible(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		_, err := exec.LookPath(p)
		Need(t, p+" (the differential oracle)", err == nil)
	}
	oracle.once.Do(func() { oracle.problem = oracleProblem() })
	Need(t, oracle.problem, oracle.problem == "")
}

// oracleProblem says what is missing for Ansible to print JSON results, or "".
func oracleProblem() string {
	out, err := exec.Command("ansible-doc", "-t", "callback", "-j", oracleCallback).Output()
	if err != nil {
		return fmt.Sprintf("ansible-doc (to find the %s callback): %v", oracleCallback, err)
	}
	if !strings.Contains(string(out), `"`+oracleCallback+`"`) {
		return fmt.Sprintf("Ansible's %s stdout callback (collection ansible.posix, Debian package ansible)", oracleCallback)
	}
	return ""
}
