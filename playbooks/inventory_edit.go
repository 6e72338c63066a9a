package playbooks

import (
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks"
)

// inventoryEditor carries out add_host and group_by on the run's
// inventory, then refreshes what the run knows of every host it has met
// (group_names, inventory and group variables).
type inventoryEditor struct{ r *run }

var _ tasks.InventoryEditor = inventoryEditor{}

// AddHost adds or updates a host (add_host).
func (e inventoryEditor) AddHost(name string, groups []string, vars map[string]any) (bool, error) {
	changed, err := e.r.opts.Inventory.AddHost(name, groups, vars)
	if changed {
		e.r.inventoryChanged()
	}
	return changed, err
}

// AddToGroup puts a host in a group (group_by).
func (e inventoryEditor) AddToGroup(host, group string, parents []string) (bool, error) {
	changed, err := e.r.opts.Inventory.AddToGroup(host, group, parents)
	if changed {
		e.r.inventoryChanged()
	}
	return changed, err
}

// SplitAddress splits host:port with the inventory's address grammar.
func (inventoryEditor) SplitAddress(address string) (string, int, bool) {
	host, port, err := inventory.ParseAddress(address, false)
	return host, port, err == nil
}

// inventoryChanged reloads every known host's inventory view.
func (r *run) inventoryChanged() {
	r.mu.Lock()
	hosts := make([]*hostState, 0, len(r.hosts))
	for _, h := range r.hosts {
		hosts = append(hosts, h)
	}
	r.mu.Unlock()
	for _, h := range hosts {
		vars, groups, ok := r.opts.Inventory.HostView(h.name)
		if !ok {
			continue
		}
		h.mu.Lock()
		h.inv, h.groups, h.invDirs = vars, groups, nil
		h.mu.Unlock()
	}
}
