package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPlayStep answers ansible-playbook's --step question on a real
// pseudo-terminal: n skips a task, y runs it, c runs it and every later
// task without asking again.
func TestPlayStep(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "hosts.yml", "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n", 0o644)
	vaultPut(t, dir, "site.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n"+
		"    - {name: one, debug: {msg: ran-one}}\n    - {name: two, debug: {msg: ran-two}}\n"+
		"    - {name: three, debug: {msg: ran-three}}\n    - {name: four, debug: {msg: ran-four}}\n", 0o644)
	cmd := vaultDroverCmd(dir, nil, "play", "--step", "-i", "hosts.yml", "site.yml")
	tty, screen, done := startOnPTY(t, cmd)
	for _, step := range []struct{ task, answer string }{{"one", "n"}, {"two", "y"}, {"three", "c"}} {
		vaultWaitFor(t, screen, "Perform task: TASK: "+step.task+" (N)o/(y)es/(c)ontinue: ")
		fmt.Fprint(tty, step.answer+"\r")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("drover: %v\n%s", err, screen.String())
	}
	tty.Close()
	<-done
	out := screen.String()
	for _, want := range []string{"ran-two", "ran-three", "ran-four", "ok=3 "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"ran-one", "TASK: four"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output has %q:\n%s", unwanted, out)
		}
	}
}

// TestPlayStepNeedsTerminal: --step without a terminal to ask on is a usage
// error, before any host is touched.
func TestPlayStepNeedsTerminal(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "site.yml", "- hosts: all\n  tasks:\n    - debug: msg=x\n", 0o644)
	_, errOut, code := vaultRun(t, dir, "", nil, "play", "--step", "-i", "localhost,", "site.yml")
	if code != 5 || !strings.Contains(errOut, "--step") {
		t.Errorf("exit %d, stderr %q; want 5 and a message about --step", code, errOut)
	}
}

// TestPlayVarsPromptConfirm types vars_prompt answers on a real
// pseudo-terminal: confirm asks twice and again after a mismatch, private
// answers are not echoed, encrypt hashes the answer as password_hash does.
func TestPlayVarsPromptConfirm(t *testing.T) {
	dir := vaultDir(t)
	vaultPut(t, dir, "hosts.yml", "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n", 0o644)
	vaultPut(t, dir, "site.yml", "- hosts: all\n  gather_facts: false\n  vars_prompt:\n"+
		"    - {name: pw, prompt: Secret, confirm: true, encrypt: md5_crypt, salt: saltsalt}\n"+
		"  tasks:\n    - debug: msg=\"hash={{ pw }}\"\n", 0o644)
	cmd := vaultDroverCmd(dir, nil, "play", "-i", "hosts.yml", "site.yml")
	tty, screen, done := startOnPTY(t, cmd)
	answers := []struct{ prompt, typed string }{
		{"Secret: ", "typed-one"}, {"confirm Secret: ", "typed-two"},
		{"VALUES ENTERED DO NOT MATCH", ""},
		{"Secret: ", "typed-pw"}, {"confirm Secret: ", "typed-pw"},
	}
	// Each prompt is waited for by its count on the screen ("Secret: " is
	// also inside "confirm Secret: ").
	want := map[string]int{}
	for _, a := range answers {
		want[a.prompt]++
		for i := 0; promptCount(screen.String(), a.prompt) < want[a.prompt]; i++ {
			if i == 1000 {
				t.Fatalf("never saw %q %d times: %q", a.prompt, want[a.prompt], screen.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if a.typed != "" {
			fmt.Fprint(tty, a.typed+"\r")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("drover: %v\n%s", err, screen.String())
	}
	tty.Close()
	<-done
	out := screen.String()
	if !strings.Contains(out, "hash=$1$saltsalt$") {
		t.Errorf("no md5_crypt hash in the output:\n%s", out)
	}
	if strings.Contains(out, "typed-") {
		t.Errorf("a private answer was echoed:\n%s", out)
	}
}

// promptCount counts prompt in screen, leaving out its occurrences inside
// "confirm PROMPT".
func promptCount(screen, prompt string) int {
	return strings.Count(screen, prompt) - strings.Count(screen, "confirm "+prompt)
}
