package playbooks

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// The password lookup plugin: a random password kept in a controller file
// (created on first use), optionally returned hashed.

// passwordParams are the password plugin's options, as keyword options or
// key=value words after the file name.
var passwordParams = []string{"length", "encrypt", "chars", "ident", "seed"}

// passwordMu serializes password files: Ansible's lock file between
// forks, drover's forks being goroutines.
var passwordMu sync.Mutex

// passwordSaltSizes and passwordIdents are BaseHash.algorithms' salt_size
// and implicit_ident.
var (
	passwordSaltSizes = map[string]int{"md5_crypt": 8, "bcrypt": 22, "sha256_crypt": 16, "sha512_crypt": 16}
	passwordIdents    = map[string]string{"bcrypt": "2b"}
)

// pyStringSets are the attributes of Python's string module a chars spec
// may name.
var pyStringSets = func() map[string]string {
	lower, upper, digits := "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
	punct, space := "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", " \t\n\r\x0b\x0c"
	return map[string]string{"ascii_letters": lower + upper, "ascii_lowercase": lower, "ascii_uppercase": upper,
		"digits": digits, "hexdigits": digits + "abcdefABCDEF", "octdigits": "01234567", "punctuation": punct,
		"whitespace": space, "printable": digits + lower + upper + punct + space}
}()

// passwordSpec is one term of the password plugin with its options.
type passwordSpec struct {
	path                  string
	length                int
	encrypt, ident, chars string
	seed                  any
}

// lookupPassword is the password plugin.
func lookupPassword(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		sp, err := parsePasswordTerm(pyStr(term), opts)
		if err != nil {
			return nil, err
		}
		sp.path = unfrackPath(joinPy(lc.basedir(), sp.path))
		pw, err := lc.password(sp)
		if err != nil {
			return nil, err
		}
		if lc.ps.run.opts.Redactor != nil {
			lc.ps.run.opts.Redactor.Add(pw)
		}
		out = append(out, pw)
	}
	return out, nil
}

// parsePasswordTerm is _parse_parameters: the file name, then key=value
// parameters, keyword options filling the others.
func parsePasswordTerm(term string, opts lookupOpts) (*passwordSpec, error) {
	sp := &passwordSpec{path: term}
	params := map[string]any{}
	if first, rest, ok := strings.Cut(term, " "); ok {
		sp.path = first
		kv, err := tasks.ParseKV(rest, false)
		if err != nil {
			return nil, unhandledErrorf("%v", err)
		}
		if raw, ok := kv[tasks.RawParams].(string); ok {
			sp.path = first + " " + raw
			delete(kv, tasks.RawParams)
			if !strings.HasPrefix(term, sp.path) {
				return nil, unhandledErrorf("Unrecognized value after key=value parameters given to password lookup")
			}
		}
		params = kv
	}
	var bad []string
	for k := range params {
		if !contains(passwordParams, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, unhandledErrorf("Unrecognized parameter(s) given to password lookup: %s", strings.Join(bad, ", "))
	}
	get := func(k string) (any, bool) {
		if v, ok := params[k]; ok {
			return v, true
		}
		v, ok := opts[k]
		return v, ok && v != nil
	}
	sp.length = 20
	if v, ok := get("length"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(pyStr(v)))
		if err != nil {
			return nil, &lookupError{msg: fmt.Sprintf("invalid literal for int() with base 10: %s", pyRepr(pyStr(v))), class: "ValueError"}
		}
		sp.length = n
	}
	if v, ok := get("encrypt"); ok {
		sp.encrypt = pyStr(v)
	}
	if v, ok := get("ident"); ok {
		sp.ident = pyStr(v)
	}
	if v, ok := get("seed"); ok {
		sp.seed = pyStr(v)
	}
	specs := []string{"ascii_letters", "digits", ".,:-_"}
	if v, ok := params["chars"]; ok {
		specs = splitPasswordChars(pyStr(v))
	} else if _, ok := opts["chars"]; ok {
		specs = nil
		for _, c := range opts.listOpt("chars") {
			specs = append(specs, pyStr(c))
		}
	}
	sp.chars = candidateChars(specs)
	return sp, nil
}

// splitPasswordChars splits a chars parameter on commas, ",," standing
// for a comma.
func splitPasswordChars(s string) []string {
	var out []string
	if strings.Contains(s, ",,") {
		out = append(out, ",")
	}
	for _, c := range strings.Split(strings.ReplaceAll(s, ",,", ","), ",") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// candidateChars is _gen_candidate_chars: the named sets of Python's
// string module or the characters given, without quotes.
func candidateChars(specs []string) string {
	var b strings.Builder
	for _, s := range specs {
		if set, ok := pyStringSets[s]; ok {
			s = set
		}
		b.WriteString(s)
	}
	return strings.NewReplacer(`"`, "", "'", "").Replace(b.String())
}

// password reads the password file, or creates it with a new password;
// the salt and ident an encrypt option needs are added to the file.
func (lc *lookupCtx) password(sp *passwordSpec) (string, error) {
	passwordMu.Lock()
	defer passwordMu.Unlock()
	content, exists, err := readPasswordFile(sp.path)
	if err != nil {
		return "", err
	}
	changed := false
	var plain, salt, ident string
	if !exists || sp.path == "/dev/null" {
		if plain, err = randomPassword(sp.length, sp.chars, sp.seed); err != nil {
			return "", err
		}
		changed = true
	} else {
		plain, salt, ident = parsePasswordContent(content)
	}
	if sp.encrypt != "" && salt == "" {
		size, ok := passwordSaltSizes[sp.encrypt]
		if !ok {
			size = 8
		}
		if salt, err = randomPassword(size, pyStringSets["ascii_letters"]+pyStringSets["digits"]+"./", nil); err != nil {
			return "", err
		}
		changed = true
	}
	// As in Ansible, the ident option replaces the stored one; with
	// encrypt and no ident, the scheme's implicit one is used and the file
	// written again.
	ident = sp.ident
	if sp.encrypt != "" && ident == "" {
		ident, changed = passwordIdents[sp.encrypt], true
	}
	if changed && sp.path != "/dev/null" {
		if err := writePasswordFile(sp.path, formatPasswordContent(plain, salt, ident, sp.encrypt != "")); err != nil {
			return "", err
		}
	}
	if sp.encrypt == "" {
		return plain, nil
	}
	return lc.hashPassword(plain, sp.encrypt, salt, ident)
}

// hashPassword is do_encrypt, through the password_hash filter.
func (lc *lookupCtx) hashPassword(plain, scheme, salt, ident string) (string, error) {
	vars := jinja.MapVars{"v": plain, "t": scheme, "salt": salt, "ident": nil}
	if ident != "" {
		vars["ident"] = ident
	}
	h, err := lc.env().Eval("v | password_hash(t, salt=salt, ident=ident)", vars)
	if err != nil {
		return "", unhandledErrorf("%v", err)
	}
	return pyStr(h), nil
}

// readPasswordFile reads a password file, its trailing space stripped;
// exists is false when there is none.
func readPasswordFile(path string) (content string, exists bool, err error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return pyRstrip(string(b)), true, nil
}

// parsePasswordContent is _parse_content: "PASSWORD[ salt=SALT[ ident=IDENT]]".
func parsePasswordContent(content string) (plain, salt, ident string) {
	plain = content
	rem := ""
	if i := strings.LastIndex(content, " salt="); i >= 0 {
		plain, rem = content[:i], content[i+len(" salt="):]
	}
	salt = rem
	if i := strings.LastIndex(rem, " ident="); i >= 0 {
		salt, ident = rem[:i], rem[i+len(" ident="):]
	}
	return plain, salt, ident
}

// formatPasswordContent is _format_content.
func formatPasswordContent(plain, salt, ident string, encrypt bool) string {
	switch {
	case !encrypt && salt == "":
		return plain
	case ident != "":
		return plain + " salt=" + salt + " ident=" + ident
	}
	return plain + " salt=" + salt
}

// writePasswordFile writes a password file (mode 0600, its directory made
// 0700) through a temporary file renamed into place.
func writePasswordFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".drover-password-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.WriteString(content + "\n"); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// randomPassword is random_password: length characters drawn from chars,
// by random.Random(seed) when seeded (the same password as Ansible's),
// else by the system's generator.
func randomPassword(length int, chars string, seed any) (string, error) {
	rs := []rune(chars)
	if len(rs) == 0 {
		return "", unhandledErrorf("Cannot choose from an empty sequence")
	}
	var b strings.Builder
	if seed != nil {
		r := jinja.NewPyRandom(seed)
		for range length {
			b.WriteRune(rs[r.Below(len(rs))])
		}
		return b.String(), nil
	}
	n := big.NewInt(int64(len(rs)))
	for range length {
		v, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", err
		}
		b.WriteRune(rs[v.Int64()])
	}
	return b.String(), nil
}
