package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/playbooks"
	"github.com/drover/drover/tasks/pymodule"
)

// moduleConfig is where modules without a native implementation are
// found, from Ansible's environment variables (ANSIBLE_LIBRARY,
// ANSIBLE_MODULE_UTILS, ANSIBLE_COLLECTIONS_PATH, ANSIBLE_PYTHON_INTERPRETER,
// ANSIBLE_REMOTE_TMP); unset ones keep Ansible's defaults.
func moduleConfig() pymodule.Config {
	paths := func(names ...string) []string {
		for _, n := range names {
			if v, ok := os.LookupEnv(n); ok {
				return filepath.SplitList(v)
			}
		}
		return nil
	}
	return pymodule.Config{Library: paths("ANSIBLE_LIBRARY"), ModuleUtils: paths("ANSIBLE_MODULE_UTILS"),
		CollectionsPaths:  paths("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS"),
		PythonInterpreter: os.Getenv("ANSIBLE_PYTHON_INTERPRETER"), RemoteTmp: os.Getenv("ANSIBLE_REMOTE_TMP")}
}

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
