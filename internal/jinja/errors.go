package jinja

import (
	"errors"
	"fmt"
	"regexp"
)

// Kind classifies template errors.
type Kind int

// Error kinds.
const (
	KindRuntime   Kind = iota // a filter, test or operation failed
	KindSyntax                // the template does not parse
	KindUndefined             // an undefined variable or attribute was used
	KindRecursion             // a variable refers to itself
)

// Error is a template error. Msg names expressions and variables but never
// variable values, so it is safe to print even when vars hold secrets.
type Error struct {
	Kind Kind
	Name string // template name (file) or "" for an inline string
	Line int    // 1-based line in the template source, 0 if unknown
	Col  int    // 1-based column (in characters), 0 if unknown
	Msg  string
}

// Error formats the error as "name:line:col: msg" for named templates and as
// the bare message for inline strings (whose position is in Line and Col).
func (e *Error) Error() string {
	if e.Name != "" && e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Col, e.Msg)
	}
	if e.Name != "" {
		return e.Name + ": " + e.Msg
	}
	return e.Msg
}

// IsUndefined reports whether err comes from using an undefined variable
// or attribute.
func IsUndefined(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindUndefined
}

// IsSyntax reports whether err is a template syntax error.
func IsSyntax(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindSyntax
}

// evalError is an error raised while evaluating; it gets a position when it
// crosses the node that raised it.
type evalError struct {
	kind Kind
	msg  string
	pos  int // byte offset in the source, -1 until known
}

func (e *evalError) Error() string { return e.msg }

func typeErrorf(format string, args ...any) error {
	return &evalError{kind: KindRuntime, msg: fmt.Sprintf(format, args...), pos: -1}
}

func runtimeErrorf(format string, args ...any) error {
	return &evalError{kind: KindRuntime, msg: fmt.Sprintf(format, args...), pos: -1}
}

// pluginName matches the names Ansible accepts for filters and tests:
// dotted Python identifiers.
var pluginName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// unknownPlugin is the error for a filter or test named by a string at run
// time (map, select, selectattr, ...) that does not exist, worded as
// Ansible's plugin loader words it.
func unknownPlugin(name string) error {
	reason := "'" + name + "'"
	if !pluginName.MatchString(name) {
		reason = "'invalid plugin name: ansible.builtin." + name + "'"
	}
	return &evalError{kind: KindSyntax, msg: fmt.Sprintf("Could not load \"%s\": %s", name, reason), pos: -1}
}

// withPos sets the position of an evalError that has none yet.
func withPos(err error, pos int) error {
	var e *evalError
	if errors.As(err, &e) && e.pos < 0 {
		e.pos = pos
	}
	return err
}

// Undefined is the value of a missing variable or attribute. Using it in
// anything but `is defined`, `default` and friends raises an error.
type Undefined struct {
	name any    // variable name (string) or missing attribute/key
	obj  any    // the object the attribute was missing from; noObj for variables
	hint string // full message, when set
	pos  int    // where it was produced in the template source, -1 if unknown
}

type noObject struct{}

var noObj = noObject{}

func undefinedVar(name string, pos int) *Undefined {
	return &Undefined{name: name, obj: noObj, pos: pos}
}

func undefinedAttr(obj any, name any, pos int) *Undefined {
	return &Undefined{name: name, obj: obj, pos: pos}
}

// Message is the error raised when the undefined value is used.
func (u *Undefined) Message() string {
	if u.hint != "" {
		return u.hint
	}
	if u.obj == noObj {
		return fmt.Sprintf("'%s' is undefined", u.name)
	}
	if name, ok := u.name.(string); ok {
		return fmt.Sprintf("'%s' has no attribute '%s'", objectTypeRepr(u.obj), name)
	}
	return fmt.Sprintf("%s has no element %s", objectTypeRepr(u.obj), repr(u.name))
}

func (u *Undefined) err() error {
	return &evalError{kind: KindUndefined, msg: u.Message(), pos: u.pos}
}

// firstUndefined returns the first *Undefined among vs.
func firstUndefined(vs ...any) *Undefined {
	for _, v := range vs {
		if u, ok := v.(*Undefined); ok {
			return u
		}
	}
	return nil
}
