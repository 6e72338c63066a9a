package playbooks

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/suggest"
)

// undefinedOption words an undefined variable in a task's arguments as
// Ansible does (scripts match its first sentence), adds where the task is
// and, for a misspelled variable, the nearest name in scope.
func undefinedOption(t *Task, s *scope, err error) error {
	if !jinja.IsUndefined(err) {
		return err
	}
	msg := fmt.Sprintf("The task includes an option with an undefined variable. The error was: %v. %v\n\nThe task is at %s", err, err, t.Pos)
	if near := s.nearestName(err); near != "" {
		msg += fmt.Sprintf("\nDid you mean %q?", near)
	}
	return errors.New(msg)
}

// undefinedName finds the variable of Ansible's "'NAME' is undefined".
var undefinedName = regexp.MustCompile(`'([A-Za-z_][A-Za-z0-9_]*)' is undefined`)

// nearestName is the variable in scope nearest to the undefined one err
// names, or "".
func (s *scope) nearestName(err error) string {
	m := undefinedName.FindStringSubmatch(err.Error())
	if m == nil || s == nil {
		return ""
	}
	if c, ok := suggest.Closest(m[1], s.names()); ok && c != m[1] {
		return c
	}
	return ""
}

// names lists the variables the scope defines, sorted, for "did you mean".
func (s *scope) names() []string {
	set := map[string]bool{"inventory_hostname": true, "group_names": true, "groups": true, "hostvars": true}
	add := func(m map[string]any) {
		for k := range m {
			set[k] = true
		}
	}
	add(s.loop)
	add(s.magic)
	add(s.extra)
	add(s.over)
	add(s.ps.run.extraVars)
	add(s.ps.play.Vars)
	add(s.ps.prompted)
	add(s.inv())
	s.h.mu.RLock()
	add(s.h.hostVars)
	add(s.h.includeVars)
	add(s.h.facts)
	s.h.mu.RUnlock()
	for t := s.task; t != nil; t = t.Parent {
		if m, ok := t.Kw["vars"].(map[string]any); ok {
			add(m)
		}
	}
	for _, r := range s.roleChain() {
		add(r.Params)
	}
	for _, r := range append(append(s.roleChain(), s.ps.play.Roles...), s.ps.run.roles.public(s.ps.play)...) {
		add(r.Vars)
		add(r.EntryVars)
		add(r.Defaults)
	}
	return slices.Sorted(maps.Keys(set))
}
