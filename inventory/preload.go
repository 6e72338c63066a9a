package inventory

import (
	"runtime"
	"sync"
)

// preloadVarsFiles reads, in parallel, every group_vars and host_vars file
// that the groups and hosts will merge: a vaulted file costs a key
// derivation, and hundreds of them read one after another take seconds.
// Results, errors and warnings are kept for readVarsFile, which reports them
// in the order the files are merged. sources are the inventory sources or a
// playbook's directory.
func (inv *Inventory) preloadVarsFiles(sources []string) {
	paths := inv.varsFilePaths(sources)
	if len(paths) < 2 {
		return
	}
	results := make([]varsFile, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range next {
				results[i] = inv.parseVarsFile(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if inv.preloaded == nil {
		inv.preloaded = make(map[string]varsFile, len(paths))
	}
	for i, p := range paths {
		inv.preloaded[p] = results[i]
	}
}

// varsFilePaths lists, once each, the vars files of every group and host
// beside every source. Directories that cannot be listed are left for
// the loading that follows to report.
func (inv *Inventory) varsFilePaths(sources []string) []string {
	var paths []string
	seen := map[string]bool{}
	add := func(sub, name string) {
		for _, src := range sources {
			d, err := inv.varsDirFor(src, sub)
			if err != nil || d == nil || len(d.entries) == 0 {
				continue
			}
			files, _ := d.find(name)
			for _, f := range files {
				if !seen[f] {
					seen[f] = true
					paths = append(paths, f)
				}
			}
		}
	}
	for _, g := range inv.groupOrder {
		add("group_vars", g.name)
	}
	for _, h := range inv.hostOrder {
		add("host_vars", h.Name)
	}
	return paths
}
