package main

import (
	"context"
	"errors"
	"os"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/inventory"
)

// errNoHosts is Ansible's error (and exit status 1) when the inventory,
// the pattern and --limit leave no host to work on: a run that reaches no
// host never passes silently.
var errNoHosts = exitcode.New(exitcode.NoHosts,
	errors.New("Specified inventory, host pattern and/or --limit leaves us with no hosts to target."))

// selectHosts loads the inventories with opts and returns the hosts
// pattern selects, narrowed by limit when it is set. Parts of the patterns
// that match nothing are handled as host_pattern_mismatch (mismatch) says.
func selectHosts(ctx context.Context, sources []string, pattern, limit, mismatch string, opts inventory.Options) ([]*inventory.Host, error) {
	inv, err := inventory.Load(ctx, sources, opts)
	if err != nil {
		return nil, exitcode.New(exitcode.BadInput, err)
	}
	if pattern == "" {
		pattern = defaultPattern(inv)
	}
	hosts, warnings, err := matchHosts(inv, pattern, limit)
	if merr := patternMismatch(warnings, mismatch); merr != nil {
		return nil, merr
	}
	return hosts, err
}

// patternMismatch handles the warnings for parts of patterns that matched
// nothing as host_pattern_mismatch says: printed ("warning", the default),
// the first one an error ("error": exit status 1, as ansible-playbook), or
// dropped ("ignore").
func patternMismatch(warnings []string, mismatch string) error {
	switch {
	case mismatch == "ignore":
		return nil
	case mismatch == "error" && len(warnings) > 0:
		return exitcode.New(exitcode.NoHosts, errors.New(warnings[0]))
	}
	printWarnings(os.Stderr, warnings)
	return nil
}

// defaultPattern is the pattern of a command given none: all the hosts of
// the inventory, or the implicit localhost when it has none.
func defaultPattern(inv *inventory.Inventory) string {
	if len(inv.Hosts()) == 0 {
		return "localhost"
	}
	return "all"
}

// matchHosts is the hosts pattern selects, narrowed by limit, with the
// warnings for the parts that matched nothing; errNoHosts when none is left.
func matchHosts(inv *inventory.Inventory, pattern, limit string) ([]*inventory.Host, []string, error) {
	hosts, warnings, err := inv.Select(pattern)
	if err != nil {
		return nil, warnings, exitcode.New(exitcode.BadInput, err)
	}
	if limit != "" {
		var more []string
		hosts, more, err = inv.Limit(hosts, limit)
		warnings = append(warnings, more...)
		if err != nil {
			return nil, warnings, exitcode.New(exitcode.BadInput, err)
		}
	}
	if len(hosts) == 0 {
		return nil, warnings, errNoHosts
	}
	return hosts, warnings, nil
}

// hostNames are the names of hosts, in order.
func hostNames(hosts []*inventory.Host) []string {
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
	}
	return names
}

// requireHosts fails with errNoHosts, after the pattern warnings, when
// pattern and limit leave no host of inv (or at the first part that
// matches nothing, under host_pattern_mismatch=error); the engine reports
// the warnings of a run that goes ahead.
func requireHosts(inv *inventory.Inventory, pattern, limit, mismatch string) error {
	_, warnings, err := matchHosts(inv, pattern, limit)
	if errors.Is(err, errNoHosts) || mismatch == "error" {
		if merr := patternMismatch(warnings, mismatch); merr != nil {
			return merr
		}
	}
	return err
}
