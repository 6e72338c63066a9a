package playbooks

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestCustomStatsMatchAnsible runs a playbook of set_stats calls (run and
// per-host statistics, aggregation of every type, loops, run_once, an
// ignored failure) with ansible-playbook and drover and compares the custom
// stats: as the json callback reports them, and as the default callback
// prints them after the recap.
func TestCustomStatsMatchAnsible(t *testing.T) {
	testlab.NeedAnsible(t, "ansible-playbook")
	book, inv := "testdata/stats/set_stats.yml", "testdata/stats/hosts"
	env := append(os.Environ(), "ANSIBLE_SHOW_CUSTOM_STATS=1", "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0")
	var doc struct {
		Custom map[string]map[string]any `json:"custom_stats"`
		Run    map[string]any            `json:"global_custom_stats"`
	}
	if err := json.Unmarshal(ansibleOut(t, append(env, "ANSIBLE_STDOUT_CALLBACK=json"), inv, book), &doc); err != nil {
		t.Fatal(err)
	}
	stats := runBook(t, book, inv, Options{})
	hosts, run := stats.Custom()
	if got := normalizeJSON(hosts); !reflect.DeepEqual(got, normalizeJSON(doc.Custom)) {
		t.Errorf("per-host stats: drover %v, ansible %v", got, doc.Custom)
	}
	if got := normalizeJSON(run); !reflect.DeepEqual(got, normalizeJSON(doc.Run)) {
		t.Errorf("run stats: drover %v, ansible %v", got, doc.Run)
	}
	text := string(ansibleOut(t, env, inv, book))
	_, shown, _ := strings.Cut(text, "CUSTOM STATS: ")
	_, shown, _ = strings.Cut(shown, "\n")
	want := strings.TrimRight(shown, "\n")
	if got := strings.Join(customStatsText(stats), "\n"); got != want {
		t.Errorf("custom stats shown:\n%s\nansible shows:\n%s", got, want)
	}
}

// ansibleOut runs ansible-playbook and returns its standard output.
func ansibleOut(t *testing.T, env []string, inv, book string) []byte {
	t.Helper()
	cmd := exec.Command("ansible-playbook", "-i", inv, book)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ansible-playbook: %v\n%s%s", err, out.String(), errb.String())
	}
	return out.Bytes()
}
