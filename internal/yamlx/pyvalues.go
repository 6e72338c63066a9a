package yamlx

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
)

// How values of this package print with internal/pyfmt: a timestamp as
// Python's date or datetime, unsafe text as text (in JSON as Ansible's
// {"__ansible_unsafe": TEXT}).

// PyStr is Python's str of the date or datetime t stands for.
func (t Timestamp) PyStr() string { return strings.Replace(string(t), "T", " ", 1) }

// PyJSON is t in JSON: its ISO 8601 text.
func (t Timestamp) PyJSON() any { return string(t) }

// PyYAML writes t plain, as PyYAML writes a date or datetime.
func (t Timestamp) PyYAML() *pyfmt.YAMLNode { return pyfmt.YAMLScalar(t.PyStr(), true) }

// PyRepr is the repr of the text.
func (u Unsafe) PyRepr() string { return pyfmt.Quote(string(u)) }

// PyStr is the text.
func (u Unsafe) PyStr() string { return string(u) }

// PyJSON is {"__ansible_unsafe": TEXT}, as Ansible's JSON encoder writes
// unsafe text.
func (u Unsafe) PyJSON() any { return map[string]any{"__ansible_unsafe": string(u)} }

// PyYAML is the text as a string.
func (u Unsafe) PyYAML() *pyfmt.YAMLNode { return pyfmt.YAMLStr(string(u)) }

// PyRepr is Python's repr of the date or datetime t stands for.
func (t Timestamp) PyRepr() string {
	date, clock, hasTime := strings.Cut(string(t), "T")
	var y, m, d int
	fmt.Sscanf(date, "%d-%d-%d", &y, &m, &d)
	if !hasTime {
		return fmt.Sprintf("datetime.date(%d, %d, %d)", y, m, d)
	}
	var hh, mm, ss int
	fmt.Sscanf(clock, "%d:%d:%d", &hh, &mm, &ss)
	return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d, %d)", y, m, d, hh, mm, ss)
}
