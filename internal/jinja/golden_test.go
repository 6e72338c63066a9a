package jinja

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "regenerate testdata/golden.json with Ansible (testdata/oracle.py)")

// oracleCase is one entry of testdata/cases.yaml.
type oracleCase struct {
	T      string `yaml:"t"`
	K      string `yaml:"k"`
	V      string `yaml:"v"`
	Lstrip bool   `yaml:"lstrip"`
	Msg    string `yaml:"msg"` // our error message when worded differently
	X      string `yaml:"x"`   // why this case differs from Ansible on purpose
}

// oracleResult is Ansible's answer for a case (testdata/golden.json).
type oracleResult struct {
	Type  string `json:"type"`
	Repr  string `json:"repr"`
	Error string `json:"error"`
}

// dictVars serves variables from an ordered dict.
type dictVars struct{ d *Dict }

func (v dictVars) Lookup(name string) (any, bool) { return v.d.Get(name) }

func loadOracleCases(t testing.TB) ([]oracleCase, map[string]Vars) {
	t.Helper()
	raw, err := os.ReadFile("testdata/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []oracleCase
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	vraw, err := os.ReadFile("testdata/vars.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonLoads(string(vraw))
	if err != nil {
		t.Fatal(err)
	}
	sets := map[string]Vars{}
	top := v.(*Dict)
	for i, k := range top.Keys() {
		sets[k.(string)] = dictVars{top.Values()[i].(*Dict)}
	}
	return cases, sets
}

// ansibleOracle runs testdata/oracle.py and returns its JSON output, or
// skips when Debian's ansible-core and python3-passlib (which password_hash
// uses) are not installed; under CI=true it fails instead.
func ansibleOracle(t testing.TB) []byte {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import ansible.template, passlib").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Debian packages ansible-core and python3-passlib are required in CI: %v", err)
		}
		t.Skipf("ansible-core or python3-passlib not installed: %v", err)
	}
	cmd := exec.Command(py, "oracle.py", "cases.yaml", "vars.json")
	cmd.Dir = "testdata"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle.py: %v\n%s", err, stderr.String())
	}
	return out
}

func loadGolden(t testing.TB) []oracleResult {
	t.Helper()
	if *update {
		if err := os.WriteFile("testdata/golden.json", ansibleOracle(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var res []oracleResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// nativeEnv runs the cases of kind native (jinja2_native on).
var nativeEnv = func() *Env { e := New(); e.Native = true; return e }()

// runOracleCase evaluates a case the way oracle.py does with Ansible.
func runOracleCase(e *Env, c oracleCase, vars Vars) (any, error) {
	switch c.K {
	case "truth":
		return e.Truth(c.T, vars)
	case "native":
		return nativeEnv.Template(c.T, vars)
	case "file":
		opts := FileOptions
		opts.LstripBlocks = c.Lstrip
		opts.Loader = DirLoader{"testdata/templates"}
		return e.RenderFileWith("case.j2", []byte(c.T), vars, opts)
	}
	return e.Template(c.T, vars)
}

// TestAnsibleGolden compares every case with Ansible's recorded result:
// same Python type and repr for values; for errors, Ansible's message must
// contain ours.
func TestAnsibleGolden(t *testing.T) {
	cases, sets := loadOracleCases(t)
	golden := loadGolden(t)
	if len(golden) != len(cases) {
		t.Fatalf("golden.json has %d results for %d cases; run go test -update", len(golden), len(cases))
	}
	e := New()
	failed := 0
	for i, c := range cases {
		vs := c.V
		if vs == "" {
			vs = "basic"
		}
		got, err := runOracleCase(e, c, sets[vs])
		want := golden[i]
		if c.X != "" {
			t.Logf("case %d %q differs on purpose: %s", i, c.T, c.X)
			continue
		}
		if c.Msg != "" {
			want.Error = c.Msg
		}
		msg := checkOracle(got, err, want)
		if msg != "" {
			failed++
			t.Errorf("case %d %q (%s):\n%s", i, c.T, c.K, msg)
		}
	}
	if failed > 0 {
		t.Logf("%d of %d cases differ from Ansible", failed, len(cases))
	}
}

func checkOracle(got any, err error, want oracleResult) string {
	if want.Error != "" {
		if err == nil {
			return fmt.Sprintf("  want error %q\n  got  %s %s", want.Error, typeName(norm(got)), repr(got))
		}
		var je *Error
		m := err.Error()
		if e, ok := err.(*Error); ok {
			je = e
			m = je.Msg
		}
		if !strings.Contains(want.Error, m) {
			return fmt.Sprintf("  want error %q\n  got  error %q", want.Error, m)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("  want %s %s\n  got  error %v", want.Type, want.Repr, err)
	}
	g := norm(got)
	if typeName(g) != want.Type || repr(g) != want.Repr {
		return fmt.Sprintf("  want %s %s\n  got  %s %s", want.Type, want.Repr, typeName(g), repr(g))
	}
	return ""
}

// TestAnsibleOracleCurrent re-runs Ansible on the cases and checks that
// golden.json is what Ansible answers today.
func TestAnsibleOracleCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ansible")
	}
	out := ansibleOracle(t)
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(out), bytes.TrimSpace(raw)) {
		t.Fatal("testdata/golden.json is stale: run go test ./internal/jinja -run TestAnsibleGolden -update")
	}
}
