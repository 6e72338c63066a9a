package playbooks

import "github.com/drover/drover/internal/jinja"

// loadCachedFacts gives a host the facts Options.FactCache kept for it.
func (r *run) loadCachedFacts(h *hostState) {
	if r.opts.FactCache == nil {
		return
	}
	facts, ok, err := r.opts.FactCache.Get(h.name)
	if err != nil {
		r.out.Warn("error reading the fact cache of " + h.name + ": " + err.Error())
		return
	}
	if ok {
		h.setFacts(facts)
	}
}

// cacheFacts stores a host's facts in Options.FactCache.
func (r *run) cacheFacts(h *hostState) {
	if r.opts.FactCache == nil {
		return
	}
	facts, _ := jinja.ToPlain(h.factsCopy()).(map[string]any)
	if err := r.opts.FactCache.Set(h.name, facts); err != nil {
		r.out.Warn("error writing the fact cache of " + h.name + ": " + err.Error())
	}
}
