package tasks

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

// OutputLimit is the most bytes of each of a command's stdout and stderr
// that a module keeps (for its result, register and what is shown) where
// Call.OutputLimit does not say: past it the output is counted and
// dropped, and what is kept ends with a line saying so, so that one
// chatty host cannot exhaust the controller. DROVER_OUTPUT_LIMIT sets it in
// MiB (default 16).
var OutputLimit = outputLimit(os.Getenv("DROVER_OUTPUT_LIMIT"))

func outputLimit(env string) int64 {
	if mib, err := strconv.ParseFloat(env, 64); err == nil && mib > 0 {
		return int64(mib * (1 << 20))
	}
	return 16 << 20
}

// RunCapped runs cmd on conn, keeping limit bytes (OutputLimit when 0) of
// each of the stdout and stderr that cmd does not send elsewhere.
func RunCapped(ctx context.Context, conn transport.Conn, cmd transport.Command, limit int64) (transport.Result, error) {
	if limit <= 0 {
		limit = OutputLimit
	}
	var stdout, stderr *cappedOutput
	if cmd.Stdout == nil {
		stdout = &cappedOutput{limit: limit}
		cmd.Stdout = stdout
	}
	if cmd.Stderr == nil {
		stderr = &cappedOutput{limit: limit}
		cmd.Stderr = stderr
	}
	res, err := conn.Run(ctx, cmd)
	if stdout != nil {
		res.Stdout = stdout.bytes()
	}
	if stderr != nil {
		res.Stderr = stderr.bytes()
	}
	return res, err
}

// cappedOutput keeps the first limit bytes written to it and counts the
// rest.
type cappedOutput struct {
	limit int64
	kept  []byte
	total int64
}

func (c *cappedOutput) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.limit - int64(len(c.kept)); room > 0 {
		c.kept = append(c.kept, p[:min(int64(len(p)), room)]...)
	}
	return len(p), nil
}

// bytes is what was kept, with a last line saying how much was dropped.
func (c *cappedOutput) bytes() []byte {
	if c.total <= c.limit {
		return c.kept
	}
	return fmt.Appendf(c.kept, "\n[output truncated after %s of %d bytes (%s): --output-limit raises the limit]\n",
		mib(c.limit), c.total, mib(c.total))
}

// mib is n bytes in MiB, to a tenth.
func mib(n int64) string {
	return strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0") + " MiB"
}
