package jinja

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// This file ports PyYAML's representer and emitter (SafeDumper, as
// Ansible's to_yaml and to_nice_yaml use it) closely enough to produce the
// same text for the data templates handle.

type ynode struct {
	scalar  bool
	value   string // scalar text
	plainOK bool   // implicit[0]: the text resolves back to its own type when plain
	seq     []*ynode
	keys    []*ynode
	vals    []*ynode
	isMap   bool
	flow    bool
}

type yamlDumpOpts struct {
	indent    int
	width     int
	flowStyle *bool // nil: flow for collections of scalars only
	sortKeys  bool
	explicit  bool
}

func yamlRepresent(v any, o *yamlDumpOpts) (*ynode, error) {
	switch x := norm(v).(type) {
	case nil:
		return &ynode{scalar: true, value: "null", plainOK: true}, nil
	case bool:
		if x {
			return &ynode{scalar: true, value: "true", plainOK: true}, nil
		}
		return &ynode{scalar: true, value: "false", plainOK: true}, nil
	case int:
		return &ynode{scalar: true, value: str(x), plainOK: true}, nil
	case float64:
		return &ynode{scalar: true, value: yamlFloat(x), plainOK: true}, nil
	case string:
		return &ynode{scalar: true, value: x, plainOK: yamlResolvesToStr(x)}, nil
	case []any, Tuple:
		items, _ := listOf(x)
		n := &ynode{seq: make([]*ynode, 0, len(items))}
		best := true
		for _, it := range items {
			c, err := yamlRepresent(it, o)
			if err != nil {
				return nil, err
			}
			best = best && c.scalar
			n.seq = append(n.seq, c)
		}
		n.flow = flowStyle(o, best)
		return n, nil
	case *Dict, map[string]any, Mapping:
		keys := append([]any{}, mapKeys(x)...)
		if o.sortKeys {
			sorted := true
			sort.SliceStable(keys, func(i, j int) bool {
				c, err := compare(keys[i], keys[j])
				if err != nil {
					sorted = false
				}
				return c < 0
			})
			if !sorted {
				keys = append([]any{}, mapKeys(x)...)
			}
		}
		n := &ynode{isMap: true}
		best := true
		for _, k := range keys {
			val, _ := mapGet(x, k)
			kn, err := yamlRepresent(k, o)
			if err != nil {
				return nil, err
			}
			vn, err := yamlRepresent(val, o)
			if err != nil {
				return nil, err
			}
			best = best && kn.scalar && vn.scalar
			n.keys = append(n.keys, kn)
			n.vals = append(n.vals, vn)
		}
		n.flow = flowStyle(o, best)
		return n, nil
	case *Undefined:
		return nil, x.err()
	case dateTime:
		return &ynode{scalar: true, value: x.String(), plainOK: true}, nil
	}
	return nil, runtimeErrorf("cannot represent an object: %s", typeName(v))
}

func flowStyle(o *yamlDumpOpts, best bool) bool {
	if o.flowStyle != nil {
		return *o.flowStyle
	}
	return best
}

// yamlFloat is PyYAML's represent_float.
func yamlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strings.ToLower(floatRepr(f))
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

var (
	yamlBoolRe  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTimeRe  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// yamlImplicitTag is PyYAML's implicit resolver for plain scalars.
func yamlImplicitTag(s string) string {
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

func yamlResolvesToStr(s string) bool { return yamlImplicitTag(s) == "str" }

type yamlEmitter struct {
	b          strings.Builder
	o          *yamlDumpOpts
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

func yamlDump(v any, o *yamlDumpOpts) (string, error) {
	n, err := yamlRepresent(v, o)
	if err != nil {
		return "", err
	}
	if o.indent <= 1 || o.indent >= 10 {
		o.indent = 2
	}
	if o.width <= o.indent*2 {
		o.width = 80
	}
	e := &yamlEmitter{o: o, whitespace: true, indention: true}
	if o.explicit {
		e.writeIndicator("---", true, false, false)
	}
	e.node(n, true, false, false, false)
	e.writeIndent()
	return e.b.String(), nil
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	e.hasInds = append(e.hasInds, e.hasIndent)
	if !e.hasIndent {
		if flow {
			e.indent = e.o.indent
		} else {
			e.indent = 0
		}
		e.hasIndent = true
	} else if !indentless {
		e.indent += e.o.indent
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

func (e *yamlEmitter) writeLineBreak() {
	e.whitespace = true
	e.indention = true
	e.b.WriteByte('\n')
	e.column = 0
}

func (e *yamlEmitter) writeIndent() {
	indent := 0
	if e.hasIndent {
		indent = e.indent
	}
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.b.WriteString(strings.Repeat(" ", indent-e.column))
		e.column = indent
	}
}

func (e *yamlEmitter) node(n *ynode, root, seq, mapping, simpleKey bool) {
	e.rootCtx, e.mapCtx, e.simpleKey = root, mapping, simpleKey
	switch {
	case n.scalar:
		e.increaseIndent(true, false)
		e.scalar(n)
		e.popIndent()
	case n.isMap:
		if e.flowLevel > 0 || n.flow || len(n.keys) == 0 {
			e.flowMapping(n)
		} else {
			e.blockMapping(n)
		}
	default:
		if e.flowLevel > 0 || n.flow || len(n.seq) == 0 {
			e.flowSequence(n)
		} else {
			e.blockSequence(n)
		}
	}
}

func (e *yamlEmitter) flowSequence(n *ynode) {
	e.writeIndicator("[", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i, c := range n.seq {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > e.o.width {
			e.writeIndent()
		}
		e.node(c, false, true, false, false)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("]", false, false, false)
}

func (e *yamlEmitter) flowMapping(n *ynode) {
	e.writeIndicator("{", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i, k := range n.keys {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > e.o.width {
			e.writeIndent()
		}
		if e.checkSimpleKey(k) {
			e.node(k, false, false, true, true)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, false)
			e.node(k, false, false, true, false)
			if e.column > e.o.width {
				e.writeIndent()
			}
			e.writeIndicator(":", true, false, false)
		}
		e.node(n.vals[i], false, false, true, false)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("}", false, false, false)
}

func (e *yamlEmitter) blockSequence(n *ynode) {
	indentless := e.mapCtx && !e.indention
	e.increaseIndent(false, indentless)
	for _, c := range n.seq {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(c, false, true, false, false)
	}
	e.popIndent()
}

func (e *yamlEmitter) blockMapping(n *ynode) {
	e.increaseIndent(false, false)
	for i, k := range n.keys {
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
		e.node(n.vals[i], false, false, true, false)
	}
	e.popIndent()
}

func (e *yamlEmitter) checkSimpleKey(k *ynode) bool {
	if k.scalar {
		a := analyzeScalar(k.value)
		return utf8.RuneCountInString(k.value) < 128 && !a.empty && !a.multiline
	}
	return (k.isMap && len(k.keys) == 0) || (!k.isMap && len(k.seq) == 0)
}

type scalarAnalysis struct {
	empty, multiline                                    bool
	flowPlain, blockPlain, singleQuoted, block, special bool
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
		if !(ch == '\n' || ch >= 0x20 && ch <= 0x7e) {
			if !(ch == 0x85 || ch >= 0xa0 && ch <= 0xd7ff || ch >= 0xe000 && ch <= 0xfffd || ch >= 0x10000 && ch < 0x10ffff) || ch == 0xfeff {
				special = true
			}
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

func (e *yamlEmitter) scalar(n *ynode) {
	a := analyzeScalar(n.value)
	split := !e.simpleKey
	if n.plainOK && !(e.simpleKey && (a.empty || a.multiline)) &&
		((e.flowLevel > 0 && a.flowPlain) || (e.flowLevel == 0 && a.blockPlain)) {
		e.writePlain(n.value, split)
		return
	}
	if a.singleQuoted && !(e.simpleKey && a.multiline) {
		e.writeSingleQuoted(n.value, split)
		return
	}
	e.writeDoubleQuoted(n.value, split)
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
				if start+1 == end && e.column > e.o.width && split {
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
					e.writeLineBreak()
				}
				for _, br := range rs[start:end] {
					_ = br
					e.writeLineBreak()
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
				if start+1 == end && e.column > e.o.width && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak()
				}
				for range rs[start:end] {
					e.writeLineBreak()
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

func (e *yamlEmitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch < 0 || strings.ContainsRune("\"\\\x85\u2028\u2029\uFEFF", ch) ||
			!(ch >= 0x20 && ch <= 0x7e || ch >= 0xa0 && ch <= 0xd7ff || ch >= 0xe000 && ch <= 0xfffd) {
			if start < end {
				e.write(string(rs[start:end]))
				start = end
			}
			if ch >= 0 {
				var data string
				if r, ok := yamlEscapes[ch]; ok {
					data = "\\" + r
				} else if ch <= 0xff {
					data = "\\x" + strings.ToUpper(hexStr(uint64(ch), 2))
				} else if ch <= 0xffff {
					data = "\\u" + strings.ToUpper(hexStr(uint64(ch), 4))
				} else {
					data = "\\U" + strings.ToUpper(hexStr(uint64(ch), 8))
				}
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(rs)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > e.o.width && split {
			data := string(rs[start:end]) + "\\"
			if start < end {
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.whitespace, e.indention = false, false
			if rs[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}

func hexStr(v uint64, width int) string {
	var b strings.Builder
	writeHex(&b, v, width)
	return b.String()
}
