package pyplugin

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestPlugins(t *testing.T) {
	p := New(Config{})
	defer p.Close()
	p.AddDir("testdata")
	ctx := context.Background()
	if !p.Has(ctx, Filter, "greet") || p.Has(ctx, Filter, "nope") || !p.Has(ctx, Lookup, "echo_vars") {
		t.Fatal("Has: wrong plugins found")
	}
	cases := []struct {
		name string
		in   any
		args []any
		kw   map[string]any
		want any
	}{
		{"greet", "W", nil, nil, "Hi, W!"},
		{"upto", 3, nil, nil, []any{0, 1, 2}},
		{"triple", 1.5, []any{"a"}, map[string]any{"b": true}, []any{1.5, "a", true}},
	}
	for _, c := range cases {
		got, err := p.Filter(ctx, c.name, c.in, c.args, c.kw)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, %v; want %#v", c.name, got, err, c.want)
		}
	}
	_, err := p.Filter(ctx, "boom", 1, nil, nil)
	var pe *Error
	if !errors.As(err, &pe) || pe.Msg != "boom: 1" || pe.Class != "builtins.ValueError" {
		t.Errorf("boom: got %#v", err)
	}
	got, err := p.Lookup(ctx, LookupCall{Name: "echo_vars", Terms: []any{"x"}, Variables: map[string]any{"x": 7},
		Kwargs: map[string]any{"k": "v"}})
	if err != nil || !reflect.DeepEqual(got, []any{7, map[string]any{"k": "v"}}) {
		t.Errorf("lookup: got %#v, %v", got, err)
	}
}
