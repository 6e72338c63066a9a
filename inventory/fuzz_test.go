package inventory

import (
	"strings"
	"testing"
)

// FuzzINI feeds arbitrary text to the INI reader: it must return an
// inventory or an error located at a line, never panic or hang.
func FuzzINI(f *testing.F) {
	for _, seed := range []string{
		"[web]\nweb[1:3] a=1 b='x y'\n[web:vars]\nk = [1, 2]\n",
		"[p:children]\nc\n[c]\nh\n",
		"h x=\"unterminated\n",
		"[a:vars]\nx=1\n",
		"host:22 ansible_user=u\n; comment\n# comment\n",
		"[g]\nh k={'a': (1, 2.5e3, None, True)}\n",
		"web[01:10:3].x\n[bad",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		inv := newInventory(Options{})
		err := inv.parseINI("fuzz.ini", []byte(src))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.ini:") {
			t.Fatalf("error without position: %v", err)
		}
		if err == nil {
			inv.reconcile()
		}
	})
}

// FuzzExpandRange checks that range expansion either fails or yields names
// without brackets, bounded in number.
func FuzzExpandRange(f *testing.F) {
	for _, seed := range []string{"web[1:3]", "db-[a:f]", "h[01:20:2].lab", "x[0:1][a:b]", "a[:3]", "a[1:]", "a[z:a]", "a[1:2:0]", "[]", "a[1:3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		names, _, err := ExpandHostPattern(s)
		if err != nil {
			return
		}
		if len(names) > maxRangeHosts+1 {
			t.Fatalf("%q expanded to %d names", s, len(names))
		}
		if strings.Contains(s, "[") && strings.Count(s, "[") == strings.Count(s, "]") {
			for _, n := range names {
				if n == s {
					return
				}
			}
		}
	})
}

// FuzzPattern resolves arbitrary patterns against a small inventory: the
// result must come back (or an error), with no duplicate hosts.
func FuzzPattern(f *testing.F) {
	for _, seed := range []string{"all", "*", "web:&db:!w1", "~w[0-9]+", "web[0]", "web[1:]", "web[-1]", "a,b", "!web", "&db", "w*[0:1]", "fe80::1", "@x", "~(", "[", "web[99]"} {
		f.Add(seed)
	}
	inv := newInventory(Options{})
	if err := inv.parseINI("f.ini", []byte("[web]\nw[1:3]\n[db]\nw1\nd1\n[all:children]\nweb\n")); err != nil {
		f.Fatal(err)
	}
	inv.reconcile()
	if err := inv.resolveVars(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		hosts, _, err := inv.Select(pattern)
		if err != nil {
			return
		}
		seen := map[*Host]bool{}
		for _, h := range hosts {
			if seen[h] {
				t.Fatalf("%q: %s twice", pattern, h.Name)
			}
			seen[h] = true
		}
	})
}
