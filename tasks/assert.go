package tasks

import (
	"context"
	"fmt"
	"strings"
)

func init() {
	Register(&Spec{
		Name: "assert",
		Args: []Arg{
			{Name: "that", Type: Raw, Required: true},
			{Name: "fail_msg", Aliases: []string{"msg"}, Type: Raw},
			{Name: "success_msg", Type: Raw},
			{Name: "quiet", Type: Bool, Default: false},
		},
		Controller: true,
		Run:        runAssert,
	})
}

// runAssert evaluates each condition of `that` in turn and fails on the
// first false one.
func runAssert(_ context.Context, c *Call) (*Result, error) {
	that, isList := c.Args["that"].([]any)
	if !isList {
		that = []any{c.Args["that"]} // one condition, never split at commas
	}
	for _, cond := range that {
		ok, err := truthOf(c, cond)
		if err != nil {
			if msg := err.Error(); strings.HasPrefix(msg, "The conditional check ") {
				return Failf("%s", msg), nil
			}
			return Failf("The conditional check '%v' failed. The error was: %v", cond, err), nil
		}
		if !ok {
			r := &Result{Failed: true, Values: map[string]any{"assertion": cond, "evaluated_to": false}}
			r.Values["msg"] = "Assertion failed"
			if m := c.Args["fail_msg"]; m != nil {
				r.Values["msg"] = m
			}
			return r, nil
		}
	}
	r := OK()
	if m := c.Args["success_msg"]; m != nil {
		r.Set("msg", m)
	} else {
		r.Set("msg", "All assertions passed")
	}
	return r, nil
}

// truthOf evaluates a condition that is a string expression or a literal.
func truthOf(c *Call, cond any) (bool, error) {
	switch x := cond.(type) {
	case bool:
		return x, nil
	case string:
		return c.Truth(x)
	case nil:
		return false, nil
	}
	return c.Truth(fmt.Sprint(cond))
}
