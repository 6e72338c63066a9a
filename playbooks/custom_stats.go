package playbooks

import (
	"maps"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/tasks"
)

// Custom statistics (set_stats): values a playbook records for the run or
// per host, shown after the recap when show_custom_stats is on.

// runStats is the key of the statistics of the whole run, as Ansible's
// "_run".
const runStats = ""

// Custom returns the custom statistics: per host, and those of the whole
// run (set_stats with per_host: false).
func (s *Stats) Custom() (hosts map[string]map[string]any, run map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hosts = map[string]map[string]any{}
	for h, m := range s.custom {
		if h == runStats {
			run = maps.Clone(m)
			continue
		}
		hosts[h] = maps.Clone(m)
	}
	return hosts, run
}

// setCustom records one statistic of host (runStats for the run): replaced,
// or with aggregate added to the value already there as Ansible's
// update_custom_stats adds (numbers summed, text and lists joined,
// mappings merged; a value of another type is dropped).
func (s *Stats) setCustom(host, key string, v any, aggregate bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.custom == nil {
		s.custom = map[string]map[string]any{}
	}
	m := s.custom[host]
	if m == nil {
		m = map[string]any{}
		s.custom[host] = m
	}
	old, ok := m[key]
	if !aggregate || !ok {
		m[key] = v
		return
	}
	if sum, ok := addStat(old, v); ok {
		m[key] = sum
	}
}

// addStat is Python's old += v for the types set_stats data has, with
// isinstance(v, type(old)) required first; ok is false when it is not.
func addStat(old, v any) (any, bool) {
	switch o := old.(type) {
	case map[string]any:
		n, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		return mergeStat(o, n), true
	case []any:
		n, ok := v.([]any)
		return append(append([]any{}, o...), n...), ok
	case string:
		n, ok := v.(string)
		return o + n, ok
	case float64:
		n, ok := v.(float64)
		return o + n, ok
	case int:
		switch n := v.(type) {
		case int:
			return o + n, true
		case bool:
			return o + boolInt(n), true
		}
	case bool:
		n, ok := v.(bool)
		return boolInt(o) + boolInt(n), ok
	}
	return nil, false
}

// boolInt is a boolean as the integer Python adds it as.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mergeStat is Ansible's merge_hash(a, b): b wins, mappings in both are
// merged recursively.
func mergeStat(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	for k, bv := range b {
		am, aok := out[k].(map[string]any)
		bm, bok := bv.(map[string]any)
		if aok && bok {
			out[k] = mergeStat(am, bm)
			continue
		}
		out[k] = bv
	}
	return out
}

// recordStats adds the statistics a successful set_stats result (or each
// of its loop items) carries: to each of targets' hosts with per_host,
// else to the run.
func (r *run) recordStats(o *outcome, targets []*hostRun) {
	if o.status != statusOK && o.status != statusChanged {
		return
	}
	items := []any{o.result}
	if list, ok := o.result["results"].([]any); ok {
		items = list
	}
	for _, it := range items {
		res, _ := it.(map[string]any)
		st, _ := res[tasks.StatsKey].(map[string]any)
		data, _ := st["data"].(map[string]any)
		if len(data) == 0 {
			continue
		}
		hosts := []string{runStats}
		if perHost, set := st["per_host"].(bool); perHost || !set {
			hosts = hosts[:0]
			for _, x := range targets {
				hosts = append(hosts, x.h.name)
			}
		}
		aggregate, _ := st["aggregate"].(bool)
		for _, h := range hosts {
			for _, k := range pyfmt.SortedKeys(data) {
				r.stats.setCustom(h, k, data[k], aggregate)
			}
		}
	}
}

// customStatsText is the custom statistics as Ansible's default callback
// shows them after the recap: each host's, then the run's, as one-line
// JSON; nil when there are none.
func customStatsText(s *Stats) []string {
	hosts, run := s.Custom()
	if len(hosts) == 0 && run == nil {
		return nil
	}
	var out []string
	for _, h := range pyfmt.SortedKeys(hosts) {
		out = append(out, "\t"+h+": "+oneLineJSON(hosts[h]))
	}
	if run != nil {
		out = append(out, "", "\tRUN: "+oneLineJSON(run))
	}
	return out
}

// oneLineJSON is Python's json.dumps(v, indent=1, sort_keys=True) with the
// newlines taken out, as the callback prints custom stats.
func oneLineJSON(v any) string {
	return strings.ReplaceAll(pyfmt.JSON(v, 1), "\n", "")
}
