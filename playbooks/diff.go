package playbooks

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/ui"
)

// diffText renders a result's diff (one or a list of before/after pairs) as
// unified diffs, coloured on a terminal.
func (o *TextOutput) diffText(res map[string]any) string {
	var out []string
	for _, d := range asList(res["diff"]) {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		if p, ok := m["prepared"].(string); ok && p != "" {
			out = append(out, p)
			continue
		}
		before, after := diffSide(m["before"]), diffSide(m["after"])
		if before == after {
			continue
		}
		bh, ah := headerOr(m["before_header"], "before"), headerOr(m["after_header"], "after")
		out = append(out, o.colourDiff(UnifiedDiff(before, after, bh, ah)))
	}
	return strings.Join(out, "\n")
}

func headerOr(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

// diffSide turns one side of a diff into text: strings as they are,
// mappings as YAML (file attributes).
func diffSide(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return toYAML(v) + "\n"
}

func (o *TextOutput) colourDiff(d string) string {
	lines := strings.Split(strings.TrimRight(d, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			lines[i] = o.p.Paint(ui.Bold, l)
		case strings.HasPrefix(l, "+"):
			lines[i] = o.p.Paint(ui.Green, l)
		case strings.HasPrefix(l, "-"):
			lines[i] = o.p.Paint(ui.Red, l)
		case strings.HasPrefix(l, "@@"):
			lines[i] = o.p.Paint(ui.Cyan, l)
		}
	}
	return strings.Join(lines, "\n")
}

// UnifiedDiff returns a unified diff of two texts with three lines of
// context, as diff -u prints it.
func UnifiedDiff(a, b, nameA, nameB string) string {
	al, bl := splitKeep(a), splitKeep(b)
	ops := diffOps(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	const ctx = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-ctx)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end])
		i = end
	}
	return out.String()
}

type diffOp struct {
	kind       byte // ' ', '-', '+'
	text       string
	aLine, bLn int
}

func writeHunk(out *strings.Builder, ops []diffOp) {
	aStart, bStart, aN, bN := 0, 0, 0, 0
	for i, op := range ops {
		if i == 0 {
			aStart, bStart = op.aLine, op.bLn
		}
		if op.kind != '+' {
			aN++
		}
		if op.kind != '-' {
			bN++
		}
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", aStart+1, aN, bStart+1, bN)
	for _, op := range ops {
		t := op.text
		out.WriteByte(op.kind)
		out.WriteString(t)
		if !strings.HasSuffix(t, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

func splitKeep(s string) []string {
	if s == "" {
		return nil
	}
	return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
}

// diffOps computes a line diff by longest common subsequence.
func diffOps(a, b []string) []diffOp {
	if len(a) > 0 && !strings.HasSuffix(a[len(a)-1], "\n") {
		a[len(a)-1] += ""
	}
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i, j})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		default:
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		}
	}
	return ops
}
