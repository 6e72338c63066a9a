package main

import (
	"context"
	"fmt"
	"os"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/inventory"
)

// selectHosts loads the inventories with opts and returns the hosts
// pattern selects, narrowed by limit when it is set. Pattern warnings go to
// stderr, as Ansible prints them.
func selectHosts(ctx context.Context, sources []string, pattern, limit string, opts inventory.Options) ([]*inventory.Host, error) {
	inv, err := inventory.Load(ctx, sources, opts)
	if err != nil {
		return nil, exitcode.New(exitcode.BadInput, err)
	}
	hosts, warnings, err := inv.Select(pattern)
	if err != nil {
		return nil, exitcode.New(exitcode.BadInput, err)
	}
	if limit != "" {
		var more []string
		hosts, more, err = inv.Limit(hosts, limit)
		if err != nil {
			return nil, exitcode.New(exitcode.BadInput, err)
		}
		warnings = append(warnings, more...)
	}
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "[WARNING]: "+w)
	}
	if len(hosts) == 0 {
		fmt.Fprintln(os.Stderr, "[WARNING]: No hosts matched, nothing to do")
	}
	return hosts, nil
}
