package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "getent",
		Args: []Arg{
			{Name: "database", Type: Str, Required: true},
			{Name: "key", Type: Str},
			{Name: "service", Type: Str},
			{Name: "split", Type: Str},
			{Name: "fail_key", Type: Bool, Default: true},
		},
		Facts:   HostFacts,
		NoFiles: true,
		Run:     runGetent,
	})
}

// colonDatabases are split at colons when no split is given.
var colonDatabases = map[string]bool{"passwd": true, "shadow": true, "group": true, "gshadow": true}

// getentFailures are the messages of getent's exit statuses.
var getentFailures = map[int]string{
	1: "Missing arguments, or database unknown.",
	2: "One or more supplied key could not be found in the database.",
	3: "Enumeration not supported on this database.",
}

// runGetent runs getent on the host (also in check mode: it changes
// nothing) and returns its entries as the fact getent_DATABASE: each entry's
// first field maps to the other fields, a list of those lists when the
// first field repeats.
func runGetent(ctx context.Context, c *Call) (*Result, error) {
	a := c.Args
	db := a.Str("database")
	argv := []string{"getent", db}
	if a.Has("key") {
		argv = append(argv, a.Str("key"))
	}
	if a.Has("service") {
		argv = append(argv, "-s", a.Str("service"))
	}
	res, err := c.Run(ctx, transport.Command{Argv: argv})
	if err != nil {
		return nil, err
	}
	tree := "getent_" + db
	switch res.ExitCode {
	case 0:
		entries, fail := getentEntries(string(res.Stdout), splitOf(a, db))
		if fail != nil {
			return fail, nil
		}
		return &Result{Facts: map[string]any{tree: entries}}, nil
	case 2:
		if !a.Bool("fail_key") {
			return &Result{Msg: getentFailures[2], Facts: map[string]any{tree: map[string]any{a.Str("key"): nil}}}, nil
		}
	case 127:
		return Failf("Failed to find required executable \"getent\" on the host: %s", strings.TrimSpace(string(res.Stderr))), nil
	}
	msg, ok := getentFailures[res.ExitCode]
	if !ok {
		msg = "Unexpected failure!"
	}
	return Failf("%s", msg), nil
}

// splitOf is the separator of the entries' fields: the split argument, a
// colon for the colon databases, else nil (runs of white space).
func splitOf(a Args, db string) *string {
	if a.Has("split") {
		s := a.Str("split")
		return &s
	}
	if colonDatabases[db] {
		s := ":"
		return &s
	}
	return nil
}

// getentEntries parses getent's output as the module does (Python's
// splitlines and str.split).
func getentEntries(out string, split *string) (map[string]any, *Result) {
	entries := map[string]any{}
	seen := map[string]int{}
	for _, line := range pyfmt.SplitLines(out, false) {
		var fields []string
		switch {
		case split == nil:
			fields = pyfmt.SplitWhitespace(line)
		case *split == "":
			return nil, Failf("empty separator")
		default:
			fields = strings.Split(line, *split)
		}
		if len(fields) == 0 {
			continue
		}
		name, rest := fields[0], stringsToAny(fields[1:])
		switch seen[name] {
		case 0:
			entries[name] = rest
		case 1:
			entries[name] = []any{entries[name], rest}
		default:
			entries[name] = append(entries[name].([]any), rest)
		}
		seen[name]++
	}
	return entries, nil
}
