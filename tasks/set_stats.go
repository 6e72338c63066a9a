package tasks

import "context"

// StatsKey is the result key under which set_stats returns its statistics
// ({data, per_host, aggregate}); the engine adds them to the run's custom
// stats, as Ansible's strategy does with ansible_stats.
const StatsKey = "ansible_stats"

func init() {
	Register(&Spec{
		Name:       "set_stats",
		AnyArgs:    true,
		Controller: true,
		Run:        runSetStats,
	})
}

// runSetStats checks the data to record and returns it with its per_host
// and aggregate settings (loose booleans: any other value is false).
func runSetStats(_ context.Context, c *Call) (*Result, error) {
	if bad := invalidOptions(c, "data", "per_host", "aggregate"); bad != nil {
		return bad, nil
	}
	raw := c.Args["data"]
	if raw == nil {
		raw = map[string]any{}
	}
	given, ok := raw.(map[string]any)
	if !ok {
		return Failf("The 'data' option needs to be a dictionary/hash"), nil
	}
	data := make(map[string]any, len(given))
	for _, k := range keys(given) {
		if !identifier.MatchString(k) {
			return badVarName(k), nil
		}
		data[k] = given[k]
	}
	stats := map[string]any{"data": data, "per_host": false, "aggregate": true}
	for _, opt := range []string{"per_host", "aggregate"} {
		if c.Args.Has(opt) {
			stats[opt], _ = ToBool(c.Args[opt])
		}
	}
	return OK().Set(StatsKey, stats), nil
}

// badVarName is the failure for a variable name Python would not take as
// an identifier.
func badVarName(name string) *Result {
	return Failf("The variable name '%s' is not valid. Variables must start with a letter or underscore character, "+
		"and contain only letters, numbers and underscores.", name)
}
