package inventory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The host identifier grammar of Ansible's parse_address: IPv4 and IPv6
// addresses and host names, each of which may hold [x:y(:z)] ranges.
const (
	numericRange      = `\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	hexadecimalRange  = `\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`
	alphanumericRange = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	ipv6Component     = `(?:[0-9a-f]{1,4}|` + hexadecimalRange + `)`
	ipv4Component     = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numericRange + `)`
	word              = `[\p{L}\p{N}_\p{Mn}\p{Pc}]`
)

var (
	reBracketedHostPort = regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`)
	reHostPort          = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	reIPv4              = regexp.MustCompile(`(?i)^(?:` + ipv4Component + `\.){3}` + ipv4Component + `$`)
	reIPv6              = regexp.MustCompile(strings.ReplaceAll(`(?i)^(?:`+strings.Join([]string{
		`(?:{0}:){7}{0}`,
		`(?:{0}:){1,6}:`,
		`(?:{0}:)(?::{0}){1,6}`,
		`(?:{0}:){2}(?::{0}){1,5}`,
		`(?:{0}:){3}(?::{0}){1,4}`,
		`(?:{0}:){4}(?::{0}){1,3}`,
		`(?:{0}:){5}(?::{0}){1,2}`,
		`(?:{0}:){6}(?::{0})`,
		`:(?::{0}){1,6}`,
		`{0}?::`,
		`(?:0:){6}(?:{0}\.){3}{0}`,
		`::(?:ffff:)?(?:{0}\.){3}{0}`,
		`(?:0:){5}ffff:(?:{0}\.){3}{0}`,
	}, "|")+`)$`, "{0}", ipv6Component))
	reLabel = regexp.MustCompile(`(?i)^(?:` + word + `|` + alphanumericRange + `)(?:` + word + `|-|` + alphanumericRange + `)*$`)
)

// ParseAddress splits "host", "host:port", "[v6addr]:port" or
// "[host]:port" into host and port (0 when absent), as Ansible's
// parse_address does. Ranges like web[1:3] are allowed only with
// allowRanges. An unparsable address is an error.
func ParseAddress(address string, allowRanges bool) (string, int, error) {
	port := 0
	for _, re := range []*regexp.Regexp{reBracketedHostPort, reHostPort} {
		if m := re.FindStringSubmatch(address); m != nil {
			address = m[1]
			p, err := strconv.Atoi(m[2])
			if err != nil {
				return "", 0, fmt.Errorf("invalid port in %q", address)
			}
			port = p
		}
	}
	if !reIPv4.MatchString(address) && !reIPv6.MatchString(address) && !isHostname(address) {
		return "", 0, fmt.Errorf("not a valid network hostname: %s", address)
	}
	if !allowRanges && strings.Contains(address, "[") {
		return "", 0, fmt.Errorf("detected range in host but was asked to ignore ranges")
	}
	return address, port, nil
}

// isHostname matches dot-separated labels that start with a word character
// or a range and do not end with '-' or '_'.
func isHostname(s string) bool {
	if s == "" {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !reLabel.MatchString(label) || strings.HasSuffix(label, "-") || strings.HasSuffix(label, "_") {
			return false
		}
	}
	return true
}

// ExpandHostPattern turns an inventory host entry into host names and a
// port: "web[01:03].lab:2222" gives web01.lab, web02.lab, web03.lab and 2222.
func ExpandHostPattern(pattern string) ([]string, int, error) {
	if !strings.ContainsAny(pattern, ":[") {
		return []string{pattern}, 0, nil
	}
	host, port, err := ParseAddress(pattern, true)
	if err != nil {
		host, port = pattern, 0
	}
	if !strings.Contains(host, "[") {
		return []string{host}, port, nil
	}
	names, err := ExpandRange(host)
	return names, port, err
}

// maxRangeHosts bounds the names one range expression may produce.
const maxRangeHosts = 1 << 20

// ExpandRange expands the [begin:end] and [begin:end:step] ranges of a host
// name, numeric (leading zeros keep their width) or alphabetic, left to
// right, as Ansible's expand_hostname_range does.
func ExpandRange(line string) ([]string, error) {
	var out []string
	if err := expandInto(line, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func expandInto(line string, out *[]string) error {
	open := strings.Index(line, "[")
	closeIdx := strings.Index(line, "]")
	if open < 0 || closeIdx < 0 || closeIdx < open || strings.Contains(line, "|") {
		return fmt.Errorf("invalid host range in %q: expected [begin:end] or [begin:end:step]", line)
	}
	head, nrange, tail := line[:open], line[open+1:closeIdx], line[closeIdx+1:]
	seq, err := rangeSeq(nrange)
	if err != nil {
		return fmt.Errorf("invalid host range in %q: %v", line, err)
	}
	for _, s := range seq {
		name := head + s + tail
		if strings.Contains(name, "[") {
			if err := expandInto(name, out); err != nil {
				return err
			}
		} else {
			*out = append(*out, name)
		}
		if len(*out) > maxRangeHosts {
			return fmt.Errorf("host range %q expands to more than %d hosts", line, maxRangeHosts)
		}
	}
	return nil
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// rangeSeq expands the inside of one [...] range.
func rangeSeq(nrange string) ([]string, error) {
	bounds := strings.Split(nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("host range must be begin:end or begin:end:step")
	}
	beg, end, stepText := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		stepText = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host range must specify end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		width = len(beg)
		if len(end) != width {
			return nil, fmt.Errorf("host range must specify equal-length begin and end formats")
		}
	}
	step, err := pyInt(stepText)
	if err != nil {
		return nil, err
	}
	if ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end); ib >= 0 && ie >= 0 {
		if ib > ie {
			return nil, fmt.Errorf("host range must have begin <= end")
		}
		return letterSeq(ib, ie, step, width)
	}
	b, err := pyInt(beg)
	if err != nil {
		return nil, err
	}
	e, err := pyInt(end)
	if err != nil {
		return nil, err
	}
	return numberSeq(b, e, step, width)
}

func letterSeq(ib, ie, step, width int) ([]string, error) {
	if step == 0 {
		return nil, fmt.Errorf("range step cannot be zero")
	}
	var out []string
	for i := ib; step > 0 && i <= ie; i += step {
		out = append(out, fill(asciiLetters[i:i+1], width))
	}
	return out, nil
}

func numberSeq(b, e, step, width int) ([]string, error) {
	if step == 0 {
		return nil, fmt.Errorf("range step cannot be zero")
	}
	if step > 0 && (e-b)/step > maxRangeHosts || step < 0 && (b-e)/(-step) > maxRangeHosts {
		return nil, fmt.Errorf("host range expands to more than %d hosts", maxRangeHosts)
	}
	var out []string
	for i := b; step > 0 && i < e+1 || step < 0 && i > e+1; i += step {
		out = append(out, fill(strconv.Itoa(i), width))
	}
	return out, nil
}

// fill pads s with zeros to width, as Python's str.zfill.
func fill(s string, width int) string {
	if len(s) >= width {
		return s
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	return sign + strings.Repeat("0", width-len(s)-len(sign)) + s
}

// pyInt converts text with Python's int(): surrounding whitespace, a sign
// and underscores between digits are allowed.
func pyInt(s string) (int, error) {
	t := trimPySpace(s)
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || strings.HasPrefix(digits, "_") || strings.HasSuffix(digits, "_") || strings.Contains(digits, "__") {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %q", s)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(t, "_", ""))
	if err != nil {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %q", s)
	}
	return n, nil
}

func trimPySpace(s string) string { return strings.TrimSpace(s) }
