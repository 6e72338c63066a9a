package jinja

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"os"
	"path/filepath"
	"strings"

	"github.com/drover/drover/internal/pyregex"
)

func registerDataFilters(e *Env) {
	reg := func(fn filterFn, names ...string) {
		for _, n := range names {
			e.addFilter(n, &filterDef{fn: fn})
		}
	}
	reg(fToJSON, "to_json")
	reg(fToNiceJSON, "to_nice_json")
	reg(fTojson, "tojson")
	reg(fFromJSON, "from_json")
	reg(fToYAML(false), "to_yaml")
	reg(fToYAML(true), "to_nice_yaml")
	reg(fFromYAML(false), "from_yaml")
	reg(fFromYAML(true), "from_yaml_all")
	reg(fB64Encode, "b64encode")
	reg(fB64Decode, "b64decode")
	reg(hashFilter("md5"), "md5")
	reg(hashFilter("sha1"), "sha1", "checksum")
	reg(fHash, "hash")
}

func registerStringFilters(e *Env) {
	reg := func(fn filterFn, names ...string) {
		for _, n := range names {
			e.addFilter(n, &filterDef{fn: fn})
		}
	}
	reg(pathFilter(pyBasename), "basename")
	reg(pathFilter(pyDirname), "dirname")
	reg(pathFilter(expandUser), "expanduser")
	reg(pathFilter(os.ExpandEnv), "expandvars")
	reg(pathFilter(realPath), "realpath")
	reg(fSplitext, "splitext")
	reg(fPathJoin, "path_join")
	reg(fRelpath, "relpath")
	reg(fRegexReplace, "regex_replace")
	reg(fRegexSearch, "regex_search")
	reg(fRegexFindall, "regex_findall")
	reg(fRegexEscape, "regex_escape")
	reg(fURLSplit, "urlsplit")
}

func jsonKwargs(a *argList, o jsonOpts) (jsonOpts, error) {
	for _, kv := range a.kw {
		switch kv.name {
		case "indent":
			switch n := kv.val.(type) {
			case int:
				o.indent, o.indentStr = n, ""
				if o.itemSep == ", " {
					o.itemSep = ","
				}
			case string:
				o.indentStr = n
				if o.itemSep == ", " {
					o.itemSep = ","
				}
			case nil:
				o.indent = -1
			}
		case "sort_keys":
			o.sortKeys, _ = kv.val.(bool)
		case "ensure_ascii":
			o.ascii, _ = kv.val.(bool)
		case "separators":
			seps, ok := listOf(kv.val)
			if !ok || len(seps) != 2 {
				return o, runtimeErrorf("separators must be a pair of strings")
			}
			o.itemSep, o.keySep = str(seps[0]), str(seps[1])
		case "vault_to_text", "preprocess_unsafe", "skipkeys", "check_circular", "allow_nan":
		default:
			return o, typeErrorf("__init__() got an unexpected keyword argument '%s'", kv.name)
		}
	}
	return o, nil
}

func fToJSON(s *state, v any, a *argList) (any, error) {
	o, err := jsonKwargs(a, jsonOpts{indent: -1, itemSep: ", ", keySep: ": ", ascii: true})
	if err != nil {
		return nil, err
	}
	return jsonDumps(v, o)
}

func fToNiceJSON(s *state, v any, a *argList) (any, error) {
	o := jsonOpts{indent: 4, itemSep: ",", keySep: ": ", ascii: true, sortKeys: true}
	if len(a.pos) > 0 {
		if n, ok := a.pos[0].(int); ok {
			o.indent = n
		}
	}
	o, err := jsonKwargs(a, o)
	if err != nil {
		return nil, err
	}
	return jsonDumps(v, o)
}

func fTojson(s *state, v any, a *argList) (any, error) {
	o := jsonOpts{indent: -1, itemSep: ", ", keySep: ": ", ascii: true, sortKeys: true, htmlSafe: true}
	if len(a.pos) > 0 {
		if n, ok := a.pos[0].(int); ok {
			o.indent, o.itemSep = n, ","
		}
	}
	return jsonDumps(v, o)
}

func fFromJSON(s *state, v any, a *argList) (any, error) {
	str, ok := v.(string)
	if !ok {
		return nil, typeErrorf("the JSON object must be str, bytes or bytearray, not %s", typeName(v))
	}
	return jsonLoads(str)
}

func fToYAML(nice bool) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		o := &yamlDumpOpts{indent: 2, width: 80, sortKeys: true}
		if nice {
			o.indent = 4
			f := false
			o.flowStyle = &f
			if len(a.pos) > 0 {
				if n, ok := a.pos[0].(int); ok {
					o.indent = n
				}
			}
		}
		for _, kv := range a.kw {
			switch kv.name {
			case "indent":
				o.indent, _ = kv.val.(int)
			case "width":
				o.width, _ = kv.val.(int)
			case "default_flow_style":
				if kv.val == nil {
					o.flowStyle = nil
				} else {
					b, _ := kv.val.(bool)
					o.flowStyle = &b
				}
			case "sort_keys":
				o.sortKeys, _ = kv.val.(bool)
			case "explicit_start":
				o.explicit, _ = kv.val.(bool)
			case "allow_unicode":
			default:
				return nil, typeErrorf("to_yaml got an unexpected keyword argument '%s'", kv.name)
			}
		}
		return yamlDump(v, o)
	}
}

func fFromYAML(all bool) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		str, ok := v.(string)
		if !ok {
			return v, nil
		}
		if all {
			return yamlLoadAll(str)
		}
		return yamlLoad(str)
	}
}

func fB64Encode(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("b64encode", "encoding")
	if err != nil {
		return nil, err
	}
	raw, err := encodeText(str(v), encodingArg(b[0]))
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// encodingArg is an encoding= argument, utf-8 when not given.
func encodingArg(v any) string {
	if v == missing || v == nil {
		return "utf-8"
	}
	return str(v)
}

// fB64Decode is Python's base64.b64decode (binascii's lenient rules:
// characters outside the alphabet are dropped, decoding stops at the first
// complete padding, a quad left incomplete is an error); bytes that are not
// UTF-8 are kept as they are, as Ansible keeps them (surrogateescape), so
// that copy content writes them back.
func fB64Decode(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("b64decode", "encoding")
	if err != nil {
		return nil, err
	}
	var out []byte
	quad, pads, data := 0, 0, 0
	var left byte
	for _, c := range []byte(str(v)) {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return decodeText(out, encodingArg(b[0]))
				}
			}
			continue
		}
		x, ok := b64Value(c)
		if !ok {
			continue
		}
		pads = 0
		data++
		switch quad {
		case 1:
			out = append(out, left<<2|x>>4)
			x &= 0x0f
		case 2:
			out = append(out, left<<4|x>>2)
			x &= 0x03
		case 3:
			out = append(out, left<<6|x)
		}
		left, quad = x, (quad+1)%4
	}
	switch quad {
	case 0:
		return decodeText(out, encodingArg(b[0]))
	case 1:
		return nil, runtimeErrorf("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", data)
	}
	return nil, runtimeErrorf("Incorrect padding")
}

// b64Value is the value of a base64 alphabet character.
func b64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

func newHash(name string) (hash.Hash, bool) {
	switch name {
	case "md5":
		return md5.New(), true
	case "sha1":
		return sha1.New(), true
	case "sha224":
		return sha256.New224(), true
	case "sha256":
		return sha256.New(), true
	case "sha384":
		return sha512.New384(), true
	case "sha512":
		return sha512.New(), true
	}
	return nil, false
}

func hashFilter(name string) filterFn {
	return func(s *state, v any, a *argList) (any, error) {
		h, _ := newHash(name)
		h.Write([]byte(str(v)))
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

func fHash(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("hash", "hashtype")
	if err != nil {
		return nil, err
	}
	name := "sha1"
	if n, ok := b[0].(string); ok {
		name = n
	}
	h, ok := newHash(name)
	if !ok {
		return nil, runtimeErrorf("unsupported hash type %s", name)
	}
	h.Write([]byte(str(v)))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func pathFilter(f func(string) string) filterFn {
	return func(s *state, v any, a *argList) (any, error) { return f(str(v)), nil }
}

// pyBasename is os.path.basename (everything after the last slash).
func pyBasename(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// pyDirname is os.path.dirname.
func pyDirname(p string) string {
	i := strings.LastIndexByte(p, '/') + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

func expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}

func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

func fSplitext(s *state, v any, a *argList) (any, error) {
	p := str(v)
	base := pyBasename(p)
	trimmed := strings.TrimLeft(base, ".")
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return Tuple{p, ""}, nil
	}
	cut := len(p) - len(trimmed) + i
	return Tuple{p[:cut], p[cut:]}, nil
}

func fPathJoin(s *state, v any, a *argList) (any, error) {
	var parts []any
	if str, ok := v.(string); ok {
		parts = []any{str}
	} else if l, ok := listOf(v); ok {
		parts = l
	} else {
		return nil, runtimeErrorf("|path_join expects string or sequence, got %s instead.", typeName(v))
	}
	out := ""
	for i, p := range parts {
		ps := str(p)
		switch {
		case i == 0 || strings.HasPrefix(ps, "/"):
			out = ps
		case out == "" || strings.HasSuffix(out, "/"):
			out += ps
		default:
			out += "/" + ps
		}
	}
	return out, nil
}

func fRelpath(s *state, v any, a *argList) (any, error) {
	start := "."
	if len(a.pos) > 0 {
		start = str(a.pos[0])
	}
	absStart, err := filepath.Abs(start)
	if err != nil {
		return nil, err
	}
	absP, err := filepath.Abs(str(v))
	if err != nil {
		return nil, err
	}
	return filepath.Rel(absStart, absP)
}

func regexFlags(a *argList) (bool, bool) {
	ic, _ := a.kwarg("ignorecase")
	ml, _ := a.kwarg("multiline")
	i, _ := truth(ic)
	m, _ := truth(ml)
	return i, m
}

func fRegexReplace(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("regex_replace", "pattern", "replacement", "ignorecase", "multiline", "count", "mandatory_count")
	if err != nil {
		return nil, err
	}
	pat, repl := "", ""
	if b[0] != missing {
		pat = str(b[0])
	}
	if b[1] != missing {
		repl = str(b[1])
	}
	ic, _ := b[2].(bool)
	ml, _ := b[3].(bool)
	re, err := compilePyRegex(pat, ic, ml)
	if err != nil {
		return nil, err
	}
	count, _ := b[4].(int)
	out, _, err := re.Subn(str(v), repl, count)
	if err != nil {
		return nil, runtimeErrorf("%v", err)
	}
	return out, nil
}

func fRegexSearch(s *state, v any, a *argList) (any, error) {
	if len(a.pos) == 0 {
		return nil, typeErrorf("regex_search() missing 1 required positional argument: 'regex'")
	}
	ic, ml := regexFlags(a)
	re, err := compilePyRegex(str(a.pos[0]), ic, ml)
	if err != nil {
		return nil, err
	}
	text := str(v)
	groups := make([]int, 0, len(a.pos)-1)
	for _, g := range a.pos[1:] {
		gs := str(g)
		idx := -1
		switch {
		case strings.HasPrefix(gs, `\g<`) && strings.HasSuffix(gs, ">"):
			name := gs[3 : len(gs)-1]
			if n, ok := pyInt(name, 10); ok {
				idx = n
			} else {
				idx = re.GroupIndex(name)
			}
		case strings.HasPrefix(gs, `\`):
			if n, ok := pyInt(gs[1:], 10); ok {
				idx = n
			}
		default:
			return nil, runtimeErrorf("Unknown argument")
		}
		if idx < 0 {
			return nil, runtimeErrorf("'NoneType' object has no attribute 'group'")
		}
		groups = append(groups, idx)
	}
	m, err := re.Search(text)
	if err != nil {
		return nil, regexError(err)
	}
	if m == nil {
		return nil, nil
	}
	if len(groups) == 0 {
		return text[m.Start():m.End()], nil
	}
	out := []any{}
	for _, idx := range groups {
		if idx > re.Groups() {
			return nil, runtimeErrorf("no such group")
		}
		if g, ok := m.Group(idx); ok {
			out = append(out, g)
		} else {
			out = append(out, nil)
		}
	}
	return out, nil
}

func fRegexFindall(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("regex_findall", "regex", "multiline", "ignorecase")
	if err != nil {
		return nil, err
	}
	if b[0] == missing {
		return nil, typeErrorf("regex_findall() missing 1 required positional argument: 'regex'")
	}
	ml, _ := b[1].(bool)
	ic, _ := b[2].(bool)
	re, err := compilePyRegex(str(b[0]), ic, ml)
	if err != nil {
		return nil, err
	}
	text := str(v)
	matches, err := re.FindAll(text)
	if err != nil {
		return nil, regexError(err)
	}
	out := []any{}
	for _, m := range matches {
		switch re.Groups() {
		case 0:
			out = append(out, text[m.Start():m.End()])
		case 1:
			g, _ := m.Group(1)
			out = append(out, g)
		default:
			t := make(Tuple, re.Groups())
			for g := 1; g <= re.Groups(); g++ {
				t[g-1], _ = m.Group(g)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func fRegexEscape(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("regex_escape", "re_type")
	if err != nil {
		return nil, err
	}
	typ := "python"
	if t, ok := b[0].(string); ok {
		typ = t
	}
	switch typ {
	case "python":
		return pyregex.Escape(str(v)), nil
	case "posix_basic":
		var sb strings.Builder
		for _, r := range str(v) {
			if strings.ContainsRune(`].[^$*\`, r) {
				sb.WriteByte('\\')
			}
			sb.WriteRune(r)
		}
		return sb.String(), nil
	case "posix_extended":
		return nil, runtimeErrorf("Regex type (%s) not yet implemented", typ)
	}
	return nil, runtimeErrorf("Invalid regex type (%s)", typ)
}

// fURLSplit is Ansible's urlsplit filter: the parts of a URL as a dict, or
// one part by name.
func fURLSplit(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("urlsplit", "query")
	if err != nil {
		return nil, err
	}
	raw := str(v)
	scheme, rest := "", raw
	if uriSchemeRe.MatchString(raw) {
		i := strings.IndexByte(raw, ':')
		scheme, rest = strings.ToLower(raw[:i]), raw[i+1:]
	}
	netloc := ""
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		i := strings.IndexAny(rest, "/?#")
		if i < 0 {
			i = len(rest)
		}
		netloc, rest = rest[:i], rest[i:]
	}
	fragment, query := "", ""
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, fragment = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	d := NewDict(9)
	d.Set("fragment", fragment)
	host := netloc
	var user, pass any
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		ui := host[:i]
		host = host[i+1:]
		u, p, hasP := strings.Cut(ui, ":")
		user = u
		if hasP {
			pass = p
		}
	}
	var port any
	hostname := host
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j >= 0 {
			hostname = host[1:j]
			if strings.HasPrefix(host[j+1:], ":") {
				if n, ok := pyInt(host[j+2:], 10); ok {
					port = n
				}
			}
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		hostname = host[:i]
		if n, ok := pyInt(host[i+1:], 10); ok {
			port = n
		}
	}
	var hn any
	if hostname != "" {
		hn = strings.ToLower(hostname)
	}
	d.Set("hostname", hn)
	d.Set("netloc", netloc)
	d.Set("password", pass)
	d.Set("path", rest)
	d.Set("port", port)
	d.Set("query", query)
	d.Set("scheme", scheme)
	d.Set("username", user)
	if q, ok := b[0].(string); ok && q != "" {
		part, ok := d.Get(q)
		if !ok {
			return nil, runtimeErrorf("urlsplit: unknown URL component: %s", q)
		}
		return part, nil
	}
	return d, nil
}
