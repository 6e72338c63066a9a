package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/tasks"
)

// outputLimitFlag is --output-limit of play and run: how many MiB of each
// command's stdout and stderr are kept per host.
type outputLimitFlag float64

func (o *outputLimitFlag) register(f *pflag.FlagSet) {
	*o = outputLimitFlag(float64(tasks.OutputLimit) / (1 << 20))
	f.Float64Var((*float64)(o), "output-limit", float64(*o),
		"MiB of each command's stdout and stderr kept per host; the rest is counted and dropped (DROVER_OUTPUT_LIMIT sets the default)")
}

// bytes is the limit in bytes; a limit that is not positive is bad usage.
func (o outputLimitFlag) bytes() (int64, error) {
	if !(o > 0) || float64(o)*(1<<20) >= 1<<62 {
		return 0, exitcode.New(exitcode.Usage, fmt.Errorf("--output-limit must be a positive number of MiB, not %g", float64(o)))
	}
	return int64(float64(o) * (1 << 20)), nil
}
