package ssh

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/drover/drover/transport"
)

// checksumScript hashes "$1" with the first SHA-1 tool the host has.
const checksumScript = `if command -v sha1sum >/dev/null 2>&1; then sha1sum < "$1"
elif command -v shasum >/dev/null 2>&1; then shasum -a 1 < "$1"
else openssl sha1 -r < "$1"; fi`

// Checksum returns the SHA-1 of the file at p, computed on the host with
// sha1sum (or shasum, or openssl).
func (c *Conn) Checksum(ctx context.Context, p string) (string, error) {
	res, err := c.Run(ctx, transport.Command{Argv: []string{"sh", "-c", checksumScript, "sh", p}})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		if _, serr := c.Stat(ctx, p); serr != nil {
			return "", serr
		}
		msg := strings.TrimSpace(string(res.Stderr))
		if strings.Contains(msg, "Permission denied") {
			return "", &fs.PathError{Op: "checksum", Path: p, Err: fs.ErrPermission}
		}
		return "", fmt.Errorf("checksum %s on %s: %s", p, c.cfg.Host, msg)
	}
	fields := strings.Fields(string(res.Stdout))
	if len(fields) == 0 || len(fields[0]) != 40 {
		return "", fmt.Errorf("checksum %s on %s: unexpected output %q", p, c.cfg.Host, res.Stdout)
	}
	return strings.ToLower(fields[0]), nil
}
