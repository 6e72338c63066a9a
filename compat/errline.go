package compat

import (
	"os"
	"regexp"
	"strings"
)

// maxErrorLen bounds the error shown in the table.
const maxErrorLen = 200

var (
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	// errorStart matches a line that says what went wrong: Ansible's
	// fatal:/ERROR!, drover's own error, a shell's error in a script, a
	// Python exception's last line.
	errorStart = regexp.MustCompile(`^(fatal: \[|ERROR! |drover: |[^ ]*\.sh: line \d+: |[A-Za-z_.]*(Error|Exception): )`)
	// droverFailed matches drover's folded result line of a failed task:
	// "failed HOSTS" alone, or after the task's name.
	droverFailed = regexp.MustCompile(`^(TASK \[.*\] )?(failed|unreachable) \S+$`)
	droverTask   = regexp.MustCompile(`^TASK \[(.*)\]`)
	// workspacePath matches the run's temporary directory in a path.
	workspacePath = regexp.MustCompile(`/[^\s"':]*/drover-compat-[0-9]+/[^/\s"':]+`)
)

// errorLineOf is ErrorLine of the log at path.
func errorLineOf(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return ErrorLine(string(data))
}

// ErrorLine says what made a run fail, from its output: the first line of
// the last error in it (an Ansible fatal: or ERROR!, a drover error or
// failed task with its message, a shell or Python error) — the last, since
// runme.sh scripts provoke and expect failures before the one that stops
// them. Failures Ansible ignored ("...ignoring") do not count. What a
// script (set -x) did after that error is added (lastCommand); with no
// error at all, that or the last line is shown.
func ErrorLine(log string) string {
	lines := strings.Split(ansiEscape.ReplaceAllString(log, ""), "\n")
	found, at := "", -1
	task := ""
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if m := droverTask.FindStringSubmatch(line); m != nil {
			task = m[1]
		}
		if msg := errorAt(lines, i, line, task); msg != "" {
			found, at = msg, i
		}
	}
	last := lastCommand(lines, at)
	switch {
	case found == "" && last == "":
		return clip(lastLine(lines))
	case found == "":
		return clip(last)
	case last != "":
		return clip(found + " · then " + last)
	}
	return clip(found)
}

// errorAt returns the error line i starts, "" when it starts none.
func errorAt(lines []string, i int, line, task string) string {
	switch {
	case errorStart.MatchString(line):
		if strings.HasPrefix(line, "fatal: [") && ignored(lines, i) {
			return ""
		}
		return line
	case droverFailed.MatchString(line):
		if strings.HasPrefix(line, "TASK [") {
			return line // the result had nothing to show
		}
		if next := nextLine(lines, i); next != "" {
			line += ": " + next
		}
		return "TASK [" + task + "] " + line
	}
	return ""
}

// ignored reports whether Ansible ignored the failure printed at line i.
func ignored(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		if strings.TrimSpace(lines[j]) == "...ignoring" {
			return true
		}
	}
	return false
}

// nextLine is the first non-empty line after i, trimmed.
func nextLine(lines []string, i int) string {
	for _, l := range lines[i+1:] {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// lastCommand says what a script did last after line at (labelled): the message it
// printed before a traced "exit N" (N > 0), else the last command it traced
// ("+ " lines) before an exit trap's cleanup function; exit and rm do not
// count. "" when the script traced nothing there.
func lastCommand(lines []string, at int) string {
	end := len(lines)
	for j := len(lines) - 1; j > at; j-- {
		if cleanupCall.MatchString(strings.TrimSpace(lines[j])) {
			end = j
		}
	}
	for j := end - 1; j > at; j-- {
		l := strings.TrimSpace(lines[j])
		switch {
		case failingExit.MatchString(l):
			if msg := printedBefore(lines, at, j); msg != "" {
				return "the script said: " + msg
			}
		case isTrace(l) && !uninformative.MatchString(strings.TrimLeft(l, "+")):
			return "last command: " + l
		}
	}
	return ""
}

var (
	// cleanupCall matches the traced call of an exit trap's cleanup
	// function.
	cleanupCall = regexp.MustCompile(`^\++ \w*clean\w*$`)
	failingExit = regexp.MustCompile(`^\++ exit [1-9][0-9]*$`)
)

// printedBefore is the last line the script printed (not a trace) between
// lines at and j, "" when none.
func printedBefore(lines []string, at, j int) string {
	for k := j - 1; k > at; k-- {
		l := strings.TrimSpace(lines[k])
		if isTrace(l) {
			return ""
		}
		if l != "" {
			return l
		}
	}
	return ""
}

func isTrace(l string) bool {
	cmd := strings.TrimLeft(l, "+")
	return cmd != l && strings.HasPrefix(cmd, " ")
}

// uninformative matches traced commands that say nothing of a failure.
var uninformative = regexp.MustCompile(`^ (rm|exit)( |$)`)

func lastLine(lines []string) string {
	for j := len(lines) - 1; j >= 0; j-- {
		if l := strings.TrimSpace(lines[j]); l != "" && !strings.HasPrefix(l, "### ") {
			return l
		}
	}
	return "(no output)"
}

// clip shortens the run's temporary directory in s to "…" and cuts s to
// maxErrorLen.
func clip(s string) string {
	s = workspacePath.ReplaceAllString(s, "…")
	if r := []rune(s); len(r) > maxErrorLen {
		return string(r[:maxErrorLen-1]) + "…"
	}
	return s
}
