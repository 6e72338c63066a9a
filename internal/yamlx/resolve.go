package yamlx

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// The implicit scalar types of YAML 1.1 as PyYAML (and so Ansible) resolves
// them.
var (
	reBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	reInt = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reNull      = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reTimestamp = regexp.MustCompile(`^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)` +
		`(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?` +
		`(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$`)
	reTimestampImplicit = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
		`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
		`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

var boolValues = map[string]bool{"yes": true, "no": false, "true": true, "false": false, "on": true, "off": false}

// ResolvePlain converts the text of an untagged, unquoted YAML scalar the way
// PyYAML's YAML 1.1 resolver does: yes/no/on/off/true/false are booleans,
// 0777 is octal, 1:30 is sexagesimal, 1.0 is a float but 1e3 a string,
// ~ and null are nil, 2024-01-31 a timestamp (kept as its ISO string).
func ResolvePlain(s string) any {
	first := byte(0)
	if s != "" {
		first = s[0]
	}
	if strings.IndexByte("yYnNtTfFoO", first) >= 0 && reBool.MatchString(s) {
		return boolValues[strings.ToLower(s)]
	}
	if strings.IndexByte("-+0123456789.", first) >= 0 && reFloat.MatchString(s) {
		if v, ok := ConstructFloat(s); ok {
			return v
		}
	}
	if strings.IndexByte("-+0123456789", first) >= 0 && reInt.MatchString(s) {
		if v, ok := ConstructInt(s); ok {
			return v
		}
	}
	if (s == "" || strings.IndexByte("~nN", first) >= 0) && reNull.MatchString(s) {
		return nil
	}
	if first >= '0' && first <= '9' && reTimestampImplicit.MatchString(s) {
		if v, ok := ParseTimestamp(s); ok {
			return v
		}
	}
	return s
}

// ConstructInt converts YAML 1.1 integer text (signs, underscores, 0b, 0x,
// leading-zero octal, sexagesimal a:b:c) to an int. Integers too large for an
// int come back as their decimal string.
func ConstructInt(s string) (any, bool) {
	v := strings.ReplaceAll(s, "_", "")
	if v == "" {
		return nil, false
	}
	neg := v[0] == '-'
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	n := new(big.Int)
	var ok bool
	switch {
	case v == "0":
		return 0, true
	case strings.HasPrefix(v, "0b"):
		_, ok = n.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = n.SetString(v[2:], 16)
	case strings.HasPrefix(v, "0") && !strings.Contains(v, ":"):
		_, ok = n.SetString(v, 8)
	case strings.Contains(v, ":"):
		ok = true
		for _, part := range strings.Split(v, ":") {
			d, err := strconv.Atoi(part)
			if err != nil {
				return nil, false
			}
			n.Mul(n, big.NewInt(60)).Add(n, big.NewInt(int64(d)))
		}
	default:
		_, ok = n.SetString(v, 10)
	}
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	if n.IsInt64() && n.Int64() == int64(int(n.Int64())) {
		return int(n.Int64()), true
	}
	return n.String(), true
}

// ConstructFloat converts YAML 1.1 float text (underscores, .inf, .nan,
// sexagesimal) to a float64.
func ConstructFloat(s string) (float64, bool) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	if v == "" {
		return 0, false
	}
	sign := 1.0
	if v[0] == '-' {
		sign = -1
	}
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), true
	case v == ".nan":
		return math.NaN(), true
	case strings.Contains(v, ":"):
		// Summed from the last part up, as PyYAML does, so that the
		// rounding is Python's.
		parts := strings.Split(v, ":")
		total, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return 0, false
			}
			total += d * base
			base *= 60
		}
		return sign * total, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return sign * f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// ParseTimestamp converts a YAML timestamp to the string Python's isoformat
// gives for the date or datetime PyYAML builds from it.
func ParseTimestamp(s string) (string, bool) {
	m := reTimestamp.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	out := fmt.Sprintf("%04d-%02d-%02d", atoi(m[1]), atoi(m[2]), atoi(m[3]))
	if m[4] == "" {
		return out, true
	}
	out += fmt.Sprintf("T%02d:%02d:%02d", atoi(m[4]), atoi(m[5]), atoi(m[6]))
	if frac := m[7]; frac != "" {
		frac = (frac + "000000")[:6]
		if atoi(frac) != 0 {
			out += "." + frac
		}
	}
	switch {
	case m[8] == "Z":
		out += "+00:00"
	case m[9] != "":
		out += fmt.Sprintf("%s%02d:%02d", m[9], atoi(m[10]), atoi(m[11]))
	}
	return out, true
}
