package tasks

import (
	"context"
	"fmt"
	"maps"
	"strings"
)

// addHostKeys are the add_host arguments that are not host variables.
var addHostKeys = map[string]bool{"name": true, "hostname": true, "groupname": true, "groups": true}

func init() {
	Register(&Spec{
		Name:           "add_host",
		AnyArgs:        true,
		FreeForm:       FreeFormOptional,
		Controller:     true,
		BypassHostLoop: true,
		Run:            runAddHost,
	})
}

// runAddHost adds a host (name, hostname or host; "host:port" sets
// ansible_ssh_port) to the run's inventory with its groups (groups,
// groupname or group: a list or a comma-separated string) and every other
// argument as a host variable, as Ansible's add_host does; changed tells
// whether the inventory changed.
func runAddHost(_ context.Context, c *Call) (*Result, error) {
	args, err := addHostArgs(c.Args)
	if err != nil {
		return Failf("%v", err), nil
	}
	given := firstArg(args, "name", "hostname", "host")
	if given == nil {
		return Failf("name, host or hostname needs to be provided"), nil
	}
	name, _ := ToStr(given)
	if c.Inventory == nil {
		return Failf("add_host: this run has no inventory to change"), nil
	}
	if host, port, ok := c.Inventory.SplitAddress(name); ok {
		name = host
		if port > 0 {
			args["ansible_ssh_port"] = port
		}
	}
	groups, err := addHostGroups(firstArg(args, "groupname", "groups", "group"))
	if err != nil {
		return Failf("%v", err), nil
	}
	vars := map[string]any{}
	for k, v := range args {
		if !addHostKeys[k] {
			vars[k] = v
		}
	}
	changed, err := c.Inventory.AddHost(name, groups, vars)
	if err != nil {
		return Failf("%v", err), nil
	}
	info := map[string]any{"host_name": name, "groups": toAnyList(groups), "host_vars": vars}
	return &Result{Changed: changed, Values: map[string]any{"add_host": info}}, nil
}

// addHostArgs merges a mapping given as the free form (add_host: "{{ d }}")
// under the other arguments.
func addHostArgs(given Args) (map[string]any, error) {
	args := maps.Clone(map[string]any(given))
	raw, ok := args[RawParams]
	if !ok {
		return args, nil
	}
	delete(args, RawParams)
	m, isMap := raw.(map[string]any)
	if !isMap {
		return nil, fmt.Errorf("Invalid raw parameters passed, requires a dictonary/mapping got a  %s", pyType(raw))
	}
	out := maps.Clone(m)
	maps.Copy(out, args)
	return out, nil
}

func firstArg(args map[string]any, names ...string) any {
	for _, n := range names {
		if v, ok := args[n]; ok {
			return v
		}
	}
	return nil
}

// addHostGroups reads groups: a list, or names separated by commas.
func addHostGroups(v any) ([]string, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if x == "" {
			return nil, nil
		}
		for _, s := range strings.Split(x, ",") {
			list = append(list, s)
		}
	case []any:
		list = x
	default:
		return nil, fmt.Errorf("Groups must be specified as a list.")
	}
	var out []string
	for _, g := range list {
		s, _ := ToStr(g)
		if s = strings.TrimSpace(s); !containsStr(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
