package jinja

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/drover/drover/internal/pyfmt"
)

// password_hash: SHA-crypt ($5$, $6$) and MD5-crypt ($1$) as passlib
// produces them for Ansible (default rounds 535000 and 656000, shown in the
// hash; 5000 rounds are left implicit).

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func cryptB64(b *strings.Builder, b2, b1, b0 byte, n int) {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for ; n > 0; n-- {
		b.WriteByte(cryptAlphabet[w&0x3f])
		w >>= 6
	}
}

func randomSalt(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		seed := time.Now().UnixNano()
		for i := range buf {
			buf[i] = byte(seed >> (i % 8 * 8))
		}
	}
	for i, c := range buf {
		buf[i] = cryptAlphabet[int(c)%len(cryptAlphabet)]
	}
	return string(buf)
}

// shaCrypt is Drepper's SHA-crypt.
func shaCrypt(newHash func() hash.Hash, prefix string, order [][3]int, tail []int, pw, salt []byte, rounds int, implicitRounds bool) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	h := newHash()
	hs := h.Size()
	h.Write(pw)
	h.Write(salt)
	h.Write(pw)
	b := h.Sum(nil)
	a := newHash()
	a.Write(pw)
	a.Write(salt)
	cnt := len(pw)
	for ; cnt > hs; cnt -= hs {
		a.Write(b)
	}
	a.Write(b[:cnt])
	for cnt = len(pw); cnt > 0; cnt >>= 1 {
		if cnt&1 != 0 {
			a.Write(b)
		} else {
			a.Write(pw)
		}
	}
	ad := a.Sum(nil)
	dp := newHash()
	for i := 0; i < len(pw); i++ {
		dp.Write(pw)
	}
	dpSum := dp.Sum(nil)
	pSeq := make([]byte, 0, len(pw))
	for len(pSeq)+hs <= len(pw) {
		pSeq = append(pSeq, dpSum...)
	}
	pSeq = append(pSeq, dpSum[:len(pw)-len(pSeq)]...)
	ds := newHash()
	for i := 0; i < 16+int(ad[0]); i++ {
		ds.Write(salt)
	}
	dsSum := ds.Sum(nil)
	sSeq := make([]byte, 0, len(salt))
	for len(sSeq)+hs <= len(salt) {
		sSeq = append(sSeq, dsSum...)
	}
	sSeq = append(sSeq, dsSum[:len(salt)-len(sSeq)]...)
	c := newHash()
	for i := 0; i < rounds; i++ {
		c.Reset()
		if i&1 != 0 {
			c.Write(pSeq)
		} else {
			c.Write(ad)
		}
		if i%3 != 0 {
			c.Write(sSeq)
		}
		if i%7 != 0 {
			c.Write(pSeq)
		}
		if i&1 != 0 {
			c.Write(ad)
		} else {
			c.Write(pSeq)
		}
		ad = c.Sum(ad[:0])
	}
	var out strings.Builder
	out.WriteString(prefix)
	if !(implicitRounds && rounds == 5000) {
		out.WriteString("rounds=" + strconv.Itoa(rounds) + "$")
	}
	out.Write(salt)
	out.WriteByte('$')
	for _, t := range order {
		cryptB64(&out, ad[t[0]], ad[t[1]], ad[t[2]], 4)
	}
	if len(tail) == 1 {
		cryptB64(&out, 0, 0, ad[tail[0]], 2)
	} else {
		cryptB64(&out, 0, ad[tail[0]], ad[tail[1]], 3)
	}
	return out.String()
}

var sha512Order = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
	{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
	{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}

var sha256Order = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5}, {6, 16, 26},
	{27, 7, 17}, {18, 28, 8}, {9, 19, 29}}

// md5Crypt is the $1$ MD5-crypt scheme.
func md5Crypt(pw, salt []byte) string {
	if len(salt) > 8 {
		salt = salt[:8]
	}
	h := md5.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(pw)
	fin := h.Sum(nil)
	ctx := md5.New()
	ctx.Write(pw)
	ctx.Write([]byte("$1$"))
	ctx.Write(salt)
	for pl := len(pw); pl > 0; pl -= 16 {
		ctx.Write(fin[:min(pl, 16)])
	}
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(pw[:1])
		}
	}
	fin = ctx.Sum(nil)
	for i := 0; i < 1000; i++ {
		c := md5.New()
		if i&1 != 0 {
			c.Write(pw)
		} else {
			c.Write(fin)
		}
		if i%3 != 0 {
			c.Write(salt)
		}
		if i%7 != 0 {
			c.Write(pw)
		}
		if i&1 != 0 {
			c.Write(fin)
		} else {
			c.Write(pw)
		}
		fin = c.Sum(nil)
	}
	var out strings.Builder
	out.WriteString("$1$")
	out.Write(salt)
	out.WriteByte('$')
	for _, t := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		cryptB64(&out, fin[t[0]], fin[t[1]], fin[t[2]], 4)
	}
	cryptB64(&out, 0, 0, fin[11], 2)
	return out.String()
}

func fPasswordHash(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("password_hash", "hashtype", "salt", "salt_size", "rounds", "ident")
	if err != nil {
		return nil, err
	}
	hashtype := "sha512"
	if h, ok := b[0].(string); ok {
		hashtype = h
	}
	salt := ""
	if sv, ok := b[1].(string); ok {
		salt = sv
	}
	for _, r := range salt {
		if !strings.ContainsRune(cryptAlphabet, r) {
			return nil, runtimeErrorf("invalid characters in %s salt", hashtype)
		}
	}
	saltSize, err := saltSizeArg(b[2])
	if err != nil {
		return nil, err
	}
	pw := []byte(str(v))
	if !utf8.Valid(pw) {
		return nil, runtimeErrorf("password must be valid UTF-8")
	}
	rounds, hasRounds := b[3].(int)
	switch hashtype {
	case "sha512", "sha512_crypt", "sha256", "sha256_crypt":
		is512 := strings.HasPrefix(hashtype, "sha512")
		if !hasRounds {
			rounds = 535000
			if is512 {
				rounds = 656000
			}
		}
		if rounds < 1000 || rounds > 999999999 {
			return nil, runtimeErrorf("rounds must be between 1000 and 999999999")
		}
		if salt == "" {
			salt = randomSalt(min(saltSize, 16))
		}
		if len(salt) > 16 {
			return nil, runtimeErrorf("salt too large (%s_crypt requires <= 16 chars)", hashtype[:6])
		}
		if is512 {
			return shaCrypt(sha512.New, "$6$", sha512Order, []int{63}, pw, []byte(salt), rounds, true), nil
		}
		return shaCrypt(sha256.New, "$5$", sha256Order, []int{31, 30}, pw, []byte(salt), rounds, true), nil
	case "md5", "md5_crypt":
		if salt == "" {
			salt = randomSalt(8)
		}
		if len(salt) > 8 {
			return nil, runtimeErrorf("salt too large (md5_crypt requires <= 8 chars)")
		}
		return md5Crypt(pw, []byte(salt)), nil
	}
	return nil, runtimeErrorf("passlib does not support '%s' algorithm", hashtype)
}

// saltSizeArg is password_hash's salt_size: an integer or a numeric
// string (16 when not given).
func saltSizeArg(v any) (int, error) {
	switch x := v.(type) {
	case missingT, nil:
		return 16, nil
	case int:
		return max(x, 1), nil
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return max(n, 1), nil
		}
	}
	return 0, runtimeErrorf("'<' not supported between instances of '%s' and 'int'", typeName(v))
}

// ansibleUUIDNamespace is Ansible's UUID_NAMESPACE_ANSIBLE.
var ansibleUUIDNamespace = [16]byte{0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a, 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e}

func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	h := strings.ReplaceAll(strings.Trim(strings.ToLower(s), "{}"), "-", "")
	h = strings.TrimPrefix(h, "urn:uuid:")
	if len(h) != 32 {
		return u, false
	}
	for i := 0; i < 16; i++ {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return u, false
		}
		u[i] = byte(v)
	}
	return u, true
}

// fToUUID is Ansible's to_uuid: a name-based (SHA-1, version 5) UUID.
func fToUUID(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("to_uuid", "namespace")
	if err != nil {
		return nil, err
	}
	ns := ansibleUUIDNamespace
	if b[0] != missing {
		var ok bool
		if ns, ok = parseUUID(str(b[0])); !ok {
			return nil, runtimeErrorf("Invalid value for 'namespace': badly formed hexadecimal UUID string")
		}
	}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(str(v)))
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	var out strings.Builder
	for i, c := range sum[:16] {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out.WriteByte('-')
		}
		pyfmt.WriteHex(&out, uint64(c), 2)
	}
	return out.String(), nil
}

// fStrftime is Ansible's strftime(format, second=None, utc=False).
func fStrftime(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("strftime", "second", "utc")
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if b[0] != missing && b[0] != nil {
		sec, ok := asFloat(b[0])
		if !ok {
			if sv, isS := b[0].(string); isS {
				sec, ok = pyFloat(sv)
			}
		}
		if !ok {
			return nil, runtimeErrorf("Invalid value for epoch value")
		}
		t = time.Unix(0, int64(sec*1e9))
	}
	if u, _ := b[1].(bool); u {
		t = t.UTC()
	} else {
		t = t.Local()
	}
	return strftime(str(v), t, false), nil
}
