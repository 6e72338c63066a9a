package pyfmt

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// YAMLKind is the kind of a YAMLNode.
type YAMLKind int

// The kinds of YAML nodes.
const (
	ScalarNode YAMLKind = iota
	SequenceNode
	MappingNode
)

// YAMLNode is a value represented for EmitYAML, as PyYAML's representer
// makes it.
type YAMLNode struct {
	Kind  YAMLKind
	Value string // a scalar's text
	// Plain says the text reads back as the value's own type when written
	// plain (PyYAML's implicit[0]): true for numbers, booleans and null,
	// and for strings YAMLPlain accepts.
	Plain  bool
	Items  []*YAMLNode // a sequence's items
	Keys   []*YAMLNode // a mapping's keys, in output order
	Values []*YAMLNode // and their values
	Flow   bool        // flow style ([a, b], {k: v}) rather than block
	Anchor string      // the node's anchor (id001), written &id001
	Alias  bool        // the node is a later appearance: *Anchor only
}

// YAMLScalar is a scalar node with the given text; plain as in YAMLNode.
func YAMLScalar(text string, plain bool) *YAMLNode {
	return &YAMLNode{Kind: ScalarNode, Value: text, Plain: plain}
}

// YAMLStr is the node of a str: plain when it reads back as the same
// string, else quoted.
func YAMLStr(s string) *YAMLNode { return YAMLScalar(s, YAMLPlain(s)) }

// YAMLOptions are yaml.dump's arguments the emitter honours.
type YAMLOptions struct {
	Indent        int  // 2 when outside 2..9
	Width         int  // 80 when not more than twice Indent
	ExplicitStart bool // explicit_start: "---" first
}

var (
	yamlBoolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTimeRe  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// YAMLResolve is PyYAML's implicit resolver: the tag (bool, float, int,
// merge, null, timestamp, value or str) a plain scalar with text s has.
func YAMLResolve(s string) string {
	if s == "" {
		return "null"
	}
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO", c) >= 0 && yamlBoolRe.MatchString(s):
		return "bool"
	case strings.IndexByte("-+0123456789.", c) >= 0 && yamlFloatRe.MatchString(s):
		return "float"
	case strings.IndexByte("-+0123456789", c) >= 0 && yamlIntRe.MatchString(s):
		return "int"
	case s == "<<":
		return "merge"
	case strings.IndexByte("~nN", c) >= 0 && yamlNullRe.MatchString(s):
		return "null"
	case c >= '0' && c <= '9' && yamlTimeRe.MatchString(s):
		return "timestamp"
	case s == "=":
		return "value"
	}
	return "str"
}

// YAMLPlain reports whether s, written as a plain scalar, reads back as the
// string s (PyYAML's implicit resolvers find no bool, number, null,
// timestamp, merge or value in it).
func YAMLPlain(s string) bool { return YAMLResolve(s) == "str" }

type yamlEmitter struct {
	b          strings.Builder
	o          YAMLOptions
	indent     int
	hasIndent  bool
	indents    []int
	hasInds    []bool
	flowLevel  int
	column     int
	whitespace bool
	indention  bool
	rootCtx    bool
	mapCtx     bool
	simpleKey  bool
}

// EmitYAML writes the document of node n as PyYAML's emitter (with
// allow_unicode) writes it.
func EmitYAML(n *YAMLNode, o YAMLOptions) string {
	if o.Indent <= 1 || o.Indent >= 10 {
		o.Indent = 2
	}
	if o.Width <= o.Indent*2 {
		o.Width = 80
	}
	e := &yamlEmitter{o: o, whitespace: true, indention: true}
	if o.ExplicitStart {
		e.writeIndicator("---", true, false, false)
	}
	e.node(n, true, false, false, false)
	e.writeIndent()
	return e.b.String()
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	e.hasInds = append(e.hasInds, e.hasIndent)
	if !e.hasIndent {
		if flow {
			e.indent = e.o.Indent
		} else {
			e.indent = 0
		}
		e.hasIndent = true
	} else if !indentless {
		e.indent += e.o.Indent
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.hasIndent = e.hasInds[len(e.hasInds)-1]
	e.indents = e.indents[:len(e.indents)-1]
	e.hasInds = e.hasInds[:len(e.hasInds)-1]
}

func (e *yamlEmitter) write(s string) {
	e.b.WriteString(s)
	e.column += utf8.RuneCountInString(s)
}

func (e *yamlEmitter) writeIndicator(ind string, needWS, whitespace, indention bool) {
	if e.whitespace || !needWS {
		e.write(ind)
	} else {
		e.write(" " + ind)
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
}

// writeLineBreak starts a new line with br ('\n', or the break character
// a scalar holds: \x85, \u2028, \u2029).
func (e *yamlEmitter) writeLineBreak(br rune) {
	e.whitespace = true
	e.indention = true
	e.b.WriteRune(br)
	e.column = 0
}

func (e *yamlEmitter) writeIndent() {
	indent := 0
	if e.hasIndent {
		indent = e.indent
	}
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak('\n')
	}
	if e.column < indent {
		e.whitespace = true
		e.b.WriteString(strings.Repeat(" ", indent-e.column))
		e.column = indent
	}
}

func (e *yamlEmitter) node(n *YAMLNode, root, seq, mapping, simpleKey bool) {
	e.rootCtx, e.mapCtx, e.simpleKey = root, mapping, simpleKey
	if n.Alias {
		e.writeIndicator("*"+n.Anchor, true, false, false)
		return
	}
	if n.Anchor != "" {
		e.writeIndicator("&"+n.Anchor, true, false, false)
	}
	switch n.Kind {
	case ScalarNode:
		e.increaseIndent(true, false)
		e.scalar(n)
		e.popIndent()
	case MappingNode:
		if e.flowLevel > 0 || n.Flow || len(n.Keys) == 0 {
			e.flowMapping(n)
		} else {
			e.blockMapping(n)
		}
	default:
		if e.flowLevel > 0 || n.Flow || len(n.Items) == 0 {
			e.flowSequence(n)
		} else {
			e.blockSequence(n)
		}
	}
}

func (e *yamlEmitter) flowSequence(n *YAMLNode) {
	e.writeIndicator("[", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i, c := range n.Items {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > e.o.Width {
			e.writeIndent()
		}
		e.node(c, false, true, false, false)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("]", false, false, false)
}

func (e *yamlEmitter) flowMapping(n *YAMLNode) {
	e.writeIndicator("{", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i, k := range n.Keys {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > e.o.Width {
			e.writeIndent()
		}
		if e.checkSimpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, false)
			e.node(k, false, false, true, false)
			if e.column > e.o.Width {
				e.writeIndent()
			}
			e.writeIndicator(":", true, false, false)
		}
		e.node(n.Values[i], false, false, true, false)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("}", false, false, false)
}

func (e *yamlEmitter) blockSequence(n *YAMLNode) {
	indentless := e.mapCtx && !e.indention
	e.increaseIndent(false, indentless)
	for _, c := range n.Items {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(c, false, true, false, false)
	}
	e.popIndent()
}

func (e *yamlEmitter) blockMapping(n *YAMLNode) {
	e.increaseIndent(false, false)
	for i, k := range n.Keys {
		e.writeIndent()
		if e.checkSimpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, true)
			e.node(k, false, false, true, false)
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
		}
		e.node(n.Values[i], false, false, true, false)
	}
	e.popIndent()
}

// checkSimpleKey is libyaml's check (Ansible dumps with libyaml): a key is
// written "key: value" when it is an alias, an empty collection or a
// single-line scalar, and its anchor and text take at most 128 bytes;
// otherwise "? key" and ": value" on lines of their own.
func (e *yamlEmitter) checkSimpleKey(k *YAMLNode) bool {
	length := len(k.Anchor)
	switch {
	case k.Alias:
	case k.Kind == ScalarNode:
		if analyzeScalar(k.Value).multiline {
			return false
		}
		length += len(k.Value)
	case k.Kind == MappingNode && len(k.Keys) > 0, k.Kind == SequenceNode && len(k.Items) > 0:
		return false
	}
	return length <= 128
}

type scalarAnalysis struct {
	empty, multiline                                    bool
	flowPlain, blockPlain, singleQuoted, block, special bool
}

// yamlPrintable is libyaml's IS_PRINTABLE (Ansible dumps with libyaml,
// which, unlike PyYAML's own emitter, counts neither \x85 nor characters
// beyond the BMP as printable).
func yamlPrintable(ch rune) bool {
	return ch == '\n' || ch >= 0x20 && ch <= 0x7e || ch >= 0xa0 && ch <= 0xd7ff || ch >= 0xe000 && ch <= 0xfffd && ch != 0xfeff
}

func isYAMLBreak(r rune) bool { return r == '\n' || r == '\x85' || r == '\u2028' || r == '\u2029' }

func isYAMLSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isYAMLBreak(r)
}

// analyzeScalar is PyYAML's Emitter.analyze_scalar (allow_unicode=True).
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, blockPlain: true, singleQuoted: true}
	}
	rs := []rune(s)
	var blockInd, flowInd, lineBreaks, special bool
	var leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd, flowInd = true, true
	}
	preceded := true
	followed := len(rs) == 1 || isYAMLSpaceOrBreak(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '-' && followed {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '#' && preceded {
				flowInd, blockInd = true, true
			}
		}
		if isYAMLBreak(ch) {
			lineBreaks = true
		}
		if !yamlPrintable(ch) {
			special = true
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadSpace = true
			}
			if i == len(rs)-1 {
				trailSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isYAMLBreak(ch):
			if i == 0 {
				leadBreak = true
			}
			if i == len(rs)-1 {
				trailBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isYAMLSpaceOrBreak(ch)
		followed = i+2 >= len(rs) || isYAMLSpaceOrBreak(rs[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, flowPlain: true, blockPlain: true, singleQuoted: true, block: true, special: special}
	if leadSpace || leadBreak || trailSpace || trailBreak {
		a.flowPlain, a.blockPlain = false, false
	}
	if trailSpace {
		a.block = false
	}
	if breakSpace {
		a.flowPlain, a.blockPlain, a.singleQuoted = false, false, false
	}
	if spaceBreak || special {
		a.flowPlain, a.blockPlain, a.singleQuoted, a.block = false, false, false, false
	}
	if lineBreaks {
		a.flowPlain, a.blockPlain = false, false
	}
	if flowInd {
		a.flowPlain = false
	}
	if blockInd {
		a.blockPlain = false
	}
	return a
}

func (e *yamlEmitter) scalar(n *YAMLNode) {
	a := analyzeScalar(n.Value)
	split := !e.simpleKey
	if n.Plain && !(e.simpleKey && (a.empty || a.multiline)) &&
		((e.flowLevel > 0 && a.flowPlain) || (e.flowLevel == 0 && a.blockPlain)) {
		e.writePlain(n.Value, split)
		return
	}
	if a.singleQuoted && !(e.simpleKey && a.multiline) {
		e.writeSingleQuoted(n.Value, split)
		return
	}
	e.writeDoubleQuoted(n.Value, split)
}

func (e *yamlEmitter) writePlain(text string, split bool) {
	if text == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace, e.indention = false, false
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > e.o.Width && split {
					e.writeIndent()
					e.whitespace, e.indention = false, false
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak('\n')
				}
				for _, br := range rs[start:end] {
					e.writeLineBreak(br)
				}
				e.writeIndent()
				e.whitespace, e.indention = false, false
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isYAMLBreak(ch) {
				e.write(string(rs[start:end]))
				start = end
			}
		}
		if ch >= 0 {
			spaces = ch == ' '
			breaks = isYAMLBreak(ch)
		}
	}
}

func (e *yamlEmitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > e.o.Width && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak('\n')
				}
				for _, br := range rs[start:end] {
					e.writeLineBreak(br)
				}
				e.writeIndent()
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isYAMLBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch >= 0 {
			spaces = ch == ' '
			breaks = isYAMLBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P"}

// writeDoubleQuoted is libyaml's yaml_emitter_write_double_quoted: escapes
// for what is not printable, breaks, quotes and backslashes; a long line
// is folded at a single space, which the line break stands for.
func (e *yamlEmitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	spaces := false
	for i, ch := range rs {
		switch {
		case !yamlPrintable(ch) || ch == 0xfeff || isYAMLBreak(ch) || ch == '"' || ch == '\\':
			e.write(yamlEscape(ch))
			spaces = false
		case ch == ' ':
			if split && !spaces && e.column > e.o.Width && i != 0 && i != len(rs)-1 {
				e.writeIndent()
				e.whitespace, e.indention = false, false
				if rs[i+1] == ' ' {
					e.write("\\")
				}
			} else {
				e.write(" ")
			}
			spaces = true
		default:
			e.write(string(ch))
			spaces = false
		}
	}
	e.writeIndicator("\"", false, false, false)
}

// yamlEscape is the escape sequence of ch in a double-quoted scalar.
func yamlEscape(ch rune) string {
	if r, ok := yamlEscapes[ch]; ok {
		return "\\" + r
	}
	switch {
	case ch <= 0xff:
		return "\\x" + upperHex(ch, 2)
	case ch <= 0xffff:
		return "\\u" + upperHex(ch, 4)
	}
	return "\\U" + upperHex(ch, 8)
}

func upperHex(r rune, width int) string {
	var b strings.Builder
	WriteHex(&b, uint64(r), width)
	return strings.ToUpper(b.String())
}
