package playbooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/drover/drover/internal/yamlx"
)

// AdHocName is the name of the play an ad-hoc task runs in, as Ansible
// names it.
const AdHocName = "Ansible Ad-Hoc"

// AdHoc builds the playbook `ansible PATTERN -m MODULE -a ARGS` runs: one
// play without facts, holding one task of module with args. args is what
// -a gave: a JSON object, or key=value words (and the free form of
// command-like modules), read as a task's `module: ARGS` string is. The
// module and its arguments are checked as in a playbook.
func (l *Loader) AdHoc(pattern, module, args string) (*Playbook, error) {
	if module == "" {
		return nil, fmt.Errorf("no module given (-m)")
	}
	if nf := l.notFound(module, nil); nf != nil {
		return nil, nf
	}
	var argsYAML string
	if t := strings.TrimSpace(args); strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && json.Valid([]byte(t)) {
		argsYAML = t
	} else {
		argsYAML = jsonString(args)
	}
	src := "- name: " + jsonString(AdHocName) + "\n  hosts: " + jsonString(pattern) +
		"\n  gather_facts: false\n  tasks:\n    - " + jsonString(module) + ": " + argsYAML + "\n"
	const name = "ad-hoc task"
	f, err := yamlx.Parse(name, []byte(src))
	if err != nil {
		return nil, err
	}
	l.files[name] = f
	plays, err := l.playbookFile(name, nil)
	if err != nil {
		return nil, adHocError(err)
	}
	return &Playbook{Path: name, Dir: plays[0].Dir, Plays: plays}, nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// adHocError drops the position in the generated playbook from an error:
// only its message speaks to the user.
func adHocError(err error) error {
	if ye, ok := err.(*yamlx.Error); ok {
		return fmt.Errorf("%s", ye.Msg)
	}
	return err
}
