package jinja

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Python text codecs that filters taking an encoding= (b64encode,
// b64decode) support: utf-8, utf-16 (with a byte order mark, little
// endian), utf-16-le, utf-16-be, latin-1 and ascii.

// codecName normalizes a Python codec name ("UTF_16-LE" is utf-16-le).
func codecName(enc string) string {
	n := strings.ToLower(strings.ReplaceAll(enc, "_", "-"))
	switch n {
	case "utf8", "u8":
		return "utf-8"
	case "utf16":
		return "utf-16"
	case "utf-16le", "utf16le", "utf16-le":
		return "utf-16-le"
	case "utf-16be", "utf16be", "utf16-be":
		return "utf-16-be"
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
		return "latin-1"
	case "us-ascii":
		return "ascii"
	}
	return n
}

// encodeText is str.encode(enc).
func encodeText(s, enc string) ([]byte, error) {
	switch name := codecName(enc); name {
	case "utf-8":
		return []byte(s), nil
	case "utf-16", "utf-16-le", "utf-16-be":
		units := utf16.Encode([]rune(s))
		var order binary.AppendByteOrder = binary.LittleEndian
		if name == "utf-16-be" {
			order = binary.BigEndian
		}
		var out []byte
		if name == "utf-16" {
			out = append(out, 0xff, 0xfe)
		}
		for _, u := range units {
			out = order.AppendUint16(out, u)
		}
		return out, nil
	case "latin-1", "ascii":
		limit := rune(0xff)
		if name == "ascii" {
			limit = 0x7f
		}
		out := make([]byte, 0, len(s))
		for i, r := range []rune(s) {
			if r > limit {
				return nil, runtimeErrorf("'%s' codec can't encode character %s in position %d: ordinal not in range(%d)", name, pyCharRepr(r), i, limit+1)
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, runtimeErrorf("unknown encoding: %s", enc)
}

// decodeText is bytes.decode(enc): strict, but for UTF-8, which keeps
// bytes it cannot decode (surrogateescape).
func decodeText(b []byte, enc string) (string, error) {
	switch name := codecName(enc); name {
	case "utf-8":
		// Bytes that are not UTF-8 are kept as they are, as Ansible keeps
		// them (surrogateescape), so that copy content writes them back.
		return string(b), nil
	case "utf-16", "utf-16-le", "utf-16-be":
		var order binary.ByteOrder = binary.LittleEndian
		if name == "utf-16-be" {
			order = binary.BigEndian
		}
		if name == "utf-16" && len(b) >= 2 {
			switch {
			case b[0] == 0xff && b[1] == 0xfe:
				b = b[2:]
			case b[0] == 0xfe && b[1] == 0xff:
				b, order = b[2:], binary.BigEndian
			}
		}
		if len(b)%2 != 0 {
			return "", runtimeErrorf("'%s' codec can't decode byte 0x%02x in position %d: truncated data", name, b[len(b)-1], len(b)-1)
		}
		units := make([]uint16, len(b)/2)
		for i := range units {
			units[i] = order.Uint16(b[2*i:])
		}
		return string(utf16.Decode(units)), nil
	case "latin-1", "ascii":
		var sb strings.Builder
		for i, c := range b {
			if name == "ascii" && c > 0x7f {
				return "", runtimeErrorf("'ascii' codec can't decode byte 0x%02x in position %d: ordinal not in range(128)", c, i)
			}
			sb.WriteRune(rune(c))
		}
		return sb.String(), nil
	}
	return "", runtimeErrorf("unknown encoding: %s", enc)
}

// pyCharRepr is Python's repr of a character in codec messages ('\u3042').
func pyCharRepr(r rune) string {
	switch {
	case r > 0xffff:
		return fmt.Sprintf("'\\U%08x'", r)
	case r > 0xff:
		return fmt.Sprintf("'\\u%04x'", r)
	}
	return fmt.Sprintf("'\\x%02x'", r)
}
