package tasks

import (
	"context"
	"testing"

	"github.com/drover/drover/transport/local"
)

// TestHostScript records each section's output and status; an exit ends
// only its own section.
func TestHostScript(t *testing.T) {
	s := (&HostScript{}).Line("x=shared")
	s.Section("a", "echo one; echo two")
	s.Section("b", "printf 'no newline'; exit 3")
	s.Section("c", `echo "$x"; echo err >&2`)
	s.Section("d", "true")
	secs, _, err := runHostScript(context.Background(), &Call{Conn: local.New()}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Sections{"a": {"one\ntwo\n", 0}, "b": {"no newline", 3}, "c": {"shared\n", 0}, "d": {"", 0}}
	for k, v := range want {
		if secs[k] != v {
			t.Errorf("section %s = %+v, want %+v", k, secs[k], v)
		}
	}
	if secs.RC("missing") != -1 {
		t.Error("a missing section has a status")
	}
}
