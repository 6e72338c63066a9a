package jinja

import (
	"regexp"
	"strconv"
	"strings"
)

// Version comparison for the `version` test: LooseVersion (default),
// StrictVersion and SemanticVersion as Ansible implements them.

var versionOps = map[string]string{"==": "eq", "=": "eq", "eq": "eq", "<": "lt", "lt": "lt", "<=": "le", "le": "le",
	">": "gt", "gt": "gt", ">=": "ge", "ge": "ge", "!=": "ne", "<>": "ne", "ne": "ne"}

func tVersion(s *state, v any, a *argList) (bool, error) {
	b, err := a.bind("version", "version", "operator", "strict", "version_type")
	if err != nil {
		return false, err
	}
	if t, _ := truth(v); !t {
		return false, runtimeErrorf("Input version value cannot be empty")
	}
	if t, _ := truth(b[0]); b[0] == missing || !t {
		return false, runtimeErrorf("Version parameter to compare against cannot be empty")
	}
	op := "eq"
	if b[1] != missing {
		o, ok := versionOps[str(b[1])]
		if !ok {
			return false, runtimeErrorf("Invalid operator type (%s). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'", str(b[1]))
		}
		op = o
	}
	strict, _ := b[2].(bool)
	vtype := "loose"
	if strict {
		vtype = "strict"
	}
	if b[3] != missing && b[3] != nil {
		if strict {
			return false, runtimeErrorf("Cannot specify both 'strict' and 'version_type'")
		}
		vtype = str(b[3])
	}
	var c int
	switch vtype {
	case "loose":
		c, err = compareLoose(str(v), str(b[0]))
	case "strict":
		c, err = compareStrict(str(v), str(b[0]))
	case "semver", "semantic":
		c, err = compareSemver(str(v), str(b[0]))
	case "pep440":
		c, err = compareLoose(str(v), str(b[0]))
	default:
		return false, runtimeErrorf("Invalid version type (%s). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'", vtype)
	}
	if err != nil {
		return false, runtimeErrorf("Version comparison failed: %s", errMessage(err))
	}
	switch op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	case "gt":
		return c > 0, nil
	}
	return c >= 0, nil
}

var looseRe = regexp.MustCompile(`(\d+|[a-z]+|\.)`)

// looseParts is LooseVersion's component list.
func looseParts(v string) []any {
	var out []any
	for _, p := range looseRe.FindAllString(v, -1) {
		if p == "." {
			continue
		}
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func compareLoose(a, b string) (int, error) {
	pa, pb := looseParts(a), looseParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if equal(pa[i], pb[i]) {
			continue
		}
		c, err := compare(pa[i], pb[i])
		if err != nil {
			return 0, err
		}
		return c, nil
	}
	return cmpInt(len(pa), len(pb)), nil
}

var strictRe = regexp.MustCompile(`^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$`)

func parseStrict(v string) ([]int, string, int, error) {
	m := strictRe.FindStringSubmatch(v)
	if m == nil {
		return nil, "", 0, runtimeErrorf("invalid version number for a strict version")
	}
	nums := make([]int, 3)
	nums[0], _ = strconv.Atoi(m[1])
	nums[1], _ = strconv.Atoi(m[2])
	if m[4] != "" {
		nums[2], _ = strconv.Atoi(m[4])
	}
	pre := ""
	preN := 0
	if m[5] != "" {
		pre = m[5][:1]
		preN, _ = strconv.Atoi(m[6])
	}
	return nums, pre, preN, nil
}

func compareStrict(a, b string) (int, error) {
	na, pa, pna, err := parseStrict(a)
	if err != nil {
		return 0, err
	}
	nb, pb, pnb, err := parseStrict(b)
	if err != nil {
		return 0, err
	}
	for i := range na {
		if c := cmpInt(na[i], nb[i]); c != 0 {
			return c, nil
		}
	}
	switch {
	case pa == "" && pb == "":
		return 0, nil
	case pa == "":
		return 1, nil
	case pb == "":
		return -1, nil
	}
	if c := strings.Compare(pa, pb); c != 0 {
		return c, nil
	}
	return cmpInt(pna, pnb), nil
}

var semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func compareSemver(a, b string) (int, error) {
	ma, mb := semverRe.FindStringSubmatch(a), semverRe.FindStringSubmatch(b)
	if ma == nil {
		return 0, runtimeErrorf("invalid semantic version")
	}
	if mb == nil {
		return 0, runtimeErrorf("invalid semantic version")
	}
	for i := 1; i <= 3; i++ {
		x, _ := strconv.Atoi(ma[i])
		y, _ := strconv.Atoi(mb[i])
		if c := cmpInt(x, y); c != 0 {
			return c, nil
		}
	}
	switch {
	case ma[4] == "" && mb[4] == "":
		return 0, nil
	case ma[4] == "":
		return 1, nil
	case mb[4] == "":
		return -1, nil
	}
	pa, pb := strings.Split(ma[4], "."), strings.Split(mb[4], ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, ex := strconv.Atoi(pa[i])
		y, ey := strconv.Atoi(pb[i])
		switch {
		case ex == nil && ey == nil:
			if c := cmpInt(x, y); c != 0 {
				return c, nil
			}
		case ex == nil:
			return -1, nil
		case ey == nil:
			return 1, nil
		default:
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c, nil
			}
		}
	}
	return cmpInt(len(pa), len(pb)), nil
}
