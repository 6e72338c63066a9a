package pyini

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// pyRead is what Python's configparser reads from each text of a JSON
// list (as a file object without a name, as the ini lookup and the local
// facts read them): each section's items (DEFAULT's under them,
// interpolated), or the exception's class and message.
const pyRead = `import configparser, io, json, sys
def read(text):
    cp = configparser.ConfigParser()
    try:
        cp.read_file(io.StringIO(text))
        return {s: dict(cp.items(s)) for s in cp.sections()}
    except Exception as e:
        return {"error": type(e).__module__ + "." + type(e).__name__, "msg": str(e)}
print(json.dumps([read(t) for t in json.load(sys.stdin)]))
`

// TestAgainstConfigparser reads INI texts with Parser and with Python's
// configparser and compares sections, items and errors.
func TestAgainstConfigparser(t *testing.T) {
	testlab.Need(t, "python3", exec.Command("python3", "-c", "1").Run() == nil)
	cases := []string{
		"[s]\na = 1\nB: two\n",
		"[DEFAULT]\nbase = /srv\n[paths]\ndata = %(base)s/data\npct = 50%%\n",
		"[s]\nmulti = first\n  second\n\n  third\n# comment\n; other\nx=y\n",
		"[a]\nk=1\n[b]\nk=2\n[a]\nj=3\n",
		"[a]\nk=1\nk=2\n",
		"[a]\n[a]\n",
		"no section = here\n",
		"[s]\njust a line\n",
		"[s]\na = %(missing)s\n",
		"[s]\na = 100%\n",
		"",
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command("python3", "-c", pyRead)
	cmd.Stdin = strings.NewReader(string(in))
	b, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for i, text := range cases {
		if got := readAll(text); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%q:\n got %v\nwant %v", text, got, want[i])
		}
	}
}

// readAll is pyRead's output for Parser.
func readAll(text string) map[string]any {
	p := New(false, false)
	out := map[string]any{}
	fail := func(err error) map[string]any {
		e := err.(*Error)
		return map[string]any{"error": e.Class, "msg": e.Msg}
	}
	if err := p.Read(text); err != nil {
		return fail(err)
	}
	for _, s := range p.Sections() {
		items, err := p.Items(s)
		if err != nil {
			return fail(err)
		}
		m := map[string]any{}
		for _, it := range items {
			m[it[0].(string)] = it[1]
		}
		out[s] = m
	}
	return out
}
