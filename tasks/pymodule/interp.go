package pymodule

import (
	"context"
	"path"
	"strings"

	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/tasks"
)

// interpreterSpec is the interpreter a module's #! line asks for, after
// the task's variables: argv to run, and the fact discovery found.
type interpreterSpec struct {
	argv []string
	// discovery is set when this call ran Python interpreter discovery.
	discovery *tasks.Discovery
}

// interpreter resolves the interpreter of a module whose #! line names
// interp (with args), as Ansible rewrites the line: python follows
// ansible_python_interpreter (or the configured one, or discovery), any
// other NAME follows ansible_NAME_interpreter.
func (f *Finder) interpreter(ctx context.Context, c *tasks.Call, interp string, args []string) (*interpreterSpec, error) {
	name := path.Base(interp)
	out := &interpreterSpec{}
	chosen := ""
	if name == "python" {
		var err error
		if chosen, out.discovery, err = tasks.PythonInterpreter(ctx, c, f.cfg.PythonInterpreter); err != nil {
			return nil, err
		}
	} else if v, ok := c.Var("ansible_" + name + "_interpreter"); ok {
		chosen, _ = tasks.ToStr(v)
		chosen = strings.TrimSpace(chosen)
	}
	if chosen == "" {
		chosen = interp
	}
	words, err := shlex.Python(chosen, false)
	if err != nil || len(words) == 0 {
		words = []string{chosen}
	}
	out.argv = append(words, args...)
	return out, nil
}
