package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/playbooks"
)

// listModules prints --list-modules: every module the playbooks can name,
// which drover runs natively and which through the fallback, from where.
func listModules(w io.Writer, loader *playbooks.Loader) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODULE\tRUNS\tFROM")
	for _, e := range loader.Modules().List() {
		runs := "native"
		if e.Runs != "native" {
			runs = "fallback (" + e.Runs + ")"
		}
		from := e.Path
		if e.Name != e.FQCN && !strings.HasPrefix(e.FQCN, "ansible.builtin.") {
			from = e.FQCN + " " + e.Path
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, runs, from)
	}
	return tw.Flush()
}
