package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/internal/pyfmt"
)

// needProgram skips the test when prog is missing, except in CI, where a
// missing program is a failure.
func needProgram(t testing.TB, prog string) string {
	t.Helper()
	path, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", prog, err)
		}
		t.Skipf("%s not installed", prog)
	}
	return path
}

// ansible runs an Ansible command in dir with a quiet, deterministic
// environment (own HOME, no config file, no colour) and returns its stdout
// and stderr.
func ansible(t testing.TB, dir string, prog string, args ...string) (string, string) {
	t.Helper()
	path := needProgram(t, prog)
	home := t.TempDir()
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"ANSIBLE_CONFIG="+filepath.Join(home, "none.cfg"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"),
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_INVENTORY_UNPARSED_WARNING=False",
		"ANSIBLE_LOCALHOST_WARNING=False",
		"ANSIBLE_DEPRECATION_WARNINGS=False",
		"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=True",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// corpusCase is one inventory of testdata/corpus: its sources (from the
// file "sources", one per line, relative to the case) and the patterns to
// resolve (from "patterns": PATTERN, PATTERN<TAB>LIMIT or
// PATTERN<TAB>LIMIT<TAB>any-order per line). any-order marks results whose
// order Ansible itself leaves to chance: hosts reached only through a group
// two or more levels down that has several parents come in the iteration
// order of a Python set of group objects, which follows memory addresses.
type corpusCase struct {
	name, dir string
	sources   []string
	patterns  [][3]string
}

func corpusCases(t *testing.T) []corpusCase {
	t.Helper()
	dirs, err := filepath.Glob("testdata/corpus/*")
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	for _, d := range dirs {
		abs, _ := filepath.Abs(d)
		c := corpusCase{name: filepath.Base(d), dir: abs}
		for _, line := range readLines(t, filepath.Join(d, "sources")) {
			c.sources = append(c.sources, line)
		}
		for _, line := range readLines(t, filepath.Join(d, "patterns")) {
			f := append(strings.Split(line, "\t"), "", "")
			c.patterns = append(c.patterns, [3]string{f[0], f[1], f[2]})
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("no corpus cases")
	}
	return cases
}

func readLines(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// sourceArgs gives the -i arguments of a case: paths relative to the case
// directory, comma lists as they are.
func (c corpusCase) sourceArgs() []string {
	var args []string
	for _, s := range c.sources {
		args = append(args, "-i", s)
	}
	return args
}

func (c corpusCase) load(t *testing.T) *Inventory {
	t.Helper()
	var sources []string
	for _, s := range c.sources {
		if !strings.Contains(s, ",") {
			s = filepath.Join(c.dir, s)
		}
		sources = append(sources, s)
	}
	inv, err := Load(context.Background(), sources, ExportOptions())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return inv
}

// TestAnsibleInventoryList resolves every corpus inventory with drover and
// with ansible-inventory and requires the same --list document (compared
// parsed, then byte for byte), the same --list --yaml text and the same
// --graph --vars drawing.
func TestAnsibleInventoryList(t *testing.T) {
	needProgram(t, "ansible-inventory")
	for _, c := range corpusCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inv := c.load(t)
			want, _ := ansible(t, c.dir, "ansible-inventory", append(c.sourceArgs(), "--list")...)
			got := pyfmt.JSON(inv.List(), 4) + "\n"
			var wantDoc, gotDoc any
			if err := json.Unmarshal([]byte(quoteNonFinite(want)), &wantDoc); err != nil {
				t.Fatalf("ansible-inventory output: %v\n%s", err, want)
			}
			if err := json.Unmarshal([]byte(quoteNonFinite(got)), &gotDoc); err != nil {
				t.Fatalf("drover output: %v\n%s", err, got)
			}
			if !reflect.DeepEqual(wantDoc, gotDoc) {
				t.Fatalf("--list differs\n%s", lineDiff(want, got))
			}
			if got != want {
				t.Errorf("--list equal as JSON but not byte for byte\n%s", lineDiff(want, got))
			}
			wantYAML, _ := ansible(t, c.dir, "ansible-inventory", append(c.sourceArgs(), "--list", "--yaml")...)
			if gotYAML := pyfmt.YAML(inv.ListYAML()); gotYAML != wantYAML {
				t.Errorf("--list --yaml differs\n%s", lineDiff(wantYAML, gotYAML))
			}
			wantGraph, _ := ansible(t, c.dir, "ansible-inventory", append(c.sourceArgs(), "--graph", "--vars")...)
			gotGraph, err := inv.Graph("all", true)
			if err != nil {
				t.Fatal(err)
			}
			if gotGraph+"\n" != wantGraph {
				t.Errorf("--graph --vars differs\n%s", lineDiff(wantGraph, gotGraph+"\n"))
			}
		})
	}
}

// TestAnsiblePatterns resolves every corpus pattern (and limit) with drover
// and with `ansible PATTERN --list-hosts` and requires the same hosts in the
// same order, and the same "Could not match" warnings.
func TestAnsiblePatterns(t *testing.T) {
	needProgram(t, "ansible")
	for _, c := range corpusCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inv := c.load(t)
			for _, p := range c.patterns {
				args := append(c.sourceArgs(), p[0], "--list-hosts")
				if p[1] != "" {
					args = append(args, "--limit", p[1])
				}
				stdout, stderr := ansible(t, c.dir, "ansible", args...)
				want := parseListHosts(stdout)
				hosts, warnings, err := inv.Select(p[0])
				if err != nil {
					t.Fatalf("Select(%q): %v", p[0], err)
				}
				if p[1] != "" {
					var more []string
					limit := strings.ReplaceAll(p[1], "@", "@"+c.dir+"/")
					if hosts, more, err = inv.Limit(hosts, limit); err != nil {
						t.Fatalf("Limit(%q): %v", p[1], err)
					}
					warnings = append(warnings, more...)
				}
				got := names(hosts)
				if p[2] == "any-order" {
					got, want = sorted(got), sorted(want)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("pattern %q limit %q: got %v, ansible lists %v", p[0], p[1], got, want)
				}
				if got, want := couldNotMatch(strings.Join(warnings, "\n")), couldNotMatch(stderr); !reflect.DeepEqual(got, want) {
					t.Errorf("pattern %q: warnings %q, ansible warns %q", p[0], got, want)
				}
			}
		})
	}
}

// quoteNonFinite makes Python's Infinity and NaN JSON tokens strings, so
// that encoding/json can read the document.
func quoteNonFinite(s string) string {
	return strings.NewReplacer(": -Infinity", `: "-Infinity"`, ": Infinity", `: "Infinity"`, ": NaN", `: "NaN"`).Replace(s)
}

func parseListHosts(out string) []string {
	hosts := []string{}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "    ") {
			hosts = append(hosts, strings.TrimSpace(l))
		}
	}
	return hosts
}

// couldNotMatch extracts the unmatched terms Ansible warns about, once each.
func couldNotMatch(s string) []string {
	const prefix = "Could not match supplied host pattern, ignoring: "
	seen := map[string]bool{}
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, prefix); i >= 0 {
			term := strings.TrimSpace(l[i+len(prefix):])
			if !seen[term] {
				seen[term] = true
				out = append(out, term)
			}
		}
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func names(hs []*Host) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 12; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + itoa(i+1) + ":\n  ansible: " + wl + "\n  drover:  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }
