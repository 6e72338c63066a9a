package tasks

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// OutputLimit is the most bytes of each of a command's stdout and stderr
// that a module keeps (for its result, register and what is shown): past
// it the output is counted and dropped, and what is kept ends with a line
// saying so, so that one chatty host cannot exhaust the controller.
// DROVER_OUTPUT_LIMIT sets it in MiB (default 16).
var OutputLimit = outputLimit(os.Getenv("DROVER_OUTPUT_LIMIT"))

func outputLimit(env string) int64 {
	if mib, err := strconv.ParseFloat(env, 64); err == nil && mib > 0 {
		return int64(mib * (1 << 20))
	}
	return 16 << 20
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
	return fmt.Appendf(c.kept, "\n[output truncated after %s: the command wrote %s (%d bytes); DROVER_OUTPUT_LIMIT raises the limit]\n",
		mib(c.limit), mib(c.total), c.total)
}

// mib is n bytes in MiB, to a tenth.
func mib(n int64) string {
	return strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0") + " MB"
}
