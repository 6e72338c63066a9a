package tasks

import (
	"context"
	"errors"
	"strings"
)

// ErrUndefined is matched (errors.Is) by the error Call.Eval returns for an
// undefined variable.
var ErrUndefined = errors.New("undefined variable")

func init() {
	Register(&Spec{
		Name: "debug",
		Args: []Arg{
			{Name: "msg", Type: Raw},
			{Name: "var", Type: Str},
			{Name: "verbosity", Type: Int, Default: 0},
		},
		MutuallyExclusive: [][]string{{"msg", "var"}},
		Controller:        true,
		Run:               runDebug,
	})
}

// runDebug shows a message or a variable's value, when -v is at least
// verbosity.
func runDebug(_ context.Context, c *Call) (*Result, error) {
	if c.Verbosity < c.Args.Int("verbosity") {
		return &Result{Skipped: true, Values: map[string]any{"skipped_reason": "Verbosity threshold not met."}}, nil
	}
	if !c.Args.Has("var") {
		msg := c.Args["msg"]
		if msg == nil {
			msg = "Hello world!"
		}
		return OK().Set("msg", msg), nil
	}
	name := c.Args.Str("var")
	expr := name
	if !strings.Contains(expr, "{{") {
		expr = "{{ " + name + " }}" // Ansible's convert_bare: rendered as a template, not evaluated
	}
	v, err := c.Template(expr)
	switch {
	case errors.Is(err, ErrUndefined):
		v = "VARIABLE IS NOT DEFINED!"
	case err != nil:
		return Failf("%v", err), nil
	}
	return OK().Set(name, v), nil
}
