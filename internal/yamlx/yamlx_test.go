package yamlx

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func value(t *testing.T, src string, opts Options) any {
	t.Helper()
	f, err := Load("t.yml", []byte(src), nil)
	if err != nil {
		t.Fatalf("Load(%q): %v", src, err)
	}
	v, err := f.Value(f.Docs[0], opts)
	if err != nil {
		t.Fatalf("Value(%q): %v", src, err)
	}
	return v
}

// TestYAML11Scalars checks scalar typing against what PyYAML (and so
// Ansible) gives for the same text.
func TestYAML11Scalars(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"yes", true}, {"No", false}, {"on", true}, {"OFF", false}, {"y", "y"}, {"True", true},
		{"0777", 511}, {"0x1F", 31}, {"0b101", 5}, {"1_000", 1000}, {"1:30", 90}, {"-1:30", -90},
		{"1.5", 1.5}, {"1.", 1.0}, {".5", 0.5}, {"1e3", "1e3"}, {"1.0e+3", 1000.0}, {"1.0e3", "1.0e3"},
		{"~", nil}, {"null", nil}, {"", nil}, {"Null", nil},
		{"2024-01-31", "2024-01-31"}, {"2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.100000-05:00"},
		{"2001-12-14 21:59:43.10Z", "2001-12-14T21:59:43.100000+00:00"},
		{"00:11:22", "00:11:22"}, {"'yes'", "yes"}, {"!!str 12", "12"}, {"!!float 3", 3.0}, {"!!int '7'", 7},
		{"!!bool yes", true}, {"1.10", 1.1}, {"+12", 12}, {"0", 0}, {"-0", 0}, {"12345678901234567890123", "12345678901234567890123"},
	}
	for _, tt := range tests {
		got := value(t, "v: "+tt.in+"\n", Options{}).(map[string]any)["v"]
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q -> %#v, want %#v", tt.in, got, tt.want)
		}
	}
	inf := value(t, "[.inf, -.Inf, .nan]", Options{}).([]any)
	if !math.IsInf(inf[0].(float64), 1) || !math.IsInf(inf[1].(float64), -1) || !math.IsNaN(inf[2].(float64)) {
		t.Errorf("inf/nan = %v", inf)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	src := "base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\nx:\n  <<: [*b, *o]\n  c: own\ny: *b\n"
	v := value(t, src, Options{}).(map[string]any)
	x := v["x"].(map[string]any)
	want := map[string]any{"a": 1, "b": 2, "c": "own"}
	if !reflect.DeepEqual(x, want) {
		t.Errorf("merged = %v, want %v", x, want)
	}
	if reflect.ValueOf(v["y"]).Pointer() != reflect.ValueOf(v["base"]).Pointer() {
		t.Errorf("an alias should give the same value as its anchor")
	}
}

func TestValueErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n", "t.yml:1:4: vault password needed"},
		{"a: !custom x\n", `t.yml:1:4: could not determine a constructor for the tag "!custom"`},
		{"a:\n  <<: 5\n", "t.yml:2:7: expected a mapping or list of mappings for merging"},
		{"? [1]\n: x\n", "a sequence cannot be a mapping key"},
		{"a: !!int x\n", `invalid integer "x"`},
	}
	for _, tt := range tests {
		f, err := Load("t.yml", []byte(tt.src), nil)
		if err == nil {
			_, err = f.Value(f.Docs[0], Options{})
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestHooks(t *testing.T) {
	src := "s: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\nu: !unsafe '{{ x }}'\n"
	v := value(t, src, Options{
		Vault:  func(ct []byte, where string) ([]byte, error) { return []byte("plain@" + where), nil },
		Unsafe: func(s string) any { return "U:" + s },
	}).(map[string]any)
	if v["s"] != "plain@t.yml:1:4" || v["u"] != "U:{{ x }}" {
		t.Errorf("hooks gave %v", v)
	}
	coll := value(t, "l: !unsafe ['{{ a }}', 1, {k: '{{ b }}'}]\nm: !unsafe {x: '{{ c }}'}\n", Options{
		Unsafe: func(s string) any { return "U:" + s },
	}).(map[string]any)
	if !reflect.DeepEqual(coll["l"], []any{"U:{{ a }}", 1, map[string]any{"k": "U:{{ b }}"}}) ||
		!reflect.DeepEqual(coll["m"], map[string]any{"x": "U:{{ c }}"}) {
		t.Errorf("!unsafe collections gave %#v", coll)
	}
	plain := value(t, "u: !unsafe '{{ x }}'\n", Options{}).(map[string]any)
	if plain["u"] != "{{ x }}" {
		t.Errorf("!unsafe without a hook = %#v, want the plain string", plain["u"])
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a: b: c\n", "t.yml:1:4: mapping value is not allowed in this context"},
		{"all:\n  hosts:\n    a: 1\n   b: 2\n", "t.yml:4:4:"},
		{"a: 'open\n", "t.yml:1:4:"},
		{"- a\nb: c\n", "t.yml:2:1:"},
	}
	for _, tt := range tests {
		_, err := Parse("t.yml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "^") {
			t.Errorf("%q: error %v, want %q and a caret", tt.src, err, tt.want)
		}
	}
}

// TestLoadErrorNamesJSON: content that starts like JSON but is neither
// YAML nor JSON says why it is not JSON either, as Ansible's loader does
// ("JSON: ..."); other YAML errors do not mention JSON.
func TestLoadErrorNamesJSON(t *testing.T) {
	tests := []struct {
		src      string
		wantJSON bool
	}{
		{"{ }}\n", true},
		{"[1, 2]]\n", true},
		{"a: b: c\n", false},
	}
	for _, tt := range tests {
		_, err := Load("v.json", []byte(tt.src), nil)
		if err == nil {
			t.Fatalf("%q: no error", tt.src)
		}
		if got := strings.Contains(err.Error(), "JSON: "); got != tt.wantJSON {
			t.Errorf("%q: error %v; mentions JSON = %v, want %v", tt.src, err, got, tt.wantJSON)
		}
	}
}

func TestFields(t *testing.T) {
	f, err := Parse("p.yml", []byte("name: x\nhsots: all\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Fields(f.Docs[0], "play", "name", "hosts", "tasks")
	if err == nil || !strings.Contains(err.Error(), `p.yml:2:1: unknown key "hsots" in play (did you mean "hosts"?); expected one of: name, hosts, tasks`) {
		t.Errorf("Fields error = %v", err)
	}
	f, _ = Parse("p.yml", []byte("base: &b {name: a}\nplay:\n  <<: *b\n  name: b\n  hosts: h\n"))
	fields, err := f.Fields(f.Docs[0].Content[3], "play", "name", "hosts")
	if err != nil || len(fields) != 2 || fields[0].Key != "name" || fields[0].Value.Value != "b" {
		t.Errorf("Fields with merge = %+v, %v", fields, err)
	}
}

func TestJSONKeepsOrderAndTypes(t *testing.T) {
	f, err := Load("x.json", []byte(`{"b": 1e3, "a": [1, "yes", null, true], "b": 2.5, "c": "on"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := f.Docs[0]
	if root.Content[0].Value != "b" || root.Content[2].Value != "a" {
		t.Errorf("key order lost")
	}
	v, _ := f.Value(root, Options{})
	want := map[string]any{"b": 2.5, "a": []any{1, "yes", nil, true}, "c": "on"}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("JSON value = %#v", v)
	}
	if _, err := ParseJSON("bad.json", []byte("{\n  \"a\": [1,]\n}")); err == nil || !strings.Contains(err.Error(), "bad.json:2:") {
		t.Errorf("ParseJSON error = %v", err)
	}
}

// TestDuplicateKeys checks that a key given twice keeps its last value with
// Ansible 2.14's warning, naming the mapping's first position, also for a
// key that overrides one brought in by a merge key.
func TestDuplicateKeys(t *testing.T) {
	tests := []struct {
		src  string
		want map[string]any
		warn []string
	}{
		{"a: 1\na: 2\n", map[string]any{"a": 2},
			[]string{"While constructing a mapping from t.yml, line 1, column 1, found a duplicate dict key (a). Using last defined value only."}},
		{"x:\n  1: a\n  1: b\n", map[string]any{"x": map[string]any{"1": "b"}},
			[]string{"While constructing a mapping from t.yml, line 2, column 3, found a duplicate dict key (1). Using last defined value only."}},
		{"b: &b {k: 1}\nm:\n  <<: *b\n  k: 2\n", map[string]any{"b": map[string]any{"k": 1}, "m": map[string]any{"k": 2}},
			[]string{"While constructing a mapping from t.yml, line 3, column 3, found a duplicate dict key (k). Using last defined value only."}},
		{"a: 1\nb: 2\n", map[string]any{"a": 1, "b": 2}, []string{}},
	}
	for _, tt := range tests {
		f, err := Load("t.yml", []byte(tt.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.Value(f.Docs[0], Options{})
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if _, err := f.Fields(f.Docs[0], "test"); err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if !reflect.DeepEqual(v, tt.want) {
			t.Errorf("%q: value %v, want %v", tt.src, v, tt.want)
		}
		if got := f.Warnings(); !reflect.DeepEqual(got, tt.warn) {
			t.Errorf("%q: warnings %q, want %q", tt.src, got, tt.warn)
		}
	}
}

// TestOrdered checks that Options.Ordered sees every mapping's keys in the
// file's order, merge keys first and a repeated key at its first place
// with its last value, as Python's dict built by PyYAML.
func TestOrdered(t *testing.T) {
	f, err := Load("t.yml", []byte("b: &b {z: 1, a: 2}\nm:\n  <<: *b\n  k: 3\n  z: 9\n  k: 4\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	type kv struct {
		keys []string
		vals []any
	}
	v, err := f.Value(f.Docs[0], Options{Ordered: func(keys []string, vals []any) any { return kv{keys, vals} }})
	if err != nil {
		t.Fatal(err)
	}
	top := v.(kv)
	if !reflect.DeepEqual(top.keys, []string{"b", "m"}) {
		t.Fatalf("top keys %v", top.keys)
	}
	m := top.vals[1].(kv)
	if !reflect.DeepEqual(m.keys, []string{"z", "a", "k"}) || !reflect.DeepEqual(m.vals, []any{9, 2, 4}) {
		t.Errorf("merged mapping: keys %v values %v, want [z a k] [9 2 4]", m.keys, m.vals)
	}
}
