package playbooks

import (
	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/transport/expect"
)

// keepOrder gives a module the arguments whose mapping order matters in the
// order the task wrote them: expect's responses, where the first pattern
// written wins when two match at the same place (see expect.Pair). args
// are the plain arguments, templated the templated ones.
func keepOrder(action string, templated any, args map[string]any) {
	if action != "expect" {
		return
	}
	var resp any
	switch x := templated.(type) {
	case *jinja.Dict:
		resp, _ = x.Get("responses")
	case map[string]any:
		resp = x["responses"]
	}
	if u, isU := resp.(jinja.Unsafe); isU {
		resp = u.V
	}
	rd, ok := resp.(*jinja.Dict)
	if !ok {
		return
	}
	pairs := make([]expect.Pair, 0, rd.Len())
	for _, k := range rd.Keys() {
		v, _ := rd.Get(k)
		ks, _ := jinja.ToPlain(k).(string)
		pairs = append(pairs, expect.Pair{Key: ks, Value: jinja.ToPlain(v)})
	}
	args["responses"] = pairs
}
