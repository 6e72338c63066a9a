package tasks

import (
	"context"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "tempfile",
		Args: []Arg{
			{Name: "state", Type: Str, Default: "file", Choices: []string{"file", "directory"}},
			{Name: "path", Type: Path},
			{Name: "prefix", Type: Str, Default: "ansible."},
			{Name: "suffix", Type: Str, Default: ""},
		},
		Run: runTempfile,
	})
}

// runTempfile creates a uniquely named file (mode 0600) or directory
// (0700) with mktemp on the host, in path or the host's temporary
// directory. Unlike every other module, leaving a temporary file behind is
// its purpose.
func runTempfile(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true, Msg: "remote module (tempfile) does not support check mode"}, nil
	}
	argv := []string{"mktemp"}
	if c.Args.Str("state") == "directory" {
		argv = append(argv, "-d")
	}
	dir, err := ExpandUser(ctx, c.Conn, c.Args.Str("path"))
	if err != nil {
		return nil, err
	}
	if dir != "" {
		argv = append(argv, "--tmpdir="+dir)
	} else {
		argv = append(argv, "--tmpdir")
	}
	if s := c.Args.Str("suffix"); s != "" {
		argv = append(argv, "--suffix="+s)
	}
	argv = append(argv, "--", c.Args.Str("prefix")+"XXXXXXXX")
	res, err := c.Run(ctx, transport.Command{Argv: argv})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
	}
	p := strings.TrimRight(string(res.Stdout), "\n")
	r := Changed().Set("path", p)
	return r, pathInfo(ctx, c, r, p, nil)
}
