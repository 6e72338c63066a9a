package inventory

import (
	"strings"
	"testing"
)

// TestPatternTermWithoutName: a lone ! or & (Ansible crashes on them) is
// an error, not "every host".
func TestPatternTermWithoutName(t *testing.T) {
	inv := &Inventory{hosts: map[string]*Host{}}
	for _, p := range []string{"!", "&", "web:!", "web:&", "!,web"} {
		if hosts, _, err := inv.Select(p); err == nil || !strings.Contains(err.Error(), "must be followed by a pattern") {
			t.Errorf("Select(%q) = %v, %v; want an error", p, hosts, err)
		}
	}
}
