package jinja

import (
	"reflect"
	"testing"
)

// TestLiteralCalls checks which calls of global functions with a string
// literal first argument are found, and where.
func TestLiteralCalls(t *testing.T) {
	e := New()
	cases := []struct {
		src  string
		bare bool
		want []LiteralCall
	}{
		{"{{ lookup('file', x) }}", false, []LiteralCall{{"lookup", "file", 1, 4}}},
		{"a\n{{ q(\"items\") }} {{ query('env', 'HOME') }}", false,
			[]LiteralCall{{"q", "items", 2, 4}, {"query", "env", 2, 21}}},
		{"lookup('vars', 'x') | length > 0", true, []LiteralCall{{"lookup", "vars", 1, 1}}},
		{"{{ lookup('fi' + 'le', x) }}", false, nil},
		{"{{ lookup(name) }} {{ x.lookup('file') }} {{ other('file') }}", false, nil},
		{"no template here", false, nil},
		{"{% raw %}{{ lookup('x') }}{% endraw %}", false, nil},
	}
	for _, c := range cases {
		got, err := e.LiteralCalls(c.src, c.bare, "lookup", "query", "q")
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v, want %+v", c.src, got, c.want)
		}
	}
	if _, err := e.LiteralCalls("{{ lookup('x' }}", false, "lookup"); err == nil {
		t.Error("a template that does not tokenize must fail")
	}
}

// TestPyRandom checks the seeded generator draws as CPython's
// random.Random(seed) does (values from Python 3.11).
func TestPyRandom(t *testing.T) {
	r := NewPyRandom("drover")
	var got []int
	for range 5 {
		got = append(got, r.Below(10))
	}
	if want := []int{5, 0, 4, 6, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("random.Random('drover')._randbelow(10) x5 = %v, want %v", got, want)
	}
}

// TestLiteralArg checks a CtxFunc learns which positional arguments were
// written as string literals.
func TestLiteralArg(t *testing.T) {
	e := New()
	e.AddGlobal("f", CtxFunc(func(c *Call, args []any, kw map[string]any) (any, error) {
		out := make([]any, len(args))
		for i := range args {
			out[i] = c.LiteralArg(i)
		}
		return out, nil
	}))
	got, err := e.Eval(`f('a', x, 'b' ~ x, 1, "c", k='d')`, MapVars{"x": "{{ y }}", "y": "z"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{true, false, false, false, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("literal args = %v, want %v", got, want)
	}
}
