package tasks

import "context"

func init() {
	Register(&Spec{
		Name:       "fail",
		Args:       []Arg{{Name: "msg", Type: Raw, Default: "Failed as requested from task"}},
		Controller: true,
		Run: func(_ context.Context, c *Call) (*Result, error) {
			r := &Result{Failed: true}
			return r.Set("msg", c.Args["msg"]), nil
		},
	})
}
