package playbooks

import "testing"

// BenchmarkLookups measures one lookup call in a template as a task
// renders it: a file found in the search path and read, a list shaped by
// query, a formatted sequence and a rendered template file.
func BenchmarkLookups(b *testing.B) {
	for _, c := range []struct{ name, expr string }{
		{"file", "lookup('file', 'a.txt')"},
		{"query_items", "query('items', [1, [2, 3]], 4)"},
		{"sequence", "lookup('sequence', 'start=1 end=50 format=host%02d')"},
		{"template", "lookup('template', 't.j2')"},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := newLookupFixture(b)
			for b.Loop() {
				if _, err := f.eval(c.expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
