package playbooks

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
	"github.com/drover/drover/transport/local"
)

// warnRecorder is an Output that keeps the warnings of a run.
type warnRecorder struct {
	nopOutput
	mu    sync.Mutex
	warns []string
}

func (w *warnRecorder) Warn(m string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warns = append(w.warns, m)
}

// lookupFixture is a run with a play in a directory holding files/a.txt
// (" alpha \n"), files/b.txt and templates/t.j2, whose play-level
// templates can call lookups.
type lookupFixture struct {
	env  *jinja.Env
	vars jinja.Vars
	out  *warnRecorder
	dir  string
}

func newLookupFixture(t testing.TB) *lookupFixture {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"files/a.txt":      " alpha \n",
		"files/b.txt":      "beta",
		"templates/t.j2":   "{{ who }}-{{ extra | default('none') }}\n",
		"templates/l.j2":   "[1, '{{ who }}']",
		"templates/d.j2":   "[[ who ]] {{ who }}",
		"templates/bad.j2": "{{ nope }}",
		"files/i.ini":      "[s]\na = %(b)s\nc = 50%\nd = %(d)s\ne = %(x\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := &warnRecorder{}
	r := newRun(Options{Output: out, Local: local.New()})
	ps := &playState{run: r, play: &Play{Dir: dir, Vars: map[string]any{"who": "world", "indirect": "{{ who }}!",
		"cfg": map[string]any{"k": "v"}}}}
	return &lookupFixture{env: r.env, vars: ps.playScope(), out: out, dir: dir}
}

func (f *lookupFixture) eval(expr string) (any, error) {
	v, err := f.env.Eval(expr, f.vars)
	return jinja.ToPlain(v), err
}

// TestLookupShaping checks what lookup(), query() and q() return for a
// plugin's list: joined strings, a single non-string, the list with
// wantlist or allow_unsafe, and the empty result of errors=warn|ignore.
func TestLookupShaping(t *testing.T) {
	t.Setenv("DROVER_LOOKUP_A", "x")
	t.Setenv("DROVER_LOOKUP_B", "y")
	f := newLookupFixture(t)
	cases := []struct {
		expr string
		want any
		warn string // a warning the call must show
	}{
		{"lookup('items', ['a', 'b'])", "a,b", ""},
		{"lookup('env', 'DROVER_LOOKUP_A', 'DROVER_LOOKUP_B')", "x,y", ""},
		{"lookup('items', [1, 2])", []any{1, 2}, ""},
		{"lookup('items', [3])", 3, ""},
		{"lookup('items', [])", []any{}, ""},
		{"lookup('items', ['a'], wantlist=True)", []any{"a"}, ""},
		{"lookup('items', ['a', 'b'], allow_unsafe=True)", []any{"a", "b"}, ""},
		{"query('items', 'a')", []any{"a"}, ""},
		{"q('list', [1], 2)", []any{[]any{1}, 2}, ""},
		{"query('env', 'DROVER_LOOKUP_A', wantlist=False)", []any{"x"}, ""},
		{"lookup('ansible.builtin.file', 'a.txt')", " alpha", ""},
		{"lookup('ansible.legacy.file', 'a.txt', lstrip=True, rstrip=False)", "alpha \n", ""},
		{"lookup('file', 'a.txt', 'b.txt')", " alpha,beta", ""},
		{"lookup('file', 'missing.txt', errors='ignore')", nil, ""},
		{"query('file', 'missing.txt', errors='ignore')", []any{}, ""},
		{"lookup('file', 'missing.txt', errors='warn')", nil,
			"An unhandled exception occurred while running the lookup plugin 'file'. Error was a <class 'ansible.errors.AnsibleError'>, original message: could not locate file in lookup: missing.txt"},
		{"lookup('first_found', 'missing.txt', errors='warn', wantlist=True)", []any{},
			"Lookup failed but the error is being ignored: No file was found when using first_found."},
		{"lookup('file', 'a.txt', bogus=1)", " alpha", `lookup('file'): unknown option "bogus" ignored`},
		{"lookup('vars', 'indirect')", "world!", ""},
		{"lookup('vars', 'nope', default='d')", "d", ""},
		{"lookup('vars', 'cfg')", map[string]any{"k": "v"}, ""},
		{"lookup('template', 't.j2')", "world-none\n", ""},
		{"lookup('template', 't.j2', template_vars={'extra': 1})", "world-1\n", ""},
		{"lookup('template', 'l.j2')", []any{1, "world"}, ""},
		{"lookup('template', 'l.j2', convert_data=False)", "[1, 'world']", ""},
		{"lookup('template', 'd.j2', variable_start_string='[[', variable_end_string=']]')", "world {{ who }}", ""},
		{"lookup('sequence', 'count=0')", []any{}, ""},
		{"query('sequence', '0x0a-0x0c:%#x', 'start=2 end=0 stride=-1 format=n%s')", []any{"0xa", "0xb", "0xc", "n2", "n1", "n0"}, ""},
		{"query('dict', cfg)", []any{map[string]any{"key": "k", "value": "v"}}, ""},
		{"query('random_choice')", []any{}, ""},
		{"query('first_found', 'missing', skip=True)", []any{}, ""},
		{"query('inventory_hostnames', 'all')", []any{}, ""},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			f.out.warns = nil
			got, err := f.eval(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %s, want %s", tasks.PyRepr(got), tasks.PyRepr(c.want))
			}
			if c.warn != "" && !strings.Contains(strings.Join(f.out.warns, "\n"), c.warn) {
				t.Errorf("warnings %q, want %q", f.out.warns, c.warn)
			}
		})
	}
}

// TestLookupErrors checks bad calls and bad plugin input: each fails with
// Ansible's message (or drover's clearer one), and options errors and
// undefined variables fail even with errors=ignore.
func TestLookupErrors(t *testing.T) {
	f := newLookupFixture(t)
	cases := []struct{ expr, want string }{
		{"lookup('fiel', 'a.txt')", `lookup plugin (fiel) not found (did you mean "file"?)`},
		{"lookup()", "lookup() needs the name of a lookup plugin"},
		{"lookup(1)", "the lookup plugin name must be a string, got 1"},
		{"lookup('file', 'missing.txt')", "An unhandled exception occurred while running the lookup plugin 'file'. Error was a <class 'ansible.errors.AnsibleError'>, original message: could not locate file in lookup: missing.txt. could not locate file in lookup: missing.txt"},
		{"lookup('file', 'a.txt', rstrip='maybe', errors='ignore')", "Invalid type for configuration option rstrip"},
		{"lookup('vars', 'nope', errors='ignore')", "No variable found with this name: nope"},
		{"lookup('vars', 1)", `Invalid setting identifier, "1" is not a string, its a <class 'int'>`},
		{"lookup('env', 1)", "'int' object has no attribute 'split'"},
		{"lookup('first_found', 'missing')", "No file was found when using first_found."},
		{"lookup('first_found', 5)", "Invalid term supplied, can handle string, mapping or list of strings but got: <class 'int'> for 5"},
		{"lookup('unvault', 'missing')", `Error was a <class 'ansible.errors.AnsibleParserError'>, original message: Unable to find file matching "missing" `},
		{"lookup('template', 'missing.j2')", "the template file missing.j2 could not be found for the lookup"},
		{"lookup('template', 't.j2', template_vars=1)", "Invalid type for configuration option template_vars"},
		{"lookup('template', 'bad.j2')", "'nope' is undefined"},
		{"lookup('pipe', 'exit 2')", "original message: lookup_plugin.pipe(exit 2) returned 2"},
		{"lookup('lines', 'exit 3')", "original message: lookup_plugin.lines(exit 3) returned 3"},
		{"lookup('sequence', 'start=x end=3')", "can't parse start=x as integer"},
		{"lookup('sequence', '010')", "can't parse end=010 as integer"},
		{"lookup('sequence', 'count=2 end=3')", "can't specify both count and end in with_sequence"},
		{"lookup('sequence', 'start=2')", "must specify count or end in with_sequence"},
		{"lookup('sequence', 'bogus=1 end=2')", "unrecognized arguments to with_sequence: ['bogus']"},
		{"lookup('sequence', 'end=3 format=%d%d')", "bad formatting string: %d%d"},
		{"lookup('sequence', 'start=1 end=3 stride=-1')", "to count forward don't make stride negative"},
		{"lookup('subelements', 'a')", "subelements lookup expects a list of two or three items, "},
		{"lookup('subelements', [1], 'x')", "subelements lookup expects a dictionary, got '1'"},
		{"lookup('subelements', 1, 'x')", "subelements lookup expects a dictionary, got '1'"},
		{"lookup('subelements', [{'x': []}], 1)", "first a dict or a list, second a string pointing to the subkey"},
		{"lookup('subelements', [{'x': 1}], 'x')", "the key x should point to a list, got '1'"},
		{"lookup('subelements', [{'x': 1}], 'x.y')", "the key x should point to a dictionary, got '1'"},
		{"lookup('subelements', [{'x': []}], 'x', 1)", "the optional third item must be a dict with flags"},
		{"lookup('dict', [1])", "with_dict expects a dict"},
		{"lookup('together')", "with_together requires at least one element in each list"},
		{"lookup('ini', 'a', section='s', file='i.ini')", "<class 'configparser.InterpolationMissingOptionError'>, original message: Bad value substitution: option 'a' in section 's' contains an interpolation key 'b' which is not a valid option name. Raw value: '%(b)s'"},
		{"lookup('ini', 'c', section='s', file='i.ini')", "<class 'configparser.InterpolationSyntaxError'>, original message: '%' must be followed by '%' or '(', found: '%'"},
		{"lookup('ini', 'd', section='s', file='i.ini')", "Recursion limit exceeded in value substitution: option 'd' in section 's' contains an interpolation key which cannot be substituted in 10 steps. Raw value: '%(d)s'"},
		{"lookup('ini', 'e', section='s', file='i.ini')", "bad interpolation variable reference '%(x'"},
		{"lookup('ini', 'a=b=c', section='s', file='i.ini')", "Could not use 'a=b=c' from '['a=b=c']': too many values to unpack (expected 2)"},
		{"lookup('password', '/dev/null lenght=3 sed=1')", "Unrecognized parameter(s) given to password lookup: lenght, sed"},
		{"lookup('password', '/dev/null length=x')", "Error was a <class 'ValueError'>, original message: invalid literal for int() with base 10: 'x'"},
		{"lookup('password', '/dev/null length=3 x')", "Unrecognized value after key=value parameters given to password lookup"},
		{"lookup('password', '/dev/null', chars=[''])", "Cannot choose from an empty sequence"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := f.eval(c.expr)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

// TestWithLoops checks with_X loops run their lookup plugins on a task:
// first_found in the subdirectory of the task's kind, undefined candidates
// dropped, a plugin's error as the task's message.
func TestWithLoops(t *testing.T) {
	book := writeBook(t, map[string]string{
		"site.yml": `- hosts: all
  gather_facts: false
  tasks:
    - debug: msg={{ item }}
      with_first_found: ["{{ nope }}", v.yml]
    - include_vars: "{{ item }}"
      with_first_found: [v.yml]
    - debug: msg={{ item }}
      with_file: missing
`,
		"files/v.yml": "a: files\n",
		"vars/v.yml":  "a: vars\n",
	})
	pb, err := Load(book, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tasks := pb.Plays[0].Tasks
	out := &warnRecorder{}
	r := newRun(Options{Output: out})
	ps := &playState{run: r, play: pb.Plays[0]}
	s := &scope{ps: ps, h: newHostState("h", nil, nil), task: tasks[0]}
	cases := []struct {
		task    *Task
		want    string
		wantErr string
	}{
		{tasks[0], filepath.Join(filepath.Dir(book), "files", "v.yml"), ""},
		{tasks[1], filepath.Join(filepath.Dir(book), "vars", "v.yml"), ""},
		{tasks[2], "", "could not locate file in lookup: missing"},
	}
	for _, c := range cases {
		s.task = c.task
		items, err := ps.loopItems(c.task, s)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: error = %v, want %q", c.task.Pos, err, c.wantErr)
			}
			continue
		}
		if err != nil || len(items) != 1 || jinja.ToPlain(items[0]) != c.want {
			t.Errorf("%s: items %v, %v; want [%s]", c.task.Pos, items, err, c.want)
		}
	}
}

// TestSequenceHelpers checks Python's int(s, 0) and % formatting as the
// sequence plugin uses them.
func TestSequenceHelpers(t *testing.T) {
	ints := []struct {
		in   string
		want int
		ok   bool
	}{{"10", 10, true}, {"0x1f", 31, true}, {"0o17", 15, true}, {"0b101", 5, true}, {"0", 0, true}, {"00", 0, true},
		{"010", 0, false}, {"1_000", 1000, true}, {"_1", 0, false}, {"x", 0, false}, {"", 0, false}}
	for _, c := range ints {
		got, err := pyIntBase0(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("int(%q, 0) = %d, %v", c.in, got, err)
		}
	}
	formats := []struct{ format, want string }{{"%d", "7"}, {"%03d", "007"}, {"host%02x", "host07"}, {"%s!", "7!"},
		{"%#o", "0o7"}, {"%.1f", "7.0"}, {"%-3i|", "7  |"}, {"%X", "7"}}
	for _, c := range formats {
		if got, err := pyFormatInt(c.format, 7); err != nil || got != c.want {
			t.Errorf("%q %% 7 = %q, %v; want %q", c.format, got, err, c.want)
		}
	}
}

// TestLookupTextHelpers checks the Python string helpers lookups rely on.
func TestLookupTextHelpers(t *testing.T) {
	lines := []struct {
		in   string
		want []string
	}{{"a\nb\n", []string{"a", "b"}}, {"a\r\nb\rc", []string{"a", "b", "c"}}, {"", nil}, {"\n\n", []string{"", ""}},
		{"x\u2028y", []string{"x", "y"}}}
	for _, c := range lines {
		if got := pySplitlines(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitlines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	splits := []struct {
		in   []any
		want []string
	}{{[]any{"a,b;c"}, []string{"a", "b", "c"}}, {[]any{"a,", []any{"b:c"}}, []string{"a", "", "b", "c"}}}
	for _, c := range splits {
		if got := splitOn(c.in, ",;:"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitOn(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	joins := []struct {
		parts []string
		want  string
	}{{[]string{"a", "b"}, "a/b"}, {[]string{"a/", "b"}, "a/b"}, {[]string{"a", "/b", "c"}, "/b/c"}, {[]string{"", "b"}, "b"}}
	for _, c := range joins {
		if got := joinPy(c.parts...); got != c.want {
			t.Errorf("join%q = %q, want %q", c.parts, got, c.want)
		}
	}
	paths := []struct{ in, dir, base string }{{"a/b.txt", "a", "b.txt"}, {"b.txt", "", "b.txt"}, {"/x", "/", "x"}, {"a//b", "a", "b"}}
	for _, c := range paths {
		if d, b := pySplitPath(c.in); d != c.dir || b != c.base {
			t.Errorf("split(%q) = %q, %q", c.in, d, b)
		}
	}
	flat := flattenDeep([]any{[]any{[]any{1}}, []any{2, []any{3}}, "None", 4})
	if !reflect.DeepEqual(flat, []any{1, 2, 3}) {
		t.Errorf("flattened = %v", flat)
	}
}

// TestPasswordFile checks the password file format: the password, salt
// and ident as stored, a new file created 0600 and read back, a stored
// file left as it is when nothing is to be encrypted.
func TestPasswordFile(t *testing.T) {
	parses := []struct{ in, plain, salt, ident string }{
		{"pw", "pw", "", ""}, {"p w salt=abc", "p w", "abc", ""}, {"pw salt=s ident=2b", "pw", "s", "2b"},
		{"a salt=b salt=c", "a salt=b", "c", ""}}
	for _, c := range parses {
		p, s, i := parsePasswordContent(c.in)
		if p != c.plain || s != c.salt || i != c.ident {
			t.Errorf("parse(%q) = %q %q %q", c.in, p, s, i)
		}
		if got := formatPasswordContent(p, s, i, s != ""); got != c.in {
			t.Errorf("format(%q %q %q) = %q", p, s, i, got)
		}
	}
	if got := splitPasswordChars("digits,,,ab"); !reflect.DeepEqual(got, []string{",", "digits", "ab"}) {
		t.Errorf("chars = %q", got)
	}
	f := newLookupFixture(t)
	path := filepath.Join(f.dir, "sub", "pw")
	first, err := f.eval("lookup('password', '" + path + " length=7 chars=digits')")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.eval("lookup('password', '" + path + "')")
	if err != nil || again != first || len(first.(string)) != 7 || strings.Trim(first.(string), "0123456789") != "" {
		t.Errorf("password %q then %q, %v", first, again, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v %v", st, err)
	}
	if err := os.WriteFile(path, []byte("pw salt=abc ident=2a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := f.eval("lookup('password', '" + path + " ident=2b')"); err != nil || got != "pw" {
		t.Errorf("stored password = %v, %v", got, err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "pw salt=abc ident=2a\n" {
		t.Errorf("file rewritten without encrypt: %q, %v", b, err)
	}
}

// TestLookupURL fetches from real HTTP and HTTPS listeners on loopback:
// lines or the whole body, headers and the default agent, Basic auth,
// redirects, certificate checks, and the plugin's messages for an HTTP
// error and a refused connection.
func TestLookupURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/lines", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "l1\nl2\n") })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Header.Get("User-Agent")+" "+r.Header.Get("X-T"))
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "pw" {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "welcome")
	})
	mux.Handle("/moved", http.RedirectHandler("/lines", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewUnstartedServer(mux)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	refused := httptest.NewServer(mux)
	refusedURL := refused.URL
	refused.Close()
	f := newLookupFixture(t)
	cases := []struct {
		expr, want, wantErr string
	}{
		{"lookup('url', U + '/lines')", "l1,l2", ""},
		{"lookup('url', U + '/lines', split_lines=False)", "l1\nl2\n", ""},
		{"lookup('url', U + '/echo', headers={'X-T': 'v'})", "ansible-httpget v", ""},
		{"lookup('url', U + '/echo', http_agent='me')", "me ", ""},
		{"lookup('url', U + '/auth', username='u', password='pw')", "welcome", ""},
		{"lookup('url', U + '/auth', username='u', password='pw', force_basic_auth=True)", "welcome", ""},
		{"lookup('url', U + '/moved')", "l1,l2", ""},
		{"lookup('url', T + '/lines', validate_certs=False)", "l1,l2", ""},
		{"lookup('url', U + '/nope')", "", "original message: Received HTTP error for " + srv.URL + "/nope : HTTP Error 404: Not Found"},
		{"lookup('url', U + '/moved', follow_redirects='none')", "", "Received HTTP error for " + srv.URL + "/moved : HTTP Error 302: Found"},
		{"lookup('url', U + '/auth')", "", "HTTP Error 401: Unauthorized"},
		{"lookup('url', R + '/')", "", "Failed lookup url for " + refusedURL + "/ : <urlopen error [Errno 111] Connection refused>"},
		{"lookup('url', T + '/lines')", "", "Failed lookup url for " + tlsSrv.URL + "/lines : <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"},
		{"lookup('url', U + '/lines', use_gssapi=True, errors='ignore')", "", "url lookup: option use_gssapi is not supported by drover"},
	}
	f.vars = jinja.ChainVars{jinja.MapVars{"U": srv.URL, "T": tlsSrv.URL, "R": refusedURL}, f.vars}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			got, err := f.eval(c.expr)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error = %v\nwant it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
