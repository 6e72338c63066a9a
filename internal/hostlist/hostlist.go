// Package hostlist folds host names into compact range notation, as clush
// and clubak print node sets: web01…web20 and web22 become web[01-20,22].
package hostlist

import (
	"sort"
	"strconv"
	"strings"
)

// name is a host name split around its last run of digits.
type name struct {
	prefix, suffix string
	digits         string // "" when the name has no digits
}

func split(host string) name {
	end := strings.LastIndexFunc(host, isDigit)
	if end < 0 {
		return name{prefix: host}
	}
	start := end
	for start > 0 && isDigit(rune(host[start-1])) {
		start--
	}
	return name{prefix: host[:start], digits: host[start : end+1], suffix: host[end+1:]}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// key groups names that fold together: same text around the number and, for
// zero-padded numbers, the same width.
type key struct {
	prefix, suffix string
	width          int // 0 for numbers written without padding
}

func keyOf(n name) key {
	k := key{prefix: n.prefix, suffix: n.suffix}
	if len(n.digits) > 1 && n.digits[0] == '0' {
		k.width = len(n.digits)
	}
	return k
}

// Fold returns hosts as a compact, sorted list of names and ranges separated
// by commas, e.g. "db1,web[01-20,22]". Duplicate names count once.
func Fold(hosts []string) string {
	names, plain := parse(hosts)
	padded := map[key]bool{}
	for _, n := range names {
		if k := keyOf(n); k.width > 0 {
			padded[k] = true
		}
	}
	groups := map[key][]int{}
	var order []key
	for _, n := range names {
		k := keyOf(n)
		if wide := (key{n.prefix, n.suffix, len(n.digits)}); k.width == 0 && padded[wide] {
			k = wide
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		num, _ := strconv.Atoi(n.digits)
		groups[k] = append(groups[k], num)
	}
	parts := plain
	for _, k := range order {
		parts = append(parts, foldGroup(k, groups[k]))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// parse splits hosts into names with a number to fold on and plain names,
// dropping duplicates.
func parse(hosts []string) (names []name, plain []string) {
	seen := map[string]bool{}
	for _, h := range hosts {
		if seen[h] {
			continue
		}
		seen[h] = true
		n := split(h)
		if _, err := strconv.Atoi(n.digits); n.digits == "" || err != nil {
			plain = append(plain, h)
			continue
		}
		names = append(names, n)
	}
	return names, plain
}

func foldGroup(k key, nums []int) string {
	sort.Ints(nums)
	if len(nums) == 1 {
		return k.prefix + pad(nums[0], k.width) + k.suffix
	}
	return k.prefix + "[" + ranges(nums, k.width) + "]" + k.suffix
}

// ranges writes sorted numbers as "1-3,5,7-9".
func ranges(nums []int, width int) string {
	var b strings.Builder
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(pad(nums[i], width))
		if j > i {
			b.WriteString("-" + pad(nums[j], width))
		}
		i = j + 1
	}
	return b.String()
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
