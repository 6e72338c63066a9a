package tasks

import (
	"context"
	"regexp"
	"strings"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CacheableKey is the result key by which set_fact asks for its facts to
// be stored as host facts too (cacheable: true); the engine removes it.
const CacheableKey = "_ansible_facts_cacheable"

func init() {
	Register(&Spec{
		Name:       "set_fact",
		AnyArgs:    true,
		FreeForm:   FreeFormOptional,
		Controller: true,
		Facts:      SetFacts,
		Run:        runSetFact,
	})
}

// runSetFact returns its arguments (but cacheable) as facts; the engine
// stores them as host variables.
func runSetFact(_ context.Context, c *Call) (*Result, error) {
	facts := map[string]any{}
	for k, v := range c.Args {
		if k == "cacheable" {
			continue
		}
		if k == RawParams {
			return Failf("set_fact takes key=value pairs, not %q", v), nil
		}
		if !identifier.MatchString(k) {
			return badVarName(k), nil
		}
		if !c.Jinja2Native {
			v = boolWord(v)
		}
		facts[k] = v
	}
	if len(facts) == 0 {
		return Failf("No key/value pairs provided, at least one is required for this action to succeed"), nil
	}
	r := &Result{Facts: facts}
	if c.Args.Has("cacheable") {
		cacheable, _ := ToBool(c.Args["cacheable"])
		r.Set(CacheableKey, cacheable)
	}
	return r, nil
}

// boolWord converts the strings yes, no, true and false (any case) to
// booleans, as set_fact does when jinja2_native is off (Ansible's default).
func boolWord(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch strings.ToLower(s) {
	case "yes", "true":
		return true
	case "no", "false":
		return false
	}
	return v
}
