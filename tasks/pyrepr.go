package tasks

import "github.com/drover/drover/internal/pyfmt"

// PyRepr renders v as Python's repr() would, as Ansible shows values in
// messages and when it turns a list or mapping into a string:
// ['a', 1, True], {'k': None} (internal/pyfmt.Repr).
func PyRepr(v any) string { return pyfmt.Repr(v) }
