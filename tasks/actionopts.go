package tasks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Options of the actions Ansible runs on the controller (set_stats,
// wait_for_connection, reboot): checked when the task runs, as Ansible's
// action plugins check them, not when the playbook loads.

// invalidOptions is the failure of an action given options it does not
// take, in the words of Ansible's action plugins; nil when all are valid.
func invalidOptions(c *Call, valid ...string) *Result {
	var bad []string
	for k := range c.Args {
		if !slices.Contains(valid, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return Failf("Invalid options for %s: %s", c.ModuleAs, strings.Join(bad, ","))
}

// intOptions reads integer options, each with its default.
func intOptions(a Args, defaults map[string]int) (map[string]int, error) {
	out := make(map[string]int, len(defaults))
	for name, def := range defaults {
		out[name] = def
		if v, ok := a[name]; ok && v != nil {
			n, err := ToInt(v)
			if err != nil {
				return nil, fmt.Errorf("invalid literal for int() with base 10: %s", PyRepr(v))
			}
			out[name] = n
		}
	}
	return out, nil
}
