package transport

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestQuoteRoundTrip(t *testing.T) {
	words := []string{"", "plain", "with space", "it's", `"dq"`, "$HOME", "a\nb", "*", "back\\slash", "-n", "é"}
	out, err := exec.Command("/bin/sh", "-c", `printf '%s\0' `+QuoteArgv(words)).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !reflect.DeepEqual(got, words) {
		t.Fatalf("got %q, want %q", got, words)
	}
}

func TestShellLine(t *testing.T) {
	tests := []struct {
		cmd  Command
		want string
	}{
		{Command{Argv: []string{"echo", "a b"}}, "echo 'a b'"},
		{Command{Shell: "echo $X | wc"}, "echo $X | wc"},
		{Command{Shell: "pwd", Dir: "/tmp x"}, "cd '/tmp x' && eval pwd"},
		{Command{Argv: []string{"env"}, Env: map[string]string{"B": "2", "A": "1 1"}}, "export A='1 1'; export B=2; env"},
	}
	for _, tt := range tests {
		if got := ShellLine(tt.cmd); got != tt.want {
			t.Errorf("ShellLine(%+v) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

func TestShellLineRuns(t *testing.T) {
	line := ShellLine(Command{Shell: `echo "$A" && pwd`, Dir: "/", Env: map[string]string{"A": "it's"}})
	out, err := exec.Command("/bin/sh", "-c", line).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "it's\n/\n" {
		t.Fatalf("got %q", out)
	}
}
