package yamlx

import (
	"bytes"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Limits on what a document may cost, whoever wrote it: collections nested
// more than maxDepth deep are refused where they are written (as PyYAML's
// recursive composer fails long before), and aliases may add at most
// maxAliasValues values, or ten times the document's own, to what it
// expands to (a "billion laughs" document of nested aliases is refused
// before anything is built from it or printed).
const (
	maxDepth       = 1000
	maxAliasValues = 100_000
)

// checkDepth refuses a document whose collections nest more than maxDepth
// deep, at the first node too deep.
func (f *File) checkDepth(doc *yaml.Node) error {
	if n := tooDeep(doc, 0); n != nil {
		return f.Errorf(n, "collections nested more than %d deep", maxDepth)
	}
	return nil
}

// tooDeep is the first node of n's tree (aliases not followed) that lies
// more than maxDepth collections deep; nil when none does.
func tooDeep(n *yaml.Node, depth int) *yaml.Node {
	if n.Kind != yaml.SequenceNode && n.Kind != yaml.MappingNode {
		return nil
	}
	if depth >= maxDepth {
		return n
	}
	for _, c := range n.Content {
		if d := tooDeep(c, depth+1); d != nil {
			return d
		}
	}
	return nil
}

// checkExpansion refuses node n when its aliases make it expand to more
// values than the limits allow, at the alias that crosses them.
func (f *File) checkExpansion(n *yaml.Node) error {
	e := &expansion{sizes: f.sizes(), active: map[*yaml.Node]bool{}}
	own := e.nodes(n, map[*yaml.Node]bool{})
	e.limit = own + max(maxAliasValues, 10*own)
	if e.walk(n); e.culprit != nil {
		return f.Errorf(e.culprit, "this alias makes the document expand to more than %d values (nested aliases: a \"billion laughs\" document?)", e.limit)
	}
	return nil
}

// sizes are the expanded sizes of f's nodes computed so far.
func (f *File) sizes() map[*yaml.Node]int {
	if f.expanded == nil {
		f.expanded = map[*yaml.Node]int{}
	}
	return f.expanded
}

// expansion counts what a node expands to, aliases followed.
type expansion struct {
	sizes   map[*yaml.Node]int
	active  map[*yaml.Node]bool // being counted: an alias back to one is a cycle, reported by Value
	limit   int
	total   int
	culprit *yaml.Node
}

// nodes counts the nodes written under n, aliases not followed.
func (e *expansion) nodes(n *yaml.Node, seen map[*yaml.Node]bool) int {
	if seen[n] {
		return 0
	}
	seen[n] = true
	count := 1
	for _, c := range n.Content {
		count += e.nodes(c, seen)
	}
	return count
}

// walk adds n's expanded size to the total in document order and notes
// the first alias that takes the total past the limit.
func (e *expansion) walk(n *yaml.Node) {
	if e.culprit != nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		if e.total += e.size(n.Alias); e.total > e.limit {
			e.culprit = n
		}
		return
	}
	e.total++
	for _, c := range n.Content {
		e.walk(c)
	}
}

// size is what n expands to, aliases followed, saturating past the limit.
func (e *expansion) size(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if s, ok := e.sizes[n]; ok {
		return s
	}
	if e.active[n] {
		return 1
	}
	e.active[n] = true
	s := 1
	for _, c := range n.Content {
		if s += e.size(c); s > e.limit {
			s = e.limit + 1
			break
		}
	}
	delete(e.active, n)
	e.sizes[n] = s
	return s
}

// roughDepth finds where src seems to nest collections more than limit
// deep, reading only YAML's indicators: flow brackets that open a node
// (outside quotes, comments and block scalars) and runs of "- " that start
// a line. It is used only to keep a second, costlier parser away from
// hostile input, so a rough answer does no harm. line is 0 when src does
// not seem to.
func roughDepth(src []byte, limit int) (line, col int) {
	s := depthScan{line: 1, block: -1}
	for i := 0; i < len(src); i++ {
		if s.step(src, i) > limit {
			return s.line, s.col
		}
	}
	return 0, 0
}

// depthScan is the state of roughDepth.
type depthScan struct {
	line, col   int
	flow, dash  int
	quote       byte // ' or " while in a quoted scalar
	escaped     bool
	comment     bool
	lineStart   bool // only spaces and "- " so far on this line
	prev        byte // the last significant byte on this line, 0 at its start
	indent      int
	block       int // indentation of the line that started a block scalar, -1 when outside one
	skipLine    bool
	lineContent []byte
}

// blockIndicator ends a line that starts a block scalar.
var blockIndicator = regexp.MustCompile(`[|>][0-9+-]*\s*(#.*)?$`)

// step reads src[i] and returns the nesting depth after it.
func (s *depthScan) step(src []byte, i int) int {
	b := src[i]
	if s.col == 0 {
		s.startLine(src, i)
	}
	s.col++
	switch {
	case b == '\n':
		s.endLine()
	case s.skipLine || s.comment:
	case s.quote != 0:
		s.inQuote(b)
	default:
		s.plain(src, i)
	}
	return s.flow + s.dash
}

// startLine notes a line's indentation and whether it belongs to a block
// scalar, whose text is skipped.
func (s *depthScan) startLine(src []byte, i int) {
	end := bytes.IndexByte(src[i:], '\n')
	if end < 0 {
		end = len(src) - i
	}
	text := src[i : i+end]
	s.indent = len(text) - len(bytes.TrimLeft(text, " "))
	s.skipLine = false
	if s.block >= 0 && s.quote == 0 {
		if len(bytes.TrimSpace(text)) == 0 || s.indent > s.block {
			s.skipLine = true
		} else {
			s.block = -1
		}
	}
	s.lineStart, s.prev, s.comment, s.lineContent = true, 0, false, text
}

// endLine ends a line: a block scalar may start below it.
func (s *depthScan) endLine() {
	if !s.skipLine && s.quote == 0 && s.flow == 0 && blockIndicator.Match(s.lineContent) {
		s.block = s.indent
	}
	if s.flow == 0 && s.quote == 0 {
		s.dash = 0
	}
	s.line++
	s.col = 0
}

func (s *depthScan) inQuote(b byte) {
	switch {
	case s.escaped:
		s.escaped = false
	case s.quote == '"' && b == '\\':
		s.escaped = true
	case b == s.quote:
		s.quote = 0
		s.prev = b
	}
}

// plain reads a byte outside quotes and comments.
func (s *depthScan) plain(src []byte, i int) {
	b := src[i]
	opens := s.prev == 0 || bytes.IndexByte([]byte(":-,[{?"), s.prev) >= 0
	switch {
	case b == ' ' || b == '\t' || b == '\r':
		return
	case b == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\t'):
		s.comment = true
		return
	case b == '-' && s.lineStart && i+1 < len(src) && (src[i+1] == ' ' || src[i+1] == '\n'):
		s.dash++
		s.prev = b
		return
	case (b == '"' || b == '\'') && opens:
		s.quote = b
	case (b == '[' || b == '{') && opens:
		s.flow++
	case (b == ']' || b == '}') && s.flow > 0:
		s.flow--
	}
	s.lineStart = false
	s.prev = b
}
