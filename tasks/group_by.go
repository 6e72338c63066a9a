package tasks

import (
	"context"
	"strings"
)

func init() {
	Register(&Spec{
		Name: "group_by",
		Args: []Arg{
			{Name: "key", Type: Str},
			{Name: "parents", Type: Raw},
		},
		Controller: true,
		Run:        runGroupBy,
	})
}

// runGroupBy puts the host in the group named by key (spaces become '-'),
// created under parents (all by default) when missing, as Ansible's
// group_by does; changed tells whether the inventory changed.
func runGroupBy(_ context.Context, c *Call) (*Result, error) {
	if !c.Args.Has("key") {
		return Failf("the 'key' param is required when using group_by"), nil
	}
	group := dashSpaces(c.Args.Str("key"))
	parents := []any{"all"}
	switch p := c.Args["parents"].(type) {
	case nil:
	case []any:
		parents = p
	default:
		parents = []any{p}
	}
	names := make([]string, len(parents))
	for i, p := range parents {
		s, _ := ToStr(p)
		names[i] = dashSpaces(s)
	}
	if c.Inventory == nil {
		return Failf("group_by: this run has no inventory to change"), nil
	}
	changed, err := c.Inventory.AddToGroup(c.Host, group, names)
	if err != nil {
		return Failf("%v", err), nil
	}
	return &Result{Changed: changed, Values: map[string]any{"add_group": group, "parent_groups": toAnyList(names)}}, nil
}

func dashSpaces(s string) string { return strings.ReplaceAll(s, " ", "-") }
