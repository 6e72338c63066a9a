package tasks

import (
	"strconv"
	"strings"
)

// debVersionCompare compares two Debian package versions as dpkg does
// ([epoch:]upstream[-revision], ~ sorting before everything): negative when
// a < b, zero when equal, positive when a > b.
func debVersionCompare(a, b string) int {
	ea, ua, ra := debSplit(a)
	eb, ub, rb := debSplit(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := debVerRevCmp(ua, ub); c != 0 {
		return c
	}
	return debVerRevCmp(ra, rb)
}

// debSplit splits a version into epoch, upstream version and revision.
func debSplit(v string) (int, string, string) {
	v = strings.TrimSpace(v)
	epoch := 0
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, _ = strconv.Atoi(v[:i])
		v = v[i+1:]
	}
	rev := ""
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v, rev = v[:i], v[i+1:]
	}
	return epoch, v, rev
}

func debIsDigit(c byte) bool { return c >= '0' && c <= '9' }

// debOrder is dpkg's weight of a character in the non-digit parts.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case debIsDigit(c):
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// debVerRevCmp is dpkg's verrevcmp.
func debVerRevCmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for (i < len(a) && !debIsDigit(a[i])) || (j < len(b) && !debIsDigit(b[j])) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return ac - bc
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && j < len(b) && debIsDigit(a[i]) && debIsDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && debIsDigit(a[i]) {
			return 1
		}
		if j < len(b) && debIsDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return firstDiff
		}
	}
	return 0
}
