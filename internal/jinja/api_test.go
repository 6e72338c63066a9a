package jinja

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestTemplateNative(t *testing.T) {
	e := New()
	vars := MapVars{"n": 5, "l": []any{1, 2}, "s": "x", "b": true, "none": nil, "m": map[string]any{"b": 1, "a": 2}}
	tests := []struct {
		src  string
		want string // repr of the result
		typ  string
	}{
		{"no template", "'no template'", "str"},
		{"{{ n }}", "5", "int"},
		{"{{ b }}", "True", "bool"},
		{"{{ none }}", "None", "NoneType"},
		{"{{ n + 1 }}", "'6'", "str"},
		{"{{ l }}", "[1, 2]", "list"},
		{"{{ l + [3] }}", "[1, 2, 3]", "list"},
		{"{{ m }}", "{'a': 2, 'b': 1}", "dict"},
		{"{{ {'z': 1, 'a': 2} }}", "{'z': 1, 'a': 2}", "dict"},
		{"{{ n > 3 }}", "True", "bool"},
		{"{{ s }}-{{ n }}", "'x-5'", "str"},
		{"{{ m | to_json }}", `'{"a": 2, "b": 1}'`, "str"},
		{"{{ m | to_nice_json }}", `'{\n    "a": 2,\n    "b": 1\n}'`, "str"},
	}
	for _, tc := range tests {
		got, err := e.Template(tc.src, vars)
		if err != nil {
			t.Errorf("Template(%q): %v", tc.src, err)
			continue
		}
		if repr(got) != tc.want || typeName(norm(got)) != tc.typ {
			t.Errorf("Template(%q) = %s %s, want %s %s", tc.src, typeName(norm(got)), repr(got), tc.typ, tc.want)
		}
	}
}

func TestEval(t *testing.T) {
	e := New()
	vars := MapVars{"x": map[string]any{"y": []any{"a", "b"}}, "n": 3}
	tests := []struct {
		expr string
		want string
	}{
		{"x.y", "['a', 'b']"},
		{"x.y | length + n", "5"},
		{"x.z | default('d')", "'d'"},
		{"n * 2 > 5", "True"},
		{"[n, n]", "[3, 3]"},
		{"1, 2", "(1, 2)"},
	}
	for _, tc := range tests {
		got, err := e.Eval(tc.expr, vars)
		if err != nil {
			t.Errorf("Eval(%q): %v", tc.expr, err)
			continue
		}
		if repr(got) != tc.want {
			t.Errorf("Eval(%q) = %s, want %s", tc.expr, repr(got), tc.want)
		}
	}
	if _, err := e.Eval("missing.attr", vars); err == nil || err.Error() != "'missing' is undefined" || !IsUndefined(err) {
		t.Errorf("Eval(missing.attr) error = %v", err)
	}
	if _, err := e.Eval("x.y +", vars); err == nil || !IsSyntax(err) {
		t.Errorf("Eval(x.y +) error = %v, want a syntax error", err)
	}
}

func TestTruth(t *testing.T) {
	e := New()
	vars := MapVars{"r": Unsafe{map[string]any{"rc": 0, "stdout": "{{ not templated }}", "failed": false}}, "flag": "false", "b": false}
	tests := []struct {
		cond string
		want bool
	}{
		{"r.rc == 0", true},
		{"r is succeeded", true},
		{"'not templated' in r.stdout", true},
		{"flag", true},
		{"flag | bool", false},
		{"b", false},
		{"{{ b }}", false},
		{"undefined_thing is not defined", true},
		{"r.missing is defined", false},
	}
	for _, tc := range tests {
		got, err := e.Truth(tc.cond, vars)
		if err != nil {
			t.Errorf("Truth(%q): %v", tc.cond, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Truth(%q) = %v, want %v", tc.cond, got, tc.want)
		}
	}
	_, err := e.Truth("nope == 1", vars)
	want := "The conditional check 'nope == 1' failed. The error was: error while evaluating conditional (nope == 1): 'nope' is undefined. 'nope' is undefined"
	if err == nil || err.Error() != want {
		t.Errorf("Truth error = %v, want %q", err, want)
	}
}

func TestLazyVars(t *testing.T) {
	e := New()
	calls := 0
	vars := countingVars{m: map[string]any{
		"a":     "{{ b }}-a",
		"b":     "{{ c | upper }}",
		"c":     "c",
		"loop1": "{{ loop2 }}",
		"loop2": "{{ loop1 }}",
		"self":  "{{ self }}",
		"bad":   "{{ nothere }}",
		"list":  []any{"{{ c }}", map[string]any{"k": "{{ a }}"}},
		"raw":   Unsafe{"{{ c }}"},
	}, calls: &calls}
	got, err := e.Template("{{ a }} {{ a }} {{ list }} {{ raw }}", vars)
	if err != nil {
		t.Fatal(err)
	}
	if got != (Unsafe{"C-a C-a ['c', {'k': 'C-a'}] {{ c }}"}) { // it read an Unsafe value
		t.Errorf("got %q", got)
	}
	if calls > 8 {
		t.Errorf("variables looked up %d times; a resolved variable should be memoized within one call", calls)
	}
	for _, src := range []string{"{{ loop1 }}", "{{ self }}"} {
		_, err := e.Template(src, vars)
		var je *Error
		if !errors.As(err, &je) || je.Kind != KindRecursion || !strings.Contains(je.Msg, "recursive loop detected") {
			t.Errorf("Template(%q) error = %v, want a recursion error", src, err)
		}
	}
	if got, err := e.Template("{{ bad | default('fallback') }}", vars); err != nil || got != "fallback" {
		t.Errorf("undefined inside a variable must only fail when used: got %v, %v", got, err)
	}
	if _, err := e.Template("{{ bad }}", vars); err == nil || !strings.Contains(err.Error(), "'nothere' is undefined") {
		t.Errorf("error = %v, want it to name the undefined inner variable", err)
	}
}

type countingVars struct {
	m     map[string]any
	calls *int
}

func (c countingVars) Lookup(name string) (any, bool) {
	*c.calls++
	v, ok := c.m[name]
	return v, ok
}

// hostvars is a lazy Mapping like Ansible's hostvars.
type hostvars map[string]map[string]any

func (h hostvars) Get(k string) (any, bool) { v, ok := h[k]; return v, ok }
func (h hostvars) Keys() []string {
	var ks []string
	for k := range h {
		ks = append(ks, k)
	}
	return ks
}

func TestMappingAndChainVars(t *testing.T) {
	e := New()
	vars := ChainVars{MapVars{"item": "x"}, MapVars{"item": "shadowed", "hostvars": hostvars{"web1": {"ip": "10.0.0.1"}}}}
	got, err := e.Template("{{ item }} {{ hostvars['web1'].ip }} {{ hostvars.web1['ip'] }}", vars)
	if err != nil || got != "x 10.0.0.1 10.0.0.1" {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestTemplateValue(t *testing.T) {
	e := New()
	vars := MapVars{"port": 8080, "host": "h"}
	in := map[string]any{"url": "http://{{ host }}:{{ port }}/", "port": "{{ port }}", "static": []any{1, "two"}, "{{ host }}_key": true}
	out, err := e.TemplateValue(in, vars)
	if err != nil {
		t.Fatal(err)
	}
	if got := repr(out); got != "{'port': 8080, 'static': [1, 'two'], 'url': 'http://h:8080/', 'h_key': True}" {
		t.Errorf("got %s", got)
	}
	static := []any{1, "no template"}
	same, err := e.TemplateValue(static, vars)
	if err != nil || fmt.Sprintf("%p", same) != fmt.Sprintf("%p", static) {
		t.Errorf("a value without templates must be returned as is")
	}
}

func TestErrorPositions(t *testing.T) {
	e := New()
	src := "line one\n{% for u in users %}\n  name={{ u.name }} shell={{ u.shell }}\n{% endfor %}\n"
	vars := MapVars{"users": []any{map[string]any{"name": "bob"}}}
	_, err := e.RenderFile("users.j2", []byte(src), vars)
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if je.Name != "users.j2" || je.Line != 3 || je.Col != 32 || je.Kind != KindUndefined {
		t.Errorf("error = %+v, want users.j2 line 3 col 32", je)
	}
	if err.Error() != "users.j2:3:32: 'dict object' has no attribute 'shell'" {
		t.Errorf("Error() = %q", err.Error())
	}
	_, err = e.RenderFile("bad.j2", []byte("ok\n\n{% if x %}\nno end\n"), vars)
	if !errors.As(err, &je) || je.Kind != KindSyntax || je.Line != 4 {
		t.Errorf("syntax error = %v (%+v), want line 4", err, je)
	}
	_, err = e.Template("abc {{ 1 + }}", vars)
	if !errors.As(err, &je) || je.Line != 1 || je.Col != 12 {
		t.Errorf("inline syntax error = %+v, want 1:12", je)
	}
}

// TestErrorsHideValues checks that error messages never contain the values
// of variables (they may be secrets).
func TestErrorsHideValues(t *testing.T) {
	e := New()
	secret := "s3cr3t-p4ss"
	vars := MapVars{"password": secret, "creds": map[string]any{"user": "u", "pw": secret, "host": "{{ undefined_host }}"},
		"num": 5}
	for _, src := range []string{
		"{{ password + 1 }}", "{{ password.nothere }}", "{{ creds.host }}", "{{ creds.nothere }}",
		"{{ password | int(none) + num.x }}", "{{ password | from_json }}", "{{ password | b64decode }}",
		"{{ creds | items2dict }}", "{{ password is version('1.0', '>') }}", "{{ num[password] }}",
		"{{ creds.pw | regex_search('(') }}", "{{ [password] | items2dict }}", "{{ creds | subelements('pw') }}",
		"{{ [password].index('x') }}", "{{ creds.pop(password) }}", "{{ creds[password] }}", "{{ [1][password] }}",
	} {
		_, err := e.Template(src, vars)
		if err == nil {
			t.Errorf("Template(%q): no error", src)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Template(%q) error leaks a value: %v", src, err)
		}
	}
}

func TestFilesAndOptions(t *testing.T) {
	e := New()
	vars := MapVars{"items": []any{"a", "b"}}
	src := "start\n    {% for i in items %}\n    - {{ i }}\n    {% endfor %}\nend\n"
	got, err := e.RenderFile("t.j2", []byte(src), vars)
	if err != nil || got != "start\n        - a\n        - b\n    end\n" {
		t.Errorf("trim_blocks: got %q, %v", got, err)
	}
	got, err = e.RenderFileWith("t.j2", []byte(src), vars, Options{TrimBlocks: true, LstripBlocks: true, NewlineSequence: "\r\n"})
	if err != nil || got != "start\r\n    - a\r\n    - b\r\nend\r\n" {
		t.Errorf("lstrip_blocks + CRLF: got %q, %v", got, err)
	}
}

func TestExtensions(t *testing.T) {
	e := New()
	e.AddFilter("shout", func(v any, args []any, kw map[string]any) (any, error) {
		return strings.ToUpper(fmt.Sprint(v)) + "!", nil
	})
	e.AddTest("short", func(v any, args []any, kw map[string]any) (bool, error) {
		s, _ := v.(string)
		return len(s) < 4, nil
	})
	e.AddGlobal("lookup", Func(func(args []any, kw map[string]any) (any, error) {
		if len(args) == 2 && args[0] == "env" {
			return "value-of-" + fmt.Sprint(args[1]), nil
		}
		return nil, fmt.Errorf("lookup plugin %v not found", args)
	}))
	got, err := e.Template("{{ 'hi' | shout }} {{ 'abc' is short }} {{ lookup('env', 'HOME') }}", MapVars{})
	if err != nil || got != "HI! True value-of-HOME" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := e.Template("{{ lookup('nope', 1) }}", nil); err == nil || !strings.Contains(err.Error(), "lookup plugin") {
		t.Errorf("error = %v", err)
	}
	if _, err := e.Template("{{ lookup('env', nothere) }}", MapVars{}); !IsUndefined(err) {
		t.Errorf("undefined argument of a global must fail: %v", err)
	}
	e.AddGlobal("varlookup", CtxFunc(func(c *Call, args []any, kw map[string]any) (any, error) {
		return c.Var(fmt.Sprint(args[0]))
	}))
	got, err = e.Template("{{ varlookup('a') }}", MapVars{"a": "{{ b }}!", "b": "B"})
	if err != nil || got != "B!" {
		t.Errorf("CtxFunc: got %v, %v", got, err)
	}
	for _, tc := range []struct {
		v    any
		want bool
	}{{true, true}, {false, false}, {1, true}, {nil, false}, {"1 == 1", true}, {[]any{}, false}} {
		if got, err := e.TruthValue(tc.v, MapVars{}); err != nil || got != tc.want {
			t.Errorf("TruthValue(%v) = %v, %v", tc.v, got, err)
		}
	}
}

func TestFromYAMLTyping(t *testing.T) {
	var n yaml.Node
	src := "b: yes\na: 0755\nc: '0755'\nd: ~\ne: 1e3\nf: 1.5\ng: !!str 12\nh: [on, off]\ni: 1_000\n"
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	v, err := FromYAML(&n)
	if err != nil {
		t.Fatal(err)
	}
	want := "{'b': True, 'a': 493, 'c': '0755', 'd': None, 'e': '1e3', 'f': 1.5, 'g': '12', 'h': [True, False], 'i': 1000}"
	if repr(v) != want {
		t.Errorf("FromYAML = %s\nwant       %s", repr(v), want)
	}
}

func TestGoMapsSortedAndDictOrder(t *testing.T) {
	e := New()
	vars := MapVars{"m": map[string]any{"zeta": 1, "alpha": 2, "mid": map[string]int{"y": 1, "x": 2}}}
	got, err := e.Render("{{ m | to_json }} {% for k in m %}{{ k }} {% endfor %}", vars)
	if err != nil || got != `{"alpha": 2, "mid": {"x": 2, "y": 1}, "zeta": 1} alpha mid zeta ` {
		t.Errorf("got %q, %v", got, err)
	}
	d := NewDict(2)
	d.Set("zeta", 1)
	d.Set("alpha", 2)
	got, err = e.Render("{{ d | to_json }} {{ d | to_nice_json(indent=0) }}", MapVars{"d": d})
	if err != nil || got != "{\"zeta\": 1, \"alpha\": 2} {\n\"alpha\": 2,\n\"zeta\": 1\n}" {
		t.Errorf("got %q, %v", got, err)
	}
	if p := ToPlain(d); fmt.Sprint(p) != "map[alpha:2 zeta:1]" {
		t.Errorf("ToPlain = %v", p)
	}
}

// TestConcurrentRender renders one cached template from many goroutines
// (run with -race).
func TestConcurrentRender(t *testing.T) {
	e := New()
	src := "{% set ns = namespace(n=0) %}{% for i in items %}{% set ns.n = ns.n + i %}{% set _ = acc.append(i) %}{% endfor %}{{ host }}:{{ ns.n }}:{{ acc | length }}"
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			shared := []any{}
			for i := 0; i < 200; i++ {
				host := fmt.Sprintf("h%d", g)
				got, err := e.Render(src, MapVars{"host": host, "items": []any{1, 2, 3}, "acc": shared})
				if err != nil || got != host+":6:3" {
					errs <- fmt.Errorf("got %q, %v", got, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSharedDictConcurrent reads one large ordered dict (as loaded once
// from group_vars) from many goroutines.
func TestSharedDictConcurrent(t *testing.T) {
	var n yaml.Node
	var src strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&src, "k%d: {v: %d, s: '{{ base }}-%d'}\n", i, i, i)
	}
	if err := yaml.Unmarshal([]byte(src.String()), &n); err != nil {
		t.Fatal(err)
	}
	d, err := FromYAML(&n)
	if err != nil {
		t.Fatal(err)
	}
	e := New()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			vars := MapVars{"conf": d, "base": fmt.Sprint(g)}
			for i := 0; i < 100; i++ {
				got, err := e.Template("{{ conf.k39.v }} {{ conf['k7'].s }} {{ conf | length }}", vars)
				if want := fmt.Sprintf("39 %d-7 40", g); err != nil || got != want {
					t.Errorf("got %v, %v; want %s", got, err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestCacheBounded(t *testing.T) {
	e := New()
	for i := 0; i < maxCached+10; i++ {
		if _, err := e.Render(fmt.Sprintf("{{ %d }}", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	e.cacheMu.RLock()
	n := e.nCached
	e.cacheMu.RUnlock()
	if n > maxCached {
		t.Errorf("cache holds %d templates, limit %d", n, maxCached)
	}
}

func TestIncludeErrorsNameTheIncludedFile(t *testing.T) {
	e := New()
	opts := FileOptions
	opts.Loader = DirLoader{"testdata/templates"}
	_, err := e.RenderFileWith("main.j2", []byte("line\n{% include 'broken.j2' %}\n"), MapVars{}, opts)
	var je *Error
	if !errors.As(err, &je) || !strings.HasSuffix(je.Name, "broken.j2") || je.Line != 1 || je.Col != 4 {
		t.Errorf("error = %v (%+v), want broken.j2:1:4", err, je)
	}
	if _, _, err := (DirLoader{"testdata/templates"}).Load("../golden_test.go"); err == nil {
		t.Error("DirLoader must not climb out of its directories")
	}
	if _, err := e.RenderFile("main.j2", []byte("{% include 'x.j2' %}"), MapVars{}); err == nil || !strings.Contains(err.Error(), "main.j2:1:4: template not found: x.j2") {
		t.Errorf("error without a loader = %v", err)
	}
}

// TestAddWhileRendering registers globals and filters while other
// goroutines render (run with -race).
func TestAddWhileRendering(t *testing.T) {
	e := New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := e.Render("{{ range(3) | join(',') }} {{ x | default(1) }}", MapVars{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		e.AddGlobal(fmt.Sprintf("g%d", i), i)
		e.AddFilter(fmt.Sprintf("f%d", i), func(v any, _ []any, _ map[string]any) (any, error) { return v, nil })
	}
	close(stop)
	wg.Wait()
	if got, err := e.Render("{{ g7 | f3 }}", MapVars{}); err != nil || got != "7" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestCheck(t *testing.T) {
	e := New()
	tests := []struct {
		src  string
		expr bool
		ok   bool
	}{
		{"plain", false, true},
		{"{{ x | default(1) }}", false, true},
		{"{{ x | nofilter }}", false, false},
		{"{% if x %}", false, false},
		{"{{ undefined_is_fine }}", false, true},
		{"x == 1 and y is defined", true, true},
		{"x ==", true, false},
		{"{{ x }} == 1", true, true},
		{"x is nosuchtest", true, false},
	}
	for _, tc := range tests {
		var err error
		if tc.expr {
			err = e.CheckExpr(tc.src)
		} else {
			err = e.CheckTemplate(tc.src)
		}
		if (err == nil) != tc.ok {
			t.Errorf("check %q: err = %v, want ok=%v", tc.src, err, tc.ok)
		}
		if err != nil && !IsSyntax(err) {
			t.Errorf("check %q: %v is not a syntax error", tc.src, err)
		}
	}
}

func TestToPlainUnwraps(t *testing.T) {
	d := NewDict(1)
	d.Set("k", Unsafe{"{{ raw }}"})
	in := Unsafe{map[string]any{"d": d, "l": []string{"a"}, "n": int64(3)}}
	got := fmt.Sprint(ToPlain(in))
	if got != "map[d:map[k:{{ raw }}] l:[a] n:3]" {
		t.Errorf("ToPlain = %s", got)
	}
	if got := fmt.Sprint(ToPlain(hostvars{"h": {"ip": "1"}})); got != "map[h:map[ip:1]]" {
		t.Errorf("ToPlain(Mapping) = %s", got)
	}
}

// TestUnsafeTaint checks that a template reading an Unsafe value gives an
// Unsafe result (lazily templated variables included), and only then; and
// that a conditional templated to unsafe text is refused, as in Ansible.
func TestUnsafeTaint(t *testing.T) {
	e := New()
	vars := MapVars{"r": Unsafe{map[string]any{"stdout": "{{ secret }}", "rc": 0}}, "secret": "S",
		"via": "{{ r.stdout }}", "plain": "{{ secret }}", "lst": []any{"{{ r.stdout }}", "x"}}
	cases := []struct {
		src  string
		want any
	}{
		{"{{ r.stdout }}", Unsafe{"{{ secret }}"}},
		{"pre {{ r.stdout }}", Unsafe{"pre {{ secret }}"}},
		{"{{ via }}", Unsafe{"{{ secret }}"}},
		{"{{ plain }} {{ via }}", Unsafe{"S {{ secret }}"}},
		{"{{ plain }}", "S"},
		{"{{ lst[1] }}", Unsafe{"x"}},
		{"{{ r.rc }}", Unsafe{"0"}},
		{"no template", "no template"},
	}
	for _, c := range cases {
		got, err := e.Template(c.src, vars)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Template(%q) = %#v, %v; want %#v", c.src, got, err, c.want)
		}
	}
	if _, err := e.Truth("{{ r.stdout }}", vars); err == nil || !strings.Contains(err.Error(), "Conditional is marked as unsafe") {
		t.Errorf("unsafe conditional: %v", err)
	}
	if ok, err := e.Truth("r.rc == 0", vars); err != nil || !ok {
		t.Errorf("r.rc == 0: %v, %v", ok, err)
	}
}
