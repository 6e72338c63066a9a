package inventory

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/internal/shlex"
)

var (
	reSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	reGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// iniError is an INI inventory problem at FILE:LINE:COL.
type iniError struct {
	file      string
	line, col int
	msg       string
	text      string
}

func (e *iniError) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
	if e.text != "" {
		s += fmt.Sprintf("\n> %d | %s\n  %*s | %s^", e.line, e.text, len(fmt.Sprint(e.line)), "", strings.Repeat(" ", max(0, e.col-1)))
	}
	return s
}

// iniParser holds the state of one INI inventory read.
type iniParser struct {
	inv     *Inventory
	file    string
	lineno  int
	raw     string // the current line as written
	pending map[string]*pendingDecl
	order   []string
}

// pendingDecl is a group named before it is defined: in a [g:vars] section
// or as a child in a [parent:children] section.
type pendingDecl struct {
	line    int
	state   string
	parents []string
}

// ParseINIValue converts an INI inventory value as Ansible does, with
// Python's literal syntax: 1 and 0x1f are ints, 1.5 floats, True/False
// booleans, None nil, '...' strings, [..] and (..) lists, {..} mappings;
// anything else stays the string it is.
func ParseINIValue(v string) any { return literalEval(v) }

func (inv *Inventory) parseINI(path string, src []byte) error {
	p := &iniParser{inv: inv, file: path, pending: map[string]*pendingDecl{}}
	return p.parse(string(src))
}

func (p *iniParser) errAt(col int, format string, args ...any) error {
	return &iniError{file: p.file, line: p.lineno, col: col, msg: fmt.Sprintf(format, args...), text: strings.TrimRight(p.raw, "\r")}
}

// indentCol is the 1-based column of the first non-blank character of the
// current line.
func (p *iniParser) indentCol() int {
	return utf8.RuneCountInString(p.raw) - utf8.RuneCountInString(strings.TrimLeft(p.raw, " \t")) + 1
}

func (p *iniParser) parse(src string) error {
	if !utf8.ValidString(src) {
		src = strings.ToValidUTF8(src, "\uFFFD")
	}
	group, state := "ungrouped", "hosts"
	for i, raw := range pyfmt.SplitLines(src, false) {
		p.lineno, p.raw = i+1, raw
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := reSection.FindStringSubmatch(line); m != nil {
			var err error
			if group, state, err = p.section(m[1], m[2]); err != nil {
				return err
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			return p.errAt(p.indentCol(), "invalid section entry %q: expected [group], [group:vars] or [group:children] without spaces or other invalid characters", line)
		}
		var err error
		switch state {
		case "hosts":
			err = p.hostLine(group, line)
		case "vars":
			err = p.varLine(group, line)
		case "children":
			err = p.childLine(group, line)
		}
		if err != nil {
			return err
		}
	}
	return p.checkPending()
}

func (p *iniParser) section(name, state string) (string, string, error) {
	name = p.inv.groupName(name)
	if state == "" {
		state = "hosts"
	}
	if state != "hosts" && state != "children" && state != "vars" {
		return "", "", p.errAt(p.indentCol(), "section [%s:%s] has unknown type %q: expected hosts, vars or children", name, state, state)
	}
	if _, ok := p.inv.groups[name]; !ok {
		if _, pend := p.pending[name]; state == "vars" && !pend {
			p.addPending(name, &pendingDecl{line: p.lineno, state: "vars"})
		}
		p.inv.addGroup(name)
	}
	if d, ok := p.pending[name]; ok && state != "vars" {
		switch d.state {
		case "children":
			if err := p.addPendingChildren(name); err != nil {
				return "", "", err
			}
		case "vars":
			p.removePending(name)
		}
	}
	return name, state, nil
}

func (p *iniParser) addPending(name string, d *pendingDecl) {
	p.pending[name] = d
	p.order = append(p.order, name)
}

func (p *iniParser) removePending(name string) {
	delete(p.pending, name)
	for i, n := range p.order {
		if n == name {
			p.order = append(p.order[:i:i], p.order[i+1:]...)
			break
		}
	}
}

func (p *iniParser) addPendingChildren(group string) error {
	d := p.pending[group]
	for _, parent := range d.parents {
		if err := p.inv.addChild(parent, group); err != nil {
			return p.errAt(1, "%v", err)
		}
		if pd, ok := p.pending[parent]; ok && pd.state == "children" {
			if err := p.addPendingChildren(parent); err != nil {
				return err
			}
		}
	}
	p.removePending(group)
	return nil
}

func (p *iniParser) checkPending() error {
	for _, name := range p.order {
		d := p.pending[name]
		p.lineno = d.line
		p.raw = ""
		if d.state == "vars" {
			return p.errAt(1, "section [%s:vars] not valid for undefined group: %s", name, name)
		}
		return p.errAt(1, "section [%s:children] includes undefined group: %s", d.parents[len(d.parents)-1], name)
	}
	return nil
}

func (p *iniParser) hostLine(group, line string) error {
	tokens, err := shlex.Python(line, true)
	if err != nil {
		return p.errAt(p.indentCol(), "error parsing host definition %q: %v", line, err)
	}
	if len(tokens) == 0 {
		return nil
	}
	pattern := tokens[0]
	names, port, err := ExpandHostPattern(pattern)
	if err != nil {
		return p.errAt(p.indentCol(), "%v", err)
	}
	if strings.HasSuffix(strings.TrimSpace(pattern), ":") && port == 0 {
		return p.errAt(p.indentCol(), "invalid host pattern %q: ending in ':' is not allowed, this character is reserved to provide a port", pattern)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "---" {
			return p.errAt(p.indentCol(), "invalid host pattern %q: '---' is normally a sign this is a YAML file", pattern)
		}
	}
	vars := map[string]any{}
	var keys []string
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return p.errAt(p.tokenCol(t), "expected key=value host variable assignment, got: %s", t)
		}
		if _, seen := vars[k]; !seen {
			keys = append(keys, k)
		}
		vars[k] = literalEval(v)
	}
	for _, n := range names {
		h, err := p.inv.addHost(n, group, port)
		if err != nil {
			return p.errAt(p.indentCol(), "%v", err)
		}
		for _, k := range keys {
			h.vars[k] = vars[k]
		}
	}
	return nil
}

// tokenCol finds where token t starts in the current line (1 when unknown).
func (p *iniParser) tokenCol(t string) int {
	if i := strings.Index(p.raw, t); i >= 0 {
		return utf8.RuneCountInString(p.raw[:i]) + 1
	}
	return p.indentCol()
}

func (p *iniParser) varLine(group, line string) error {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return p.errAt(p.indentCol(), "expected key=value, got: %s", line)
	}
	g := p.inv.groups[group]
	if err := p.inv.setGroupVar(g, strings.TrimSpace(k), literalEval(strings.TrimSpace(v))); err != nil {
		return p.errAt(p.indentCol(), "%v", err)
	}
	return nil
}

func (p *iniParser) childLine(group, line string) error {
	m := reGroupName.FindStringSubmatch(line)
	if m == nil {
		return p.errAt(p.indentCol(), "expected group name, got: %s", line)
	}
	child := p.inv.groupName(m[1])
	if _, ok := p.inv.groups[child]; !ok {
		if d, pend := p.pending[child]; pend {
			d.parents = append(d.parents, group)
		} else {
			p.addPending(child, &pendingDecl{line: p.lineno, state: "children", parents: []string{group}})
		}
		return nil
	}
	if err := p.inv.addChild(group, child); err != nil {
		return p.errAt(p.indentCol(), "%v", err)
	}
	return nil
}
