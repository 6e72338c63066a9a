package playbooks

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"

	"github.com/drover/drover/internal/jinja"
)

// The lookup plugins that read the controller's state: env, pipe, lines,
// vars and inventory_hostnames.

// lookupEnv is the env plugin: the value of each environment variable
// (the first word of the term), or the default option.
func lookupEnv(_ *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	def, hasDef := opts["default"]
	if !hasDef {
		def = ""
	}
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		s, ok := termString(term)
		if !ok {
			return nil, unhandledErrorf("'%s' object has no attribute 'split'", pyTypeName(term))
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			return nil, &lookupError{msg: "list index out of range", class: "IndexError"}
		}
		if v, ok := os.LookupEnv(f[0]); ok {
			out = append(out, v)
			continue
		}
		out = append(out, def)
	}
	return out, nil
}

// runShell runs a command with /bin/sh in the playbook's directory, as the
// pipe and lines plugins do, and returns its standard output.
func (lc *lookupCtx) runShell(command string) ([]byte, error) {
	cmd := exec.CommandContext(lc.ps.run.ctx, "/bin/sh", "-c", command)
	cmd.Dir = lc.basedir()
	cmd.Stdin = bytes.NewReader(nil)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil, unhandledErrorf("lookup_plugin.%s(%s) returned %d", lc.name, command, ee.ExitCode())
	}
	return out, err
}

// lookupPipe is the pipe plugin: each command's output, trailing space
// stripped.
func lookupPipe(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		b, err := lc.runShell(pyStr(term))
		if err != nil {
			return nil, err
		}
		out = append(out, pyRstrip(string(b)))
	}
	return out, nil
}

// lookupLines is the lines plugin: the lines each command writes.
func lookupLines(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	var out []any
	for _, term := range terms {
		b, err := lc.runShell(pyStr(term))
		if err != nil {
			return nil, err
		}
		for _, l := range pySplitlines(string(b)) {
			out = append(out, l)
		}
	}
	return out, nil
}

// pySplitlines is str.splitlines(): lines split at any line boundary
// Python knows, without their ends.
func pySplitlines(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, b.String())
			b.Reset()
			if r == '\r' && i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			start = i + 1
		default:
			b.WriteRune(r)
		}
	}
	if start < len(rs) {
		out = append(out, b.String())
	}
	return out
}

// lookupVars is the vars plugin: the templated value of each variable, or
// the default option.
func lookupVars(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	def, hasDef := opts["default"]
	hasDef = hasDef && def != nil
	out := make([]any, 0, len(terms))
	for _, term := range terms {
		name, ok := termString(term)
		if !ok {
			return nil, unhandledErrorf("Invalid setting identifier, \"%s\" is not a string, its a <class '%s'>", pyStr(term), pyTypeName(term))
		}
		v, err := lc.variable(name)
		if err != nil {
			if hasDef && jinja.IsUndefined(err) {
				out = append(out, def)
				continue
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// variable is a variable's value templated as a task would read it.
func (lc *lookupCtx) variable(name string) (any, error) {
	if lc.vars == nil {
		return nil, jinja.UndefinedError("No variable found with this name: " + name)
	}
	raw, ok := lc.vars.Lookup(name)
	if !ok {
		return nil, jinja.UndefinedError("No variable found with this name: " + name)
	}
	v, err := lc.env().TemplateValue(raw, lc.vars)
	return jinja.ToPlain(v), err
}

// lookupInventoryHostnames is the inventory_hostnames plugin: the
// inventory hosts the patterns select, without the run's limit; a bad
// pattern selects none.
func lookupInventoryHostnames(lc *lookupCtx, terms []any, _ lookupOpts) ([]any, error) {
	inv := lc.ps.run.opts.Inventory
	if inv == nil {
		return []any{}, nil
	}
	pats := make([]string, 0, len(terms))
	for _, t := range terms {
		pats = append(pats, pyStr(t))
	}
	hosts, _, err := inv.Select(strings.Join(pats, ":"))
	if err != nil {
		return []any{}, nil
	}
	out := make([]any, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	return out, nil
}
