package tasks

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// requirePython skips (or fails in CI) when python3 with Ansible is not
// there to compare with.
func requirePython(t *testing.T) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import ansible.module_utils.basic").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 with ansible-core is needed for the differential tests")
		}
		t.Skip("python3 with ansible-core not installed")
	}
}

// pythonJSON runs a Python script fed with JSON and decodes its JSON
// answer.
func pythonJSON(t *testing.T, script string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Stdin = strings.NewReader(string(b))
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, res)
	}
}

var modeCorpus = []string{
	"u=rw,g=r,o=r", "u+x", "a-w", "=r", "+x", "go-rwx", "u=rwx,g=rx,o=", "a+X", "u+s", "g+s", "+t", "o+t",
	"g=u", "o=g", "u=o", "ug=rw", "u=rw-x+X", "u-s,g-s", "a=", "o-w+x", "ugo+r", "=", "u", "", "u=rwxs,g=rxs,o=rxt",
	"a+rX", "u=r,u+w", "ua+x", "r", "x=r", "u=z", "u=rz", "0644", "644", "0o755", "1777", "u=g+w",
}

func TestSymbolicModeAgainstAnsible(t *testing.T) {
	requirePython(t)
	type tc struct {
		Mode  string `json:"mode"`
		Cur   uint32 `json:"cur"`
		IsDir bool   `json:"isdir"`
	}
	var cases []tc
	for _, m := range modeCorpus {
		for _, cur := range []uint32{0o644, 0o755, 0o600, 0o4711, 0o1777, 0} {
			cases = append(cases, tc{m, cur, false}, tc{m, cur, true})
		}
	}
	script := `
import json, os, sys, stat
from ansible.module_utils.basic import AnsibleModule
os.umask(0o022)
class St:
    def __init__(s, mode): s.st_mode = mode
out = []
for c in json.load(sys.stdin):
    st = St((stat.S_IFDIR if c["isdir"] else stat.S_IFREG) | c["cur"])
    try:
        mode = int(c["mode"], 8)
    except Exception:
        try:
            mode = AnsibleModule._symbolic_mode_to_octal(st, c["mode"])
            if mode != stat.S_IMODE(mode):
                mode = -1
        except Exception:
            mode = -1
    out.append(mode)
print(json.dumps(out))
`
	var want []int64
	pythonJSON(t, script, cases, &want)
	for i, c := range cases {
		got, err := resolveMode(c.Mode, c.Cur, c.IsDir, 0o022)
		g := int64(got)
		if err != nil {
			g = -1
		}
		if g != want[i] {
			t.Errorf("mode %q on %04o (dir %v) = %o (err %v), Ansible %o", c.Mode, c.Cur, c.IsDir, g, err, want[i])
		}
	}
}

func TestResolveModeTypes(t *testing.T) {
	cases := []struct {
		v    any
		want uint32
	}{
		{420, 0o644}, {644, 0o1204}, {"0644", 0o644}, {"644", 0o644}, {" 0o750", 0o750}, {float64(493), 0o755},
	}
	for _, c := range cases {
		got, err := resolveMode(c.v, 0, false, 0o022)
		if err != nil || got != c.want {
			t.Errorf("ResolveMode(%#v) = %o, %v; want %o", c.v, got, err, c.want)
		}
	}
}

func FuzzSymbolicMode(f *testing.F) {
	for _, m := range modeCorpus {
		f.Add(m, uint32(0o644), false)
	}
	f.Fuzz(func(t *testing.T, sym string, cur uint32, isDir bool) {
		cur &= permBits
		m, err := symbolicMode(sym, cur, isDir, 0o022)
		if err != nil {
			return
		}
		if m&^permBits != 0 {
			t.Fatalf("%q on %o gave %o: bits outside 07777", sym, cur, m)
		}
		again, err := symbolicMode(sym, cur, isDir, 0o022)
		if err != nil || again != m {
			t.Fatalf("%q not deterministic: %o then %o (%v)", sym, m, again, err)
		}
		if !strings.ContainsAny(sym, "+-=") && m != cur {
			t.Fatalf("%q without an operator changed %o to %o", sym, cur, m)
		}
	})
}
