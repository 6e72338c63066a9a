package tasks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
)

func init() {
	Register(&Spec{
		Name: "slurp",
		Args: []Arg{{Name: "src", Aliases: []string{"path"}, Type: Path, Required: true}},
		Run:  runSlurp,
	})
}

// runSlurp reads a host file whole over the connection's file operations
// and returns it base64-encoded.
func runSlurp(ctx context.Context, c *Call) (*Result, error) {
	src, err := ExpandUser(ctx, c.Conn, c.Args.Str("src"))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := c.Conn.Get(ctx, src, &buf); err != nil {
		if hostErr(err) {
			return nil, err
		}
		return Failf("%s", slurpErr(ctx, c, src, err)), nil
	}
	r := OK().Set("content", base64.StdEncoding.EncodeToString(buf.Bytes()))
	return r.Set("source", src).Set("encoding", "base64"), nil
}

// slurpErr words a failed read as slurp does.
func slurpErr(ctx context.Context, c *Call, src string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "file not found: " + src
	case errors.Is(err, fs.ErrPermission):
		return "file is not readable: " + src
	}
	if fi, serr := c.Conn.Stat(ctx, src); serr == nil && fi.IsDir() {
		return "source is a directory and must be a file: " + src
	}
	return "unable to slurp file: " + describeErr(err)
}
