package playbooks

import (
	"fmt"
	"strings"

	"github.com/drover/drover/internal/ui"
)

// diffText renders a result's diffs, escaped and coloured on a terminal.
func (o *TextOutput) diffText(res map[string]any) string {
	return o.colourDiff(ui.Escape(ResultDiff(res)))
}

// ResultDiff renders the diff of a result (one or a list of before/after
// pairs, or prepared text) as unified diffs, "" when there is none.
func ResultDiff(res map[string]any) string {
	var out []string
	for _, d := range asList(res["diff"]) {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		if p, ok := m["prepared"].(string); ok && p != "" {
			out = append(out, strings.TrimRight(p, "\n"))
			continue
		}
		if u := unifiedDiffOf(m, diffSide); u != "" {
			out = append(out, strings.TrimRight(u, "\n"))
		}
	}
	return strings.Join(out, "\n")
}

// unifiedDiffOf is the unified diff of one before/after pair of a result,
// labelled as Ansible labels it ("before: PATH"); "" when the sides are
// equal. side turns a side that is not text into text.
func unifiedDiffOf(m map[string]any, side func(any) string) string {
	before, after := side(m["before"]), side(m["after"])
	if before == after {
		return ""
	}
	return UnifiedDiff(before, after, diffLabel(m["before_header"], "before"), diffLabel(m["after_header"], "after"))
}

// diffLabel is "before: HEADER", or just "before" without a header.
func diffLabel(header any, side string) string {
	if s, ok := header.(string); ok && s != "" {
		return side + ": " + s
	}
	return side
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
	aStart, bStart, aN, bN := ops[0].aLine, ops[0].bLn, 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			aN++
		}
		if op.kind != '-' {
			bN++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aN), hunkRange(bStart, bN))
	for _, op := range ops {
		t := op.text
		out.WriteByte(op.kind)
		out.WriteString(t)
		if !strings.HasSuffix(t, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange is one side of a hunk header as diff -u writes it: the first
// line alone for one line, "start,count" otherwise (the line before for
// an empty side).
func hunkRange(start, n int) string {
	switch n {
	case 1:
		return fmt.Sprint(start + 1)
	case 0:
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitKeep splits s into lines that keep their newline; the last one
// lacks it when s does not end with one.
func splitKeep(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffOps computes a line diff by longest common subsequence; within a
// change, removed lines come before added ones, as diff -u has them.
func diffOps(a, b []string) []diffOp {
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
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
