package expect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// need skips the test when a program the test talks to is missing, and
// fails it when CI=true, where the test environment must have everything.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (scripts/test-deps.sh installs it)", what)
	}
	t.Skipf("%s is missing", what)
}

// ansibleExpect runs Ansible's own expect module on localhost with args and
// returns its result.
func ansibleExpect(t *testing.T, args string) map[string]any {
	t.Helper()
	cmd := exec.Command("ansible", "localhost", "-c", "local", "-m", "expect", "-a", args)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOAD_CALLBACK_PLUGINS=1", "ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_INVENTORY_UNPARSED_WARNING=0", "ANSIBLE_NOCOLOR=1")
	out, _ := cmd.Output()
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.Plays) == 0 || len(doc.Plays[0].Tasks) == 0 {
		t.Fatalf("ansible output: %v\n%s", err, out)
	}
	return doc.Plays[0].Tasks[0].Hosts["localhost"]
}

// orderedJSON renders pairs as a JSON object in their order.
func orderedJSON(pairs []Pair) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Key)
		v, _ := json.Marshal(p.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// TestAnsibleFormMatchesAnsible runs the same expect tasks through Ansible's
// expect module (pexpect) and through drover's engine on a local terminal,
// and compares what a playbook sees: rc, stdout, stdout_lines, failed, msg,
// changed.
func TestAnsibleFormMatchesAnsible(t *testing.T) {
	testlab.NeedAnsible(t, "ansible")
	need(t, "python3-pexpect", exec.Command("/usr/bin/python3", "-c", "import pexpect").Run() == nil)
	a := asker(t)
	dir := t.TempDir()
	tests := []struct {
		name      string
		args      []Pair // everything but responses
		responses []Pair
	}{
		{"all answered", []Pair{{"command", a}}, []Pair{{"Name:", "alice"}, {"(?i)password:", "pw1"}, {"Confirm", []any{"y"}}}},
		{"echo and a non-zero status", []Pair{{"command", a}, {"echo", true}}, []Pair{{"Name:", "alice"}, {"(?i)password:", "pw1"}, {"Confirm", "n"}}},
		{"empty list of answers", []Pair{{"command", a}}, []Pair{{"Name:", "alice"}, {"(?i)password:", "pw1"}, {"Confirm", []any{}}}},
		{"answers used up", []Pair{{"command", `sh -c "printf 'Q: '; read a; printf 'Q: '; read b; echo $a$b"`}}, []Pair{{"Q: ", []any{"x"}}}},
		{"successive answers", []Pair{{"command", `sh -c "printf 'Q: '; read a; printf 'Q: '; read b; echo $a$b"`}}, []Pair{{"Q: ", []any{"x", "y"}}}},
		{"timeout", []Pair{{"command", a}, {"timeout", 1}}, []Pair{{"Name:", "alice"}, {"(?i)password:", "pw1"}}},
		{"no timeout", []Pair{{"command", "echo hi there"}, {"timeout", nil}}, []Pair{}},
		{"not found", []Pair{{"command", "no-such-program-here"}}, []Pair{{"x", "y"}}},
		{"chdir", []Pair{{"command", "pwd"}, {"chdir", dir}}, []Pair{}},
		{"creates", []Pair{{"command", "pwd"}, {"creates", dir}}, []Pair{}},
		{"removes", []Pair{{"command", "pwd"}, {"removes", filepath.Join(dir, "nope")}}, []Pair{}},
		{"shell through sh -c", []Pair{{"command", `/bin/sh -c "echo a | tr a b; exit 4"`}}, []Pair{}},
		{"earliest match wins", []Pair{{"command", `sh -c "printf 'abc: '; read x; echo got $x"`}}, []Pair{{"c:", "second"}, {"b", "first"}}},
	}
	keys := []string{"rc", "stdout", "stdout_lines", "failed", "msg", "changed", "cmd"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]Pair(nil), tt.args...), Pair{"responses", json.RawMessage(orderedJSON(tt.responses))})
			want := ansibleExpect(t, orderedJSON(args))
			m := map[string]any{"responses": tt.responses}
			for _, p := range tt.args {
				m[p.Key] = p.Value
			}
			spec, err := ParseArgs(m)
			if err != nil {
				t.Fatal(err)
			}
			exists := func(_ context.Context, p string) (bool, error) {
				_, err := os.Stat(p)
				return err == nil, nil
			}
			o, err := Execute(context.Background(), spec, LocalStarter, ExecOptions{Exists: exists})
			if err != nil {
				t.Fatal(err)
			}
			got := normalize(o.Fields())
			for _, k := range keys {
				if _, ok := want[k]; !ok {
					delete(got, k)
				}
				if !reflect.DeepEqual(got[k], normalize(want)[k]) {
					t.Errorf("%s: drover %#v, ansible %#v", k, got[k], want[k])
				}
			}
		})
	}
}

// normalize gives values the types JSON decoding gives.
func normalize(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if msg, ok := out["msg"].(string); ok {
		out["msg"] = strings.TrimSpace(msg)
	}
	return out
}
