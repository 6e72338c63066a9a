package pyplugin

import (
	"context"
	"reflect"
	"testing"
)

func TestFilterAndErrors(t *testing.T) {
	p := New(Config{})
	defer p.Close()
	p.AddDir("/tmp/pyplug/t1")
	ctx := context.Background()
	if !p.Has(ctx, Filter, "hello") || p.Has(ctx, Filter, "nope") {
		t.Fatal("has")
	}
	v, err := p.Filter(ctx, "hello", "W", nil, nil)
	if err != nil || v != "Hello, W!" {
		t.Fatal(v, err)
	}
	v, err = p.Filter(ctx, "gen", 3, nil, nil)
	if err != nil || !reflect.DeepEqual(v, []any{0, 1, 2}) {
		t.Fatal(v, err)
	}
	v, err = p.Filter(ctx, "withkw", 1.5, []any{"a"}, map[string]any{"b": true})
	if err != nil || !reflect.DeepEqual(v, []any{1.5, "a", true}) {
		t.Fatal(v, err)
	}
	_, err = p.Filter(ctx, "boom", 1, nil, nil)
	t.Logf("%#v", err)
}
