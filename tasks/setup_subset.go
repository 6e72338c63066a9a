package tasks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// minimalSubset is what setup always gathers unless !min excludes it, as
// in Ansible's setup module.
var minimalSubset = strings.Fields(`apparmor caps cmdline date_time distribution dns env fips local lsb
pkg_mgr platform python selinux service_mgr ssh_pub_keys user`)

// validSubsets are the names gather_subset accepts: the collectors' names
// and the fact names they answer for.
func validSubsets() []string {
	var out []string
	for _, c := range factCollectors {
		out = append(out, c.name)
		out = append(out, c.ids...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// selectedCollectors are the collectors a gather_subset asks for, with the
// ones they require, in the order their facts are gathered; an unknown
// subset (not an unknown exclusion) is an error with Ansible's message.
func selectedCollectors(subsets []string) ([]*factCollector, error) {
	names, err := collectorNames(subsets)
	if err != nil {
		return nil, err
	}
	for changed := true; changed; {
		changed = false
		for _, c := range factCollectors {
			if !names[c.name] {
				continue
			}
			for _, r := range c.requires {
				if !names[r] {
					names[r], changed = true, true
				}
			}
		}
	}
	var out []*factCollector
	for _, c := range factCollectors {
		if names[c.name] {
			out = append(out, c)
		}
	}
	return out, nil
}

// collectorNames follows Ansible's get_collector_names: min is always
// added first, all adds everything, !all removes everything but min, !min
// removes min, !X removes X and the facts it answers for; a subset named
// explicitly stays even when excluded. Fact names map to their collector.
func collectorNames(subsets []string) (map[string]bool, error) {
	if len(subsets) == 0 {
		subsets = []string{"all"}
	}
	valid := validSubsets()
	add, exclude, explicit := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range append([]string{"min"}, subsets...) {
		switch s {
		case "min":
			setAll(add, minimalSubset)
			continue
		case "all":
			setAll(add, valid)
			continue
		case "!min":
			setAll(exclude, minimalSubset)
			continue
		case "!all":
			for _, v := range valid {
				exclude[v] = exclude[v] || !slices.Contains(minimalSubset, v)
			}
			continue
		}
		if name, ok := strings.CutPrefix(s, "!"); ok {
			exclude[name] = true
			setAll(exclude, collectorByName(name).idsOrNil())
			continue
		}
		if _, found := slices.BinarySearch(valid, s); !found {
			return nil, fmt.Errorf("Bad subset '%s' given to Ansible. gather_subset options allowed: all, %s", s, strings.Join(valid, ", "))
		}
		explicit[s], add[s] = true, true
	}
	if len(add) == 0 {
		setAll(add, valid)
	}
	names := map[string]bool{}
	for s := range add {
		if exclude[s] && !explicit[s] {
			continue
		}
		for _, c := range collectorsFor(s) {
			names[c.name] = true
		}
	}
	return names, nil
}

func setAll(m map[string]bool, keys []string) {
	for _, k := range keys {
		m[k] = true
	}
}

// collectorsFor are the collectors a subset name stands for: the one of
// that name, or those answering for that fact.
func collectorsFor(s string) []*factCollector {
	var out []*factCollector
	for _, c := range factCollectors {
		if c.name == s || slices.Contains(c.ids, s) {
			out = append(out, c)
		}
	}
	return out
}

// collectorByName is the collector of that name, or nil.
func collectorByName(name string) *factCollector {
	for _, c := range factCollectors {
		if c.name == name {
			return c
		}
	}
	return nil
}

// idsOrNil is the facts a collector answers for (nil for no collector).
func (c *factCollector) idsOrNil() []string {
	if c == nil {
		return nil
	}
	return c.ids
}
