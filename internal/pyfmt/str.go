package pyfmt

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote is Python's repr of a str: single quotes unless s holds a single
// quote and no double quote, backslash escapes for the quote, backslash,
// \n \r \t, \xNN, \uNNNN or \UNNNNNNNN for what is not printable, and
// \udcNN for a byte that is not UTF-8 (as surrogateescape decodes it).
func Quote(s string) string {
	var b strings.Builder
	WriteQuoted(&b, s)
	return b.String()
}

// WriteQuoted writes Quote(s) to b.
func WriteQuoted(b *strings.Builder, s string) {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b.WriteByte(q)
	writeReprBody(b, s, q)
	b.WriteByte(q)
}

// ReprBody is what repr writes between the quotes when it quotes s with
// quote (' or "), as s stands inside the repr of a longer string.
func ReprBody(s string, quote byte) string {
	var b strings.Builder
	writeReprBody(&b, s, quote)
	return b.String()
}

func writeReprBody(b *strings.Builder, s string, q byte) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\udc`)
			b.WriteString(strconv.FormatUint(uint64(s[i-1]), 16))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			WriteHex(b, uint64(r), 2)
		case r < 0x7f || isPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			b.WriteString(`\x`)
			WriteHex(b, uint64(r), 2)
		case r <= 0xffff:
			b.WriteString(`\u`)
			WriteHex(b, uint64(r), 4)
		default:
			b.WriteString(`\U`)
			WriteHex(b, uint64(r), 8)
		}
	}
}

// isPrintable approximates Python's str.isprintable for one rune.
func isPrintable(r rune) bool {
	if r == ' ' {
		return true
	}
	if unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) {
		return false
	}
	return unicode.IsPrint(r) && !unicode.Is(unicode.Cf, r)
}

// WriteHex writes v in lower-case hex, zero-padded to width digits.
func WriteHex(b *strings.Builder, v uint64, width int) {
	s := strconv.FormatUint(v, 16)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}
