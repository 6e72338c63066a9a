package jinja

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

type testFn = func(s *state, v any, a *argList) (bool, error)

func registerTests(e *Env) {
	reg := func(fn testFn, names ...string) {
		for _, n := range names {
			e.addTest(n, &testDef{fn: fn})
		}
	}
	typeTest := func(fn func(v any) bool, names ...string) {
		for _, n := range names {
			e.addTest(n, &testDef{fn: func(s *state, v any, a *argList) (bool, error) { return fn(v), nil }, undefinedFalse: true})
		}
	}
	e.addTest("defined", &testDef{fn: func(s *state, v any, a *argList) (bool, error) { _, u := v.(*Undefined); return !u, nil }, undefinedOK: true})
	e.addTest("undefined", &testDef{fn: func(s *state, v any, a *argList) (bool, error) { _, u := v.(*Undefined); return u, nil }, undefinedOK: true})
	typeTest(func(v any) bool { return v == nil }, "none")
	typeTest(func(v any) bool { _, ok := v.(string); return ok }, "string")
	typeTest(func(v any) bool { _, _, _, ok := numeric(v); return ok }, "number")
	typeTest(func(v any) bool { _, ok := v.(int); return ok }, "integer")
	typeTest(func(v any) bool { _, ok := v.(float64); return ok }, "float")
	typeTest(func(v any) bool { _, ok := v.(bool); return ok }, "boolean")
	typeTest(func(v any) bool { return v == true }, "true")
	typeTest(func(v any) bool { return v == false }, "false")
	typeTest(isMapping, "mapping")
	typeTest(func(v any) bool { _, ok := v.(*callable); return ok }, "callable")
	typeTest(func(v any) bool {
		_, err := length(v)
		return err == nil && (isSequence(v) || isMapping(v) || isStr(v))
	}, "sequence")
	typeTest(func(v any) bool { _, err := iterate(v); return err == nil }, "iterable")
	typeTest(func(v any) bool { s, ok := v.(string); return ok && strings.ToLower(s) == s }, "lower")
	typeTest(func(v any) bool { s, ok := v.(string); return ok && strings.ToUpper(s) == s }, "upper")
	typeTest(func(v any) bool { return false }, "escaped")
	reg(numTest(func(n int) bool { return n%2 != 0 }), "odd")
	reg(numTest(func(n int) bool { return n%2 == 0 }), "even")
	reg(tDivisible, "divisibleby")
	reg(cmpTest("=="), "==", "eq", "equalto")
	reg(cmpTest("!="), "!=", "ne")
	reg(cmpTest("<"), "<", "lt", "lessthan")
	reg(cmpTest("<="), "<=", "le")
	reg(cmpTest(">"), ">", "gt", "greaterthan")
	reg(cmpTest(">="), ">=", "ge")
	reg(tIn, "in")
	reg(tContains, "contains")
	reg(tSameas, "sameas")
	reg(func(s *state, v any, a *argList) (bool, error) {
		name := str(v)
		if s.env.lookupFilter(name) == nil {
			return false, runtimeErrorf("Could not load \"%s\": '%s'", name, name)
		}
		return true, nil
	}, "filter")
	reg(func(s *state, v any, a *argList) (bool, error) {
		name := str(v)
		if s.env.lookupTest(name) == nil {
			return false, runtimeErrorf("Could not load \"%s\": '%s'", name, name)
		}
		return true, nil
	}, "test")
	result := func(fn testFn, names ...string) {
		for _, n := range names {
			e.addTest(n, &testDef{fn: fn, undefinedOK: true})
		}
	}
	result(resultTest("failed"), "failed", "failure")
	result(negate(resultTest("failed")), "succeeded", "success", "successful")
	result(resultTest("unreachable"), "unreachable")
	result(negate(resultTest("unreachable")), "reachable")
	result(tChanged, "changed", "change")
	result(resultTest("skipped"), "skipped", "skip")
	result(asyncTest("finished"), "finished")
	result(asyncTest("started"), "started")
	reg(regexTest("match"), "match")
	reg(regexTest("search"), "search")
	reg(tRegex, "regex")
	reg(tVersion, "version", "version_compare")
	reg(tAnyAll(false), "any")
	reg(tAnyAll(true), "all")
	reg(tTruthy(false), "truthy")
	reg(tTruthy(true), "falsy")
	reg(func(s *state, v any, a *argList) (bool, error) { return false, nil }, "vault_encrypted")
	reg(tSubset(false), "subset", "issubset")
	reg(tSubset(true), "superset", "issuperset")
	reg(func(s *state, v any, a *argList) (bool, error) { f, ok := v.(float64); return ok && math.IsNaN(f), nil }, "nan", "isnan")
	reg(fileTest(func(fi os.FileInfo) bool { return fi.IsDir() }, os.Stat), "directory", "is_dir")
	reg(fileTest(func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }, os.Stat), "file", "is_file")
	reg(fileTest(func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }, os.Lstat), "link", "is_link")
	reg(fileTest(func(fi os.FileInfo) bool { return true }, os.Stat), "exists")
	reg(fileTest(func(fi os.FileInfo) bool { return true }, os.Lstat), "link_exists")
	reg(func(s *state, v any, a *argList) (bool, error) { return filepath.IsAbs(str(v)), nil }, "abs", "is_abs")
	reg(tSameFile, "same_file", "is_same_file")
	reg(tMount, "mount", "is_mount")
	reg(uriTest("uri"), "uri")
	reg(uriTest("url"), "url")
	reg(uriTest("urn"), "urn")
}

func isStr(v any) bool { _, ok := v.(string); return ok }

func numTest(f func(int) bool) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		n, ok := v.(int)
		if !ok {
			if fl, isF := v.(float64); isF && fl == math.Trunc(fl) {
				return f(int(fl)), nil
			}
			return false, typeErrorf("not all arguments converted during string formatting")
		}
		return f(n), nil
	}
}

func tDivisible(s *state, v any, a *argList) (bool, error) {
	if len(a.pos) == 0 {
		return false, typeErrorf("divisibleby() missing 1 required positional argument: 'num'")
	}
	r, err := arith("%", v, a.pos[0])
	if err != nil {
		return false, err
	}
	return equal(r, 0), nil
}

func cmpTest(op string) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		if len(a.pos) == 0 {
			return false, typeErrorf("test missing 1 required positional argument: 'other'")
		}
		return compareOp(op, v, norm(a.pos[0]))
	}
}

func tIn(s *state, v any, a *argList) (bool, error) {
	if len(a.pos) == 0 {
		return false, typeErrorf("test_in() missing 1 required positional argument: 'seq'")
	}
	return contains(norm(a.pos[0]), v)
}

func tContains(s *state, v any, a *argList) (bool, error) {
	if len(a.pos) == 0 {
		return false, typeErrorf("contains() missing 1 required positional argument: 'value'")
	}
	return contains(v, norm(a.pos[0]))
}

func tSameas(s *state, v any, a *argList) (bool, error) {
	if len(a.pos) == 0 {
		return false, typeErrorf("sameas() missing 1 required positional argument: 'other'")
	}
	o := norm(a.pos[0])
	switch x := v.(type) {
	case nil, bool:
		return v == o, nil
	case int:
		y, ok := o.(int)
		return ok && x == y && x >= -5 && x <= 256, nil
	case *Dict:
		y, ok := o.(*Dict)
		return ok && x == y, nil
	}
	return false, nil
}

func resultTest(key string) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		if !isMapping(v) {
			return false, runtimeErrorf("The '%s' test expects a dictionary", key)
		}
		r, ok := mapGet(v, key)
		if !ok {
			return false, nil
		}
		return truth(r)
	}
}

func negate(t testFn) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		ok, err := t(s, v, a)
		return !ok, err
	}
}

func tChanged(s *state, v any, a *argList) (bool, error) {
	if !isMapping(v) {
		return false, runtimeErrorf("The 'changed' test expects a dictionary")
	}
	if c, ok := mapGet(v, "changed"); ok {
		return truth(c)
	}
	res, ok := mapGet(v, "results")
	if !ok {
		return false, nil
	}
	items, isList := res.([]any)
	if !isList || len(items) == 0 || !isMapping(norm(items[0])) {
		return false, nil
	}
	for _, r := range items {
		if !isMapping(norm(r)) {
			continue
		}
		if c, ok := mapGet(norm(r), "changed"); ok {
			if t, _ := truth(c); t {
				return true, nil
			}
		}
	}
	return false, nil
}

func asyncTest(key string) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		if !isMapping(v) {
			return false, runtimeErrorf("The '%s' test expects a dictionary", key)
		}
		r, ok := mapGet(v, key)
		if !ok {
			return true, nil
		}
		return equal(r, 1), nil
	}
}

// pyRegexTest is Ansible's regex test: re.match or re.search on str(value).
func pyRegexTest(v any, pattern string, ic, ml bool, matchType string) (bool, error) {
	re, err := compilePyRegex(pattern, ic, ml)
	if err != nil {
		return false, err
	}
	text := str(v)
	if matchType == "match" {
		m, err := re.Match(text)
		if err != nil {
			return false, regexError(err)
		}
		return m != nil, nil
	}
	ok, err := re.MatchString(text)
	if err != nil {
		return false, regexError(err)
	}
	return ok, nil
}

func regexTest(matchType string) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		b, err := a.bind(matchType, "pattern", "ignorecase", "multiline")
		if err != nil {
			return false, err
		}
		pat := ""
		if b[0] != missing {
			pat = str(b[0])
		}
		ic, _ := b[1].(bool)
		ml, _ := b[2].(bool)
		return pyRegexTest(v, pat, ic, ml, matchType)
	}
}

func tRegex(s *state, v any, a *argList) (bool, error) {
	b, err := a.bind("regex", "pattern", "ignorecase", "multiline", "match_type")
	if err != nil {
		return false, err
	}
	pat := ""
	if b[0] != missing {
		pat = str(b[0])
	}
	ic, _ := b[1].(bool)
	ml, _ := b[2].(bool)
	mt := "search"
	if m, ok := b[3].(string); ok {
		mt = m
	}
	return pyRegexTest(v, pat, ic, ml, mt)
}

func tAnyAll(all bool) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		items, err := iterate(v)
		if err != nil {
			return false, err
		}
		for _, it := range items {
			t, err := truth(norm(it))
			if err != nil {
				return false, err
			}
			if all && !t {
				return false, nil
			}
			if !all && t {
				return true, nil
			}
		}
		return all, nil
	}
}

// ansibleBoolean is module_utils' boolean(value, strict=True).
func ansibleBoolean(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case nil:
		return false, false
	}
	s := strings.ToLower(strings.TrimSpace(str(v)))
	switch s {
	case "y", "yes", "on", "1", "true", "t", "1.0":
		return true, true
	case "n", "no", "off", "0", "false", "f", "0.0":
		return false, true
	}
	return false, false
}

func tTruthy(invert bool) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		b, err := a.bind("truthy", "convert_bool")
		if err != nil {
			return false, err
		}
		if cb, _ := b[0].(bool); cb {
			if bv, ok := ansibleBoolean(v); ok {
				v = bv
			}
		}
		t, err := truth(v)
		return t != invert, err
	}
}

func tSubset(super bool) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		if len(a.pos) == 0 {
			return false, typeErrorf("missing argument")
		}
		x, err := iterate(v)
		if err != nil {
			return false, err
		}
		y, err := iterate(norm(a.pos[0]))
		if err != nil {
			return false, err
		}
		if super {
			x, y = y, x
		}
		for _, e := range x {
			if !sliceContains(y, e) {
				return false, nil
			}
		}
		return true, nil
	}
}

func (s *state) hostPath(v any) string {
	p := str(v)
	if s.env.FileRoot != "" && !filepath.IsAbs(p) {
		p = filepath.Join(s.env.FileRoot, p)
	}
	return p
}

func fileTest(f func(os.FileInfo) bool, stat func(string) (os.FileInfo, error)) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		fi, err := stat(s.hostPath(v))
		if err != nil {
			return false, nil
		}
		return f(fi), nil
	}
}

func tSameFile(s *state, v any, a *argList) (bool, error) {
	if len(a.pos) == 0 {
		return false, typeErrorf("samefile() missing 1 required positional argument")
	}
	x, err := os.Stat(s.hostPath(v))
	if err != nil {
		return false, runtimeErrorf("[Errno 2] No such file or directory: %s", repr(str(v)))
	}
	y, err := os.Stat(s.hostPath(a.pos[0]))
	if err != nil {
		return false, runtimeErrorf("[Errno 2] No such file or directory: %s", repr(str(a.pos[0])))
	}
	return os.SameFile(x, y), nil
}

func tMount(s *state, v any, a *argList) (bool, error) {
	p := s.hostPath(v)
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 {
		return false, nil
	}
	parent, err := os.Lstat(filepath.Join(p, ".."))
	if err != nil {
		return false, nil
	}
	a1, ok1 := fi.Sys().(*syscall.Stat_t)
	a2, ok2 := parent.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return false, nil
	}
	return a1.Dev != a2.Dev || a1.Ino == a2.Ino, nil
}

var uriSchemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

func uriTest(kind string) testFn {
	return func(s *state, v any, a *argList) (bool, error) {
		text := str(v)
		scheme, rest := "", text
		if uriSchemeRe.MatchString(text) {
			i := strings.IndexByte(text, ':')
			scheme, rest = strings.ToLower(text[:i]), text[i+1:]
		}
		var schemes []any
		if len(a.pos) > 0 {
			schemes, _ = listOf(norm(a.pos[0]))
		}
		if kind == "urn" {
			schemes = []any{"urn"}
		}
		if len(schemes) > 0 && !sliceContains(schemes, scheme) {
			return false, nil
		}
		if kind == "url" {
			netloc := ""
			if strings.HasPrefix(rest, "//") {
				netloc = rest[2:]
				if i := strings.IndexAny(netloc, "/?#"); i >= 0 {
					netloc = netloc[:i]
				}
			}
			return netloc != "" || scheme == "file", nil
		}
		return true, nil
	}
}

var sizeRanges = []struct {
	suffix string
	limit  float64
}{{"Y", 1 << 80}, {"Z", 1 << 70}, {"E", 1 << 60}, {"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}

func fHumanReadable(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("human_readable", "isbits", "unit")
	if err != nil {
		return nil, err
	}
	size, ok := asFloat(v)
	if !ok {
		if sv, isS := v.(string); isS {
			size, ok = pyFloat(sv)
		}
		if !ok {
			return nil, runtimeErrorf("human_readable() can't interpret following string: %s", str(v))
		}
	}
	isbits, _ := b[0].(bool)
	base := "Bytes"
	if isbits {
		base = "bits"
	}
	unit, hasUnit := b[1].(string)
	return HumanBytes(size, base, unit, hasUnit), nil
}

// HumanBytes is Ansible's bytes_to_human: size in the largest unit it
// reaches (or the given one), two decimals, base ("Bytes" or "bits") naming
// the unit.
func HumanBytes(size float64, base, unit string, hasUnit bool) string {
	var sr = sizeRanges[len(sizeRanges)-1]
	for _, r := range sizeRanges {
		if (!hasUnit && size >= r.limit) || (hasUnit && strings.ToUpper(unit) != "" && strings.ToUpper(unit)[:1] == r.suffix) {
			sr = r
			break
		}
	}
	suffix := sr.suffix
	if sr.limit != 1 {
		suffix += base[:1]
	} else {
		suffix = base
	}
	return strconv.FormatFloat(size/sr.limit, 'f', 2, 64) + " " + suffix
}

var humanRe = regexp.MustCompile(`^\s*(\d*\.?\d*)\s*([A-Za-z]+)?\s*$`)

func fHumanToBytes(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("human_to_bytes", "default_unit", "isbits")
	if err != nil {
		return nil, err
	}
	m := humanRe.FindStringSubmatch(str(v))
	if m == nil || m[1] == "" {
		return nil, runtimeErrorf("human_to_bytes() can't interpret following string: %s", str(v))
	}
	num, _ := strconv.ParseFloat(m[1], 64)
	unit := m[2]
	if unit == "" {
		if du, ok := b[0].(string); ok {
			unit = du
		} else {
			return int(math.Round(num)), nil
		}
	}
	isbits, _ := b[1].(bool)
	u := strings.ToUpper(unit[:1])
	for _, r := range sizeRanges {
		if r.suffix == u {
			rest := unit[1:]
			if (isbits && rest != "" && rest != "b" && rest != "it" && rest != "its") || (!isbits && rest != "" && rest != "B" && rest != "yte" && rest != "ytes" && !(u == "B" && (rest == "yte" || rest == "ytes"))) {
				if !(len(unit) == 1) {
					return nil, runtimeErrorf("human_to_bytes() failed to convert %s. Value is not a valid string (expect %s)", str(v), map[bool]string{true: "bits", false: "bytes"}[isbits])
				}
			}
			return int(math.Round(num * r.limit)), nil
		}
	}
	return nil, runtimeErrorf("human_to_bytes() failed to convert %s. The suffix must be one of %s", str(v), "Y, Z, E, P, T, G, M, K, B")
}
