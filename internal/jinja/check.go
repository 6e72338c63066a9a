package jinja

// CheckTemplate reports a syntax error in a playbook string without
// rendering it (no variable is read, no lookup runs).
func (e *Env) CheckTemplate(src string) error {
	if !isPossiblyTemplate(src) {
		return nil
	}
	_, err := e.compile("", src, modeString, FileOptions)
	return err
}

// CheckExpr reports a syntax error in a bare expression (a when condition)
// without evaluating it. Template markers in it are checked as a template.
func (e *Env) CheckExpr(expr string) error {
	if isPossiblyTemplate(expr) {
		return e.CheckTemplate(expr)
	}
	_, err := e.compile("", expr, modeExpr, Options{})
	return err
}
